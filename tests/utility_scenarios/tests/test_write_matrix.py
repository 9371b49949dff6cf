"""Fields only actions change: the write matrix, tried over real JSON-RPC.

Every model of the add-ons that inherits ``utility.protected.fields.mixin``
names its protected fields (``_utility_protected_fields``), the fields set
once at creation (``_utility_create_only_fields``) and, implicitly, its
computed fields without an inverse. For every such model, every group of
docs/ACCESS_MATRIX.md and every one of those stored fields, a real user of
the group logs in over HTTP and sends ``write`` (and ``create``, for the
protected and computed ones) through ``/web/dataset/call_kw``, as a
browser or a script would: each call must be refused with an access error
and leave the database as it was.

Every stored field of every model of the add-ons must be classified:
protected, create-only, computed, or listed below as user-editable
(``EDITABLE_FIELDS``). A new field, or a new model, fails the test until
someone decides which it is.
"""

import base64
import json

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.utility_billing.tools.protected import protected_write

from .test_access_matrix import GROUP_XMLIDS

UTILITY_MODULES = ("utility_billing", "utility_payment_channels", "utility_arrears")
MIXIN = "utility.protected.fields.mixin"
MAGIC_FIELDS = {"id", "create_uid", "create_date", "write_uid", "write_date", "display_name"}

# Stored fields users edit in the forms, per model of the add-ons (reviewed:
# nothing here is a state, an approver, a total or a link an action sets).
EDITABLE_FIELDS = {
    "utility.agency": {
        "active", "bank_journal_id", "clearing_account_id", "code", "commission_account_id",
        "commission_max", "commission_min", "commission_per_txn", "commission_rate", "company_id",
        "file_column_mapping", "file_delimiter", "file_encoding", "file_fixed_layout",
        "file_format", "file_summary_layout", "file_summary_position", "file_thousands_separator",
        "import_ids", "journal_id", "kind", "name", "outlet_ids", "partner_id",
        "settlement_frequency", "settlement_ids", "settlement_journal_id", "signature_required",
        "signature_window",
    },
    # the civil affairs bureau's data, corrected by the billing officer; the
    # customer and the company are given at creation only
    "utility.allowance.certificate": {
        "active", "date_from", "date_to", "holder_id_number", "kind", "notes", "number",
    },
    # a biller's file: while not imported (refused after, in write)
    "utility.agency.import": {"trade_date"},
    # on a line kept for review, before Book or Keep with Note (refused on
    # the other lines)
    "utility.agency.import.line": {"bill_id", "collection_point_id", "partner_id", "review_note"},
    # the period while draft; the transfer until reconciled
    "utility.agency.settlement": {
        "bank_journal_id", "date_from", "date_to", "statement_line_id", "transfer_date",
    },
    "utility.arrears.level": {
        "action", "days_overdue", "mail_template_id", "name", "policy_id", "sequence",
        "sms_template_id", "user_id",
    },
    "utility.arrears.policy": {
        "active", "category", "company_id", "grace_days", "late_fee_current_rate",
        "late_fee_earlier_rate", "late_fee_minimum", "level_ids", "name", "sequence",
        "installment_freeze_late_fees", "installment_grace_days",
    },
    "utility.billing.run": {
        "batch_size", "category_ids", "company_id", "date_from", "date_to", "invoice_date", "name",
        "station_ids",
    },
    "utility.care.profile": {
        "care_type", "contact_name", "contact_phone", "notes", "user_id", "visit_ids",
        "visit_interval_days",
    },
    "utility.care.visit": {"date", "note"},
    "utility.cashier.session": {
        "closing_notes", "count_line_ids", "deposit_amount", "deposit_journal_id",
        "difference_reason",
    },
    "utility.cashier.session.count": {"quantity"},
    "utility.collection.point": {
        "active", "card_journal_id", "code", "company_id", "hand_in_point_id", "journal_id", "kind",
        "name", "qr_journal_id", "session_ids", "station_id", "tz", "user_ids",
    },
    "utility.contract": {
        "billing_mode", "boundary_point", "company_id", "date_end", "date_start", "name", "note",
        "partner_id", "payment_method", "payment_term_id", "service_point_id", "signed_date",
        "signed_document", "signed_document_name", "tariff_id", "utility_warning_ids",
        "contract_kind",
    },
    # an account change while draft (refused once done or cancelled, in write);
    # the arrears override itself is the Collection Manager's action
    "utility.contract.change": {
        "arrears_override_reason", "change_date", "consent_attachment_ids", "consent_new",
        "consent_old", "credit_action", "new_billing_mode", "new_contract_kind",
        "new_partner_id", "new_payment_term_id", "new_tariff_id", "note", "reading_line_ids",
        "refund_journal_id", "refund_partner_bank_id",
    },
    # the values read, until "Enter Readings" makes the meter reading
    "utility.contract.change.reading": {
        "meter_id", "value", "value_flat", "value_peak", "value_valley",
    },
    "utility.customer.category": {"code", "name", "sequence"},
    "utility.disconnection.order": {"care_visit_id", "execution_note", "user_id"},
    "utility.dunning.run": {"action_ids", "batch_size", "company_id", "date"},
    # the buyer, while the request waits to be sent (refused after, in write)
    "utility.einvoice.request": {
        "buyer_address", "buyer_bank", "buyer_bank_account", "buyer_email", "buyer_name",
        "buyer_phone", "buyer_tax_id", "invoice_type",
    },
    "utility.einvoice.provider": {"active", "code", "company_id", "name", "sequence"},
    "utility.field.collection": {
        "collector_id", "date", "difference_note", "hall_id", "hand_in_amount", "line_ids", "route",
        "village",
    },
    "utility.field.collection.line": {"amount_collected", "note"},
    "utility.late.fee.waiver": {"reason"},
    "utility.meter": {
        "active", "digits", "initial_reading", "initial_reading_flat", "initial_reading_peak",
        "initial_reading_valley", "install_date", "multiplier", "payment_mode", "register_type",
        "remove_date", "replaced_meter_id", "serial", "service_point_id", "state",
        # the smart meter's configuration (utility_arrears)
        "headend_id", "remote_capable",
    },
    # the billing officer's note on a held daily reading; everything else
    # comes from the head-end's readings API or the review actions
    "utility.meter.daily.reading": {"review_note"},
    # the manager's note on a switching command; the rest is the queue's
    "utility.meter.command": {"reason_note"},
    "utility.meter.reading": {
        "meter_id", "note", "reader_id", "reading_date", "reading_type", "value", "value_flat",
        "value_peak", "value_valley",
    },
    "utility.payer.group": {"active", "company_id", "member_ids", "name", "payer_id"},
    "utility.payment.terminal": {"active", "collection_point_id", "name", "user_id"},
    "utility.service.point": {
        "active", "code", "company_id", "contract_ids", "meter_ids", "name", "partner_id", "route",
        "station_id", "street", "village",
    },
    "utility.supply.station": {
        "active", "address", "code", "company_id", "manager_id", "name", "phone",
        "service_point_ids",
    },
    "utility.tariff": {"active", "category", "code", "company_id", "name", "version_ids"},
    "utility.tariff.block": {"limit_to", "name", "price", "sequence", "version_id"},
    "utility.tariff.component": {
        "account_id", "einvoice_item_name", "einvoice_tax_code", "kind", "name", "sequence",
        "tax_id", "version_id",
    },
    "utility.tariff.version": {
        "allowance_account_id", "allowance_kwh_five_guarantee", "allowance_kwh_low_income",
        "approval_reference", "block_basis", "block_ids", "component_ids", "date_from",
        "fixed_charge", "price_flat", "price_peak", "price_valley", "tariff_id",
    },
    "utility.tv.operator": {"active", "company_id", "name", "partner_id"},
    # the manager's configuration of the head-end (the command token is
    # readable by administrators only)
    "utility.headend": {
        "ack_timeout_minutes", "active", "api_token", "api_url", "code", "company_id",
        "max_attempts", "name", "provider", "retry_minutes", "state",
    },
    # the Collection Manager's configuration of security deposits
    "utility.deposit.rule": {
        "active", "amount", "billing_mode", "category", "company_id", "contract_kind", "note",
    },
    # while the plan is a draft (refused once agreed, in write)
    "utility.installment.plan": {
        "bill_ids", "date_start", "first_due_date", "freeze_late_fees", "grace_days",
        "installment_count", "interval_months", "line_ids", "reason",
    },
    "utility.installment.plan.line": {"amount", "date_due", "sequence"},
    # while the request is open (refused once paid, rejected or cancelled, in write)
    "utility.refund.request": {
        "journal_id", "partner_bank_id", "payment_method_line_id", "reason_note", "reject_reason",
    },
    # the accountant's draft write-off (refused once submitted, in write)
    # (lines: Add Bills creates them, a line added by hand is checked at Submit)
    "utility.writeoff.batch": {
        "date", "evidence_attachment_ids", "line_ids", "partner_ids", "reason", "reason_note",
    },
    "utility.warning.rule": {
        "active", "company_id", "kind", "mail_template_id", "name", "notify_activity",
        "notify_email", "notify_portal", "notify_sms", "responsible_user_id", "sequence",
        "sms_template_id", "threshold_amount", "threshold_days", "warning_ids",
    },
}  # fmt: skip
# the Collection Manager's threshold of bad-debt write-offs
EDITABLE_FIELDS["utility.arrears.policy"] |= {"writeoff_min_days_overdue"}

# The record of each model the matrix is tried on: one in a state where the
# model's own checks (a closed session, an approved tariff) let a write
# reach the protection.
MATRIX_RECORD_DOMAINS = {
    "utility.cashier.session": [("state", "=", "opened")],
    "utility.cashier.session.count": [("session_id.state", "!=", "closed")],
    "utility.tariff.version": [("state", "=", "draft")],
    "utility.tariff.block": [("version_id.state", "=", "draft")],
    "utility.tariff.component": [("version_id.state", "=", "draft")],
}

# Models of the add-ons not (yet) under the mechanism, with the reason. Any
# other model without the mixin fails test_every_model_is_classified.
MODELS_WITHOUT_PROTECTED_FIELDS = {}


def _utility_models(env):
    """Stored, non-transient models defined by the add-ons."""
    return [
        name
        for name in sorted(env.registry)
        if not env[name]._abstract
        and not env[name]._transient
        and env[name]._auto
        and env[name]._original_module in UTILITY_MODULES
    ]


def _has_mixin(model):
    return hasattr(model, "_utility_protected_fields")


def _classified_fields(model):
    """{field name: kind} of what the mechanism says about ``model``."""
    kinds = {}
    if _has_mixin(model):
        kinds.update(dict.fromkeys(model._utility_computed_protected_fields(), "computed"))
        kinds.update(dict.fromkeys(model._utility_create_only_fields(), "create-only"))
        kinds.update(dict.fromkeys(model._utility_protected_fields(), "protected"))
    return kinds


@tagged("post_install", "-at_install")
class TestWriteMatrix(HttpCase):
    """Each protected field of each model, written by each group over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("utility_payment_channels.session_cg_open").company_id
        cls.users = {
            group: new_test_user(
                cls.env,
                login="wmatrix_" + xmlid.replace(".", "_"),
                groups=xmlid,
                name=f"Write Matrix {group}",
                company_id=cls.company.id,
                company_ids=[cls.company.id],
            )
            for group, xmlid in GROUP_XMLIDS.items()
        }
        cls._matrix_fixtures()
        cls.records = {
            name: cls._matrix_record(name)
            for name in _utility_models(cls.env)
            if _has_mixin(cls.env[name])
        }
        # let the cashier and the collector of the matrix reach the records
        # (their record rules), so that what refuses them is the protection
        sessions = cls.records["utility.cashier.session"]
        sessions.collection_point_id.sudo().user_ids |= cls.users["Cashier"]
        cls.records["utility.field.collection"].sudo().collector_id = cls.users["Field Collector"]

    @classmethod
    def _matrix_fixtures(cls):
        """Records the demo data lacks, made through the actions (as users do)."""
        env = cls.env
        customer = env.ref("utility_billing.customer_07")
        bills = env["account.move"].search(
            [
                ("company_id", "=", cls.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        env["utility.disconnection.order"].create(
            {
                "partner_id": customer.id,
                "company_id": cls.company.id,
                "bill_ids": [Command.set(bills.filtered(lambda b: b.partner_id == customer).ids)],
            }
        ).action_notify()
        profile = env.ref("utility_arrears.demo_care_profile_customer_07")
        env["utility.care.visit"].create({"profile_id": profile.id})
        env["utility.care.profile"].create(
            {"partner_id": env.ref("utility_billing.customer_01").id, "care_type": "disability"}
        )
        env["utility.late.fee.waiver"].create(
            {"bill_id": bills[0].id, "amount": 1.0, "reason": "write matrix"}
        )
        bills[0].commercial_partner_id.utility_village = "Write Matrix Village"
        round_ = env["utility.field.collection"].create(
            {
                "collector_id": env.ref("base.user_admin").id,
                "collection_point_id": env.ref(
                    "utility_payment_channels.collection_point_field_lz"
                ).id,
                "village": "Write Matrix Village",
            }
        )
        round_.action_assign_bills()
        round_.copy()
        env["utility.cashier.session"].create(
            {
                "collection_point_id": env.ref(
                    "utility_payment_channels.collection_point_hall_lz"
                ).id,
                "user_id": env["res.users"].search([("login", "=", "cashier_lz")]).id,
            }
        )
        session = env.ref("utility_payment_channels.session_cg_open")
        env["utility.cashier.session.count"].create(
            {"session_id": session.id, "denomination": "100", "quantity": 1}
        )
        approved = env["utility.tariff.version"].search([("state", "=", "approved")], limit=1)
        draft = approved.copy({"date_from": "2099-01-01"})
        if not draft.component_ids:  # (a database upgraded from before components)
            draft.component_ids = [
                Command.create(
                    {
                        "kind": "energy",
                        "name": "Energy",
                        "tax_id": env.ref("utility_billing.tax_output_vat_13").id,
                    }
                )
            ]
        # records only server code makes (the run, the APIs): made here as it does
        run, _other_run = env["utility.dunning.run"].create(
            [{"company_id": cls.company.id}, {"company_id": cls.company.id}]
        )
        Action = env["utility.dunning.action"]
        with Action.browse()._utility_protected_write():
            Action.create(
                {
                    "run_id": run.id,
                    "bill_id": bills[0].id,
                    "partner_id": bills[0].partner_id.id,
                    "level_id": env["utility.arrears.level"].search([], limit=1).id,
                    "channel": Action._fields["channel"]._description_selection(env)[0][0],
                }
            )
        # a refund request (draft: no credit reserved yet), as a cashier makes it
        env["utility.refund.request"].create(
            {
                "partner_id": customer.id,
                "company_id": cls.company.id,
                "reason": "duplicate",
                "reason_note": "write matrix",
                "amount": 1.0,
            }
        )
        # a draft bad-debt write-off with one bill, as Add Bills makes it
        # (and a second one, each with a review, to try moving the line or a
        # review to the other write-off)
        writeoff, other_writeoff = env["utility.writeoff.batch"].create(
            [
                {"company_id": cls.company.id, "reason": "death", "reason_note": "write matrix"},
                {"company_id": cls.company.id, "reason": "other", "reason_note": "write matrix"},
            ]
        )
        Line = env["utility.writeoff.line"]
        with Line.browse()._utility_protected_write():
            Line.create({"batch_id": writeoff.id, "bill_id": bills[1].id, "amount": 1.0})
        with protected_write(env["tier.review"]):
            env["tier.review"].create(
                [
                    {
                        "model": "utility.writeoff.batch",
                        "res_id": batch.id,
                        "definition_id": env.ref("utility_arrears.tier_definition_writeoff").id,
                    }
                    for batch in (writeoff, other_writeoff)
                ]
            )
        # an installment plan with its installments, as a Collection Manager
        # prepares it (draft: the protection, not the plan's state, refuses)
        # (and a second one, to try moving an installment to it)
        plans = env["utility.installment.plan"].create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": cls.company.id,
                    "bill_ids": [
                        Command.set(bills.filtered(lambda b: b.partner_id == customer)[:1].ids)
                    ],
                }
            ]
            * 2
        )
        plans.action_generate_lines()
        # a second account change (a draft move-out), to try moving a
        # reading line to it
        env["utility.contract.change"].create(
            {"kind": "move_out", "contract_id": env.ref("utility_billing.contract_13").id}
        )
        # a second e-invoice provider, to try linking a batch to it
        env["utility.einvoice.provider"].create(
            {"name": "Write matrix provider", "company_id": cls.company.id, "active": False}
        )
        # a second head-end, to try moving a switching command or a daily
        # reading to it
        env["utility.headend"].create(
            {"name": "Write matrix HES", "code": "WM-HES", "company_id": cls.company.id}
        )
        Failure = env["utility.api.auth.failure"]
        with Failure.browse()._utility_protected_write():
            Failure.create({"remote_addr": "192.0.2.1", "channel": "terminal"})
        # a nonce of a signed request, burnt as the terminal API does
        env["utility.api.nonce"]._utility_api_burn_nonce(
            env["utility.payment.terminal"].search([], limit=1),
            "write-matrix-nonce",
            fields.Datetime.add(fields.Datetime.now(), minutes=5),
        )
        # a reversal (of a transaction never booked), as the terminal API makes it
        env.ref("utility_payment_channels.terminal_atm_chengguan")._utility_api_reverse(
            "WMATRIX-REV-1", "write matrix"
        )
        # an agency file (a line booked, one kept, differences with the
        # API) and a settlement of its payment, made with their actions
        agency = env.ref("utility_payment_channels.agency_china_post")
        day = fields.Date.context_today(agency.with_context(tz="Asia/Shanghai"))
        header = "txn_id,paid_at,customer_number,bill_number,amount,outlet_code"
        files = [
            [
                f"WM-1,{day} 09:00:00,{customer.utility_customer_number},,1.00,POST-CG",
                f"WM-2,{day} 09:05:00,0399999999,,2.00,POST-CG",
            ],
            # a second file: other lines and differences to link
            [f"WM-3,{day} 10:00:00,0399999998,,3.00,POST-CG"],
        ]
        env["utility.agency.import"].create(
            [
                {
                    "agency_id": agency.id,
                    "file": base64.b64encode("\n".join([header, *rows]).encode()),
                    "filename": f"write_matrix_{index}.csv",
                }
                for index, rows in enumerate(files)
            ]
        ).action_import()
        env["utility.agency.settlement"].create(
            {"agency_id": agency.id, "date_from": day, "date_to": day}
        ).action_load_payments()
        if not env["utility.billing.run.skip"].search_count([]):
            env["utility.billing.run"].search([("state", "=", "draft")], limit=1).action_preview()

    @classmethod
    def _matrix_record(cls, model_name):
        domain = MATRIX_RECORD_DOMAINS.get(model_name, [])
        model = cls.env[model_name].sudo().with_context(active_test=False)
        record = model.search(domain, limit=1)
        if not record:
            raise AssertionError(f"no {model_name} in the demo data to try the matrix on")
        return record

    def _other_value(self, record, field, avoid):
        """A value of ``field`` other than ``avoid`` (the record's value for
        a write, the field's default for a create), in ``write`` format."""
        env = self.env
        if field.type == "selection":
            values = [key for key, _label in field._description_selection(env)]
            return next(value for value in values if value != avoid)
        if field.type in ("many2one", "one2many", "many2many"):
            comodel = env[field.comodel_name].sudo().with_context(active_test=False)
            other = comodel.search([("id", "not in", avoid.ids)], limit=1, order="id desc")
            self.assertTrue(other, f"no other {field.comodel_name} to link {field}")
            if field.type == "many2one":
                return other.id
            if field.type == "many2many":
                return [Command.set(other.ids)]
            return [Command.link(other.id)]
        if field.type == "boolean":
            return not avoid
        if field.type == "date":
            return "2020-01-01"
        if field.type == "datetime":
            return "2020-01-01 00:00:00"
        if field.type in ("integer", "float", "monetary"):
            return (avoid or 0) + 100000
        return "forged by RPC"

    def _default(self, record, field):
        """The field's declared default, as the record would hold it."""
        model = record.browse()
        value = field.default(model) if field.default else False
        return model._fields[field.name].convert_to_record(
            field.convert_to_cache(value, model, validate=False), model
        )

    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs or {"context": {}},
            },
        )

    def _login(self, group):
        user = self.users[group]
        if group == "Public":
            # public users cannot open a session: their calls are anonymous
            self.logout()
            return
        self.authenticate(user.login, user.login)

    def _create_vals(self, record, protected):
        """Values a client would send to create a record like ``record``,
        without any protected or computed field."""
        vals = record.copy_data()[0]
        # as JSON carries them: dates as strings
        vals = json.loads(json.dumps(vals, default=str))
        return {name: value for name, value in vals.items() if name not in protected}

    def test_every_model_is_classified(self):
        """A stored field nobody classified, or a model without the
        mechanism, fails here: decide whether users may edit it."""
        unclassified = {}
        for name in _utility_models(self.env):
            model = self.env[name]
            if not _has_mixin(model):
                if name not in MODELS_WITHOUT_PROTECTED_FIELDS:
                    unclassified[name] = "model without utility.protected.fields.mixin"
                continue
            classified = set(_classified_fields(model)) | EDITABLE_FIELDS.get(name, set())
            missing = {
                fname
                for fname, field in model._fields.items()
                if field.store
                and fname not in MAGIC_FIELDS
                and field._module in UTILITY_MODULES
                and fname not in classified
            }
            if missing:
                unclassified[name] = sorted(missing)
            both = EDITABLE_FIELDS.get(name, set()) & set(_classified_fields(model))
            self.assertFalse(both, f"{name}: fields both editable and protected: {both}")
        self.assertFalse(
            unclassified, f"classify these fields (protected or editable): {unclassified}"
        )

    def test_protected_fields_are_refused_to_every_group_over_rpc(self):
        refused = 0
        for group in self.users:
            self._login(group)
            for name, record in self.records.items():
                model = self.env[name]
                kinds = _classified_fields(model)
                create_vals = self._create_vals(
                    record, {fname for fname, kind in kinds.items() if kind != "create-only"}
                )
                for fname, kind in sorted(kinds.items()):
                    field = model._fields[fname]
                    if not field.store:
                        continue
                    before = record[fname]
                    with self.subTest(group=group, model=name, field=fname, operation="write"):
                        value = self._other_value(record, field, before)
                        with self.assertRaises(JsonRpcException) as caught:
                            self._call(name, "write", [record.ids, {fname: value}])
                        self.assertIn(caught.exception.args[0], self._refusals(group))
                        record.invalidate_recordset()
                        self.assertEqual(record[fname], before, "the value changed in the database")
                        refused += 1
                    if kind == "create-only":
                        continue
                    count = model.sudo().with_context(active_test=False).search_count([])
                    with self.subTest(group=group, model=name, field=fname, operation="create"):
                        value = self._other_value(record, field, self._default(record, field))
                        with self.assertRaises(JsonRpcException) as caught:
                            self._call(name, "create", [{**create_vals, fname: value}])
                        self.assertIn(caught.exception.args[0], self._refusals(group))
                        self.assertEqual(
                            model.sudo().with_context(active_test=False).search_count([]),
                            count,
                            "a record was created",
                        )
                        refused += 1
        # every model, group and field was tried (not skipped)
        self.assertGreater(refused, 100 * len(self.users))

    def _refusals(self, group):
        if group == "Public":
            return ("odoo.http.SessionExpiredException",)
        return ("odoo.exceptions.AccessError",)

    def test_a_user_editable_field_is_still_written_over_rpc(self):
        """The matrix is not passing because every write fails: the cashier
        of the session still enters the bank deposit."""
        session = self.records["utility.cashier.session"]
        self.authenticate(self.users["Cashier"].login, self.users["Cashier"].login)
        self._call("utility.cashier.session", "write", [session.ids, {"closing_notes": "all fine"}])
        self.assertEqual(session.closing_notes, "all fine")
