from collections import defaultdict

from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pgerrors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import split_every

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.utility_billing.tools.new_name import is_new_name

from .utility_billing_run_preview import ANOMALY_FACTOR
from .utility_bulk_booking import bulk_context

JOB_CHANNEL = "root.utility_billing"


class UtilityBillingRun(models.Model):
    """A billing run bills one period for a scope of contracts (stations,
    customer categories): one posted customer invoice per contract, built
    from its validated readings and its approved tariff.

    The preview tells how many bills, for how much, and which contracts will
    be skipped and why. The run itself is split into batches executed as
    queue_job jobs; each batch creates its bills with one ``create`` and
    posts them with one ``action_post``. A contract that already has a bill
    overlapping the period is never billed again, so running the run (or one
    of its jobs) twice is harmless."""

    _name = "utility.billing.run"
    _description = "Billing Run"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "utility.protected.fields.mixin",
        "utility.batch.job.mixin",
    ]
    _order = "date_from desc, id desc"
    # the run's life cycle (utility.batch.job.mixin): contracts billed in
    # batches of ``batch_size``, two at a time on the billing channel, then
    # a closing job
    _batch_job_unit_model = "utility.contract"
    _batch_job_method = "_run_batch"
    _batch_job_channel = JOB_CHANNEL
    _batch_job_close_method = "_finish_run"

    name = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    date_from = fields.Date(
        string="Period Start",
        required=True,
        tracking=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)
        ),
    )
    date_to = fields.Date(
        string="Period End",
        required=True,
        tracking=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1) - relativedelta(days=1),
    )
    invoice_date = fields.Date(
        string="Bill Date",
        required=True,
        default=fields.Date.context_today,
        help="Date of the bills; their due date follows from each contract's payment term.",
    )
    station_ids = fields.Many2many(
        comodel_name="utility.supply.station",
        string="Supply Stations",
        check_company=True,
        help="Bill only the contracts of these stations; empty means all stations.",
    )
    category_ids = fields.Many2many(
        comodel_name="utility.customer.category",
        string="Customer Categories",
        help="Bill only customers of these categories; empty means all categories.",
    )
    kind = fields.Selection(
        selection=[("periodic", "Periodic"), ("final", "Final bill")],
        default="periodic",
        required=True,
        readonly=True,
        help="A periodic run bills the period to every contract of its scope, each for "
        "its own days in it; a final run bills the contracts it names up to their end "
        "date (move-out, transfer) at once, without jobs.",
    )
    contract_ids = fields.Many2many(
        comodel_name="utility.contract",
        string="Contracts",
        readonly=True,
        check_company=True,
        help="Bill only these contracts (a final run); empty means the whole scope.",
    )
    batch_size = fields.Integer(
        default=500,
        help="Contracts per job: each job creates and posts its bills in one transaction.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("previewed", "Previewed"),
            ("running", "Running"),
            ("done", "Done"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    preview_date = fields.Datetime(readonly=True, copy=False)
    preview_bill_count = fields.Integer(
        string="Bills Expected", readonly=True, copy=False, help="Bills the preview found."
    )
    preview_amount = fields.Monetary(
        string="Expected Amount",
        readonly=True,
        copy=False,
        help="Total of the bills the preview found.",
    )
    preview_consumption = fields.Float(
        string="Expected Consumption (kWh)", digits=(16, 2), readonly=True, copy=False
    )
    contract_count = fields.Integer(
        string="Contracts in Scope",
        readonly=True,
        copy=False,
        help="Contracts of the scope when the run (or its preview) started.",
    )
    move_ids = fields.One2many(
        comodel_name="account.move", inverse_name="utility_billing_run_id", string="Bills"
    )
    skip_ids = fields.One2many(
        comodel_name="utility.billing.run.skip", inverse_name="run_id", string="Skipped"
    )
    preview_line_ids = fields.One2many(
        comodel_name="utility.billing.run.preview",
        inverse_name="run_id",
        string="Expected Bills",
        readonly=True,
    )
    preview_anomaly_count = fields.Integer(
        string="Unusual Bills",
        readonly=True,
        copy=False,
        help="Bills of the preview with no consumption or a consumption far from the "
        "contract's usual one: look at them before the run.",
    )
    bill_count = fields.Integer(compute="_compute_totals", help="Bills of the run in force.")
    credited_count = fields.Integer(
        compute="_compute_totals", help="Bills of the run cancelled by a credit note."
    )
    billed_amount = fields.Monetary(compute="_compute_totals")
    billed_consumption = fields.Float(
        string="Billed Consumption (kWh)", compute="_compute_totals", digits=(16, 2)
    )
    skip_count = fields.Integer(compute="_compute_totals")
    progress = fields.Float(
        compute="_compute_totals",
        help="Share of the contracts in scope that are billed or skipped.",
    )

    _batch_size_positive = models.Constraint(
        "CHECK(batch_size > 0)", "The batch size must be positive."
    )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for run in self:
            if run.date_to < run.date_from:
                raise ValidationError(self.env._("The billing period cannot end before it starts."))

    @api.constrains("kind", "contract_ids")
    def _check_final_contracts(self):
        for run in self:
            if run.kind == "final" and not run.contract_ids:
                raise ValidationError(
                    self.env._("A final billing run bills the contracts it names: name them.")
                )

    @api.model
    def _utility_protected_fields(self):
        # the workflow and the preview's figures: written by the preview,
        # run and reset actions and the run's jobs only
        return {
            "state",
            "preview_date",
            "preview_bill_count",
            "preview_amount",
            "preview_consumption",
            "contract_count",
            "move_ids",
            "skip_ids",
            "preview_line_ids",
            "preview_anomaly_count",
        }

    @api.model
    def _utility_create_only_fields(self):
        # what the run is: a final run is created for its contracts by the
        # account change, never turned into a periodic one
        return {"kind", "contract_ids"}

    @api.model_create_multi
    def create(self, vals_list):
        new_label = self.env._("New")
        for vals in vals_list:
            if is_new_name(self, vals.get("name")):
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("utility.billing.run") or new_label
                )
        return super().create(vals_list)

    @api.depends(
        "contract_count",
        "skip_ids",
        "move_ids.state",
        "move_ids.utility_credited",
        "move_ids.amount_total",
    )
    def _compute_totals(self):
        move_groups = self.env["account.move"]._read_group(
            [
                ("utility_billing_run_id", "in", self.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ],
            ["utility_billing_run_id", "utility_credited"],
            ["__count", "amount_total:sum", "utility_consumption:sum"],
        )
        moves = defaultdict(lambda: [0, 0.0, 0.0])
        credited = defaultdict(int)
        for run, is_credited, count, amount, consumption in move_groups:
            if is_credited:
                credited[run.id] += count
            else:
                moves[run.id] = [count, amount, consumption]
        skips = dict(
            self.env["utility.billing.run.skip"]._read_group(
                [("run_id", "in", self.ids)], ["run_id"], ["__count"]
            )
        )
        for run in self:
            count, amount, consumption = moves[run.id]
            run.bill_count = count
            run.billed_amount = amount
            run.billed_consumption = consumption
            run.credited_count = credited[run.id]
            run.skip_count = skips.get(run, 0)
            done = count + run.skip_count
            run.progress = (
                min(100.0, 100.0 * done / run.contract_count) if run.contract_count else 0.0
            )

    # ------------------------------------------------------------------
    # scope and preparation (shared by the preview and the batches)
    # ------------------------------------------------------------------
    def _get_scope_domain(self):
        self.ensure_one()
        domain = [
            ("company_id", "=", self.company_id.id),
            ("state", "in", ("draft", "active", "terminated")),
            ("billed_from", "<=", self.date_to),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", self.date_from),
        ]
        if self.contract_ids:
            domain.append(("id", "in", self.contract_ids.ids))
        if self.kind == "periodic":
            closed = self._get_closed_contract_ids()
            if closed:
                domain.append(("id", "not in", closed))
        if self.station_ids:
            domain.append(("station_id", "in", self.station_ids.ids))
        if self.category_ids:
            domain.append(("category", "in", self.category_ids.mapped("code")))
        return domain

    def _get_closed_contract_ids(self):
        """Ids of the contracts ending in or after the period that a final
        run has billed up to their end date: the periodic run neither bills
        nor skips them."""
        self.ensure_one()
        finals = self.env["account.move"].search_fetch(
            [
                ("company_id", "=", self.company_id.id),
                ("utility_billing_run_id.kind", "=", "final"),
                ("move_type", "=", "out_invoice"),
                ("state", "!=", "cancel"),
                ("utility_credited", "=", False),
                ("utility_period_end", ">=", self.date_from),
            ],
            ["utility_contract_id", "utility_period_end"],
        )
        closed = {
            bill.utility_contract_id.id
            for bill in finals
            if bill.utility_contract_id.date_end
            and bill.utility_period_end >= bill.utility_contract_id.date_end
        }
        # contracts an account change closed with their final bill in force
        moved_out = self.env["utility.contract"].search_fetch(
            [
                ("company_id", "=", self.company_id.id),
                ("final_bill_id", "!=", False),
                ("final_bill_id.state", "!=", "cancel"),
                ("final_bill_id.utility_credited", "=", False),
                ("date_end", ">=", self.date_from),
            ],
            ["id"],
        )
        return sorted(closed | set(moved_out.ids))

    def _batch_job_run_inline(self, units):
        # a final bill is wanted at once, by the account change that asks it
        return self.kind == "final" or super()._batch_job_run_inline(units)

    def _get_scope_contracts(self):
        return self.env["utility.contract"].search(self._get_scope_domain(), order="id")

    def _prepare_bills(self, contracts):
        """Each of ``contracts``' bill or why it is skipped: see
        ``utility.bill.builder._prepare_bills``."""
        return self.env["utility.bill.builder"]._prepare_bills(self, contracts)

    def _prepare_move_vals(self, bill, journal, product):
        """Values of the customer invoice of one prepared ``bill``: see
        ``utility.bill.builder._prepare_move_vals``."""
        return self.env["utility.bill.builder"]._prepare_move_vals(self, bill, journal, product)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def _check_editable_period(self):
        if self.filtered(lambda run: run.state not in ("draft", "previewed")):
            raise UserError(self.env._("Only a draft or previewed billing run can be previewed."))

    def action_preview(self):
        """Compute what the run would bill and skip, without creating bills."""
        self._check_editable_period()
        for run in self:
            contracts = run._get_scope_contracts()
            bill_count, amount, consumption, skips, lines = 0, 0.0, 0.0, [], []
            for batch_ids in split_every(run.batch_size, contracts.ids):
                bills, batch_skips = run._prepare_bills(contracts.browse(batch_ids))
                bill_count += len(bills)
                amount += sum(bill["amount"] for bill in bills)
                consumption += sum(bill["consumption"] for bill in bills)
                skips += batch_skips
                lines += run._prepare_preview_lines(bills)
            run.skip_ids.unlink()
            run.preview_line_ids.unlink()
            skip_model = self.env["utility.billing.run.skip"]
            with skip_model.browse()._utility_protected_write():
                skip_model.create(skips)
            preview_model = self.env["utility.billing.run.preview"]
            with preview_model.browse()._utility_protected_write():
                preview_model.create(lines)
            with run._utility_protected_write():
                run.write(
                    {
                        "state": "previewed",
                        "preview_date": fields.Datetime.now(),
                        "contract_count": len(contracts),
                        "preview_bill_count": bill_count,
                        "preview_amount": run.currency_id.round(amount),
                        "preview_consumption": consumption,
                        "preview_anomaly_count": sum(1 for line in lines if line["anomaly"]),
                    }
                )
        return True

    def _get_usual_consumption(self, contracts):
        """Average monthly kWh of the bills in force of ``contracts`` in the
        twelve months before the period: {contract id: kWh}. One query."""
        groups = self.env["account.move"]._read_group(
            [
                ("utility_contract_id", "in", contracts.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("utility_credited", "=", False),
                ("utility_period_end", "<", self.date_from),
                ("utility_period_start", ">=", self.date_from - relativedelta(months=12)),
            ],
            ["utility_contract_id"],
            ["utility_consumption:sum", "__count"],
        )
        return {contract.id: total / count for contract, total, count in groups if count}

    def _prepare_preview_lines(self, bills):
        """Values of the preview lines of prepared ``bills``, each compared
        with its contract's usual consumption and flagged when unusual."""
        self.ensure_one()
        contracts = self.env["utility.contract"].browse([bill["contract"].id for bill in bills])
        usual = self._get_usual_consumption(contracts)
        factor = ANOMALY_FACTOR
        lines = []
        for bill in bills:
            contract, consumption = bill["contract"], bill["consumption"]
            average = usual.get(contract.id, 0.0)
            anomaly = False
            if not consumption:
                anomaly = "zero"
            elif average and consumption > factor * average:
                anomaly = "high"
            elif average and consumption * factor < average:
                anomaly = "low"
            lines.append(
                {
                    "run_id": self.id,
                    "contract_id": contract.id,
                    "consumption": consumption,
                    "usual_consumption": average,
                    "amount": bill["amount"],
                    "anomaly": anomaly,
                }
            )
        return lines

    # ------------------------------------------------------------------
    # the run's jobs (life cycle: utility.batch.job.mixin)
    # ------------------------------------------------------------------
    def _batch_job_busy_message(self):
        return self.env._(
            "Billing run %s is being processed by another user right now: "
            "refresh and try again in a moment.",
            ", ".join(self.mapped("name")),
        )

    def _batch_job_units_busy_message(self):
        # the contracts another job (of this run or of another run of the
        # period) is billing right now: no waiting, no second bill; retried
        # later, they are then found billed
        return self.env._("Some of these contracts are being billed by another job.")

    def _batch_job_description(self, index, total, start):
        return self.env._(
            "Billing run %(run)s: batch %(index)s/%(total)s",
            run=self.name,
            index=index,
            total=total,
        )

    def _batch_job_close_description(self):
        return self.env._("Billing run %s: close", self.name)

    def _batch_job_todo(self):
        return self._get_unbilled_contracts(self._get_scope_contracts())

    def _get_unbilled_contracts(self, contracts):
        """``contracts`` without a bill in force of this run: what a run
        started again (after a crash, a failed batch, new readings) still
        has to bill or skip. A contract skipped is tried again; one whose
        bill was cancelled by a credit note is billed again."""
        if self.state not in ("running", "done"):
            return contracts
        billed = self.env["account.move"].search_fetch(
            [
                ("utility_billing_run_id", "=", self.id),
                ("move_type", "=", "out_invoice"),
                ("state", "!=", "cancel"),
                ("utility_credited", "=", False),
            ],
            ["utility_contract_id"],
        )
        return contracts - billed.utility_contract_id

    def _batch_job_is_done(self):
        # every contract of the scope billed or skipped
        return self.bill_count + self.skip_count >= self.contract_count

    def _batch_job_started(self, units):
        self.message_post(
            body=self.env._(
                "Billing started for %(count)s contracts in batches of %(size)s.",
                count=self.contract_count,
                size=self.batch_size,
            )
        )

    def _batch_job_close(self):
        result = super()._batch_job_close()
        self.message_post(
            body=self.env._(
                "Billing done: %(bills)s bills for %(amount)s, %(skips)s contracts skipped.",
                bills=self.bill_count,
                amount=self.billed_amount,
                skips=self.skip_count,
            )
        )
        return result

    def action_run(self):
        """Bill the scope: one queue_job job per batch of contracts, then a job
        closing the run. Running again only bills what is still unbilled,
        with jobs for those contracts only."""
        self.ensure_one()
        self._batch_job_lock()
        contracts = self._get_scope_contracts()
        todo = self._get_unbilled_contracts(contracts)
        # created here, never by concurrent batches
        self.env["account.move"]._utility_get_bill_journal(self.company_id)
        if self._batch_job_run_inline(todo):
            # billed at once: no running state to write the count with
            with self._utility_protected_write():
                self.write({"contract_count": len(contracts)})
        self._batch_job_start(todo, {"contract_count": len(contracts)})
        return True

    def _run_batch(self, contract_ids):
        """Job: bill ``contract_ids`` (``_batch_job_process``), or retried
        later when another job is billing some of them."""
        return self._batch_job_perform(contract_ids)

    def _batch_job_process(self, contracts):
        """Bill ``contracts`` — one create, one post for all bills.

        Idempotent: contracts already billed for the period (by this run in an
        earlier attempt, or by anything else) get no second bill."""
        self.ensure_one()
        bills, skips = self._prepare_bills(contracts)
        skip_model = self.env["utility.billing.run.skip"]
        # an attempt run again replaces what the previous attempt recorded
        skip_model.search([("run_id", "=", self.id), ("contract_id", "in", contracts.ids)]).unlink()
        with skip_model.browse()._utility_protected_write():
            skip_model.create(skips)
        if not bills:
            return self.env._("No bill, %s skipped.", len(skips))
        move_model = self.env["account.move"]
        journal = move_model._utility_get_bill_journal(self.company_id)
        product = move_model._utility_get_product()
        vals_list = [self._prepare_move_vals(bill, journal, product) for bill in bills]
        # quiet mass creation, companies checked once per value (see
        # utility_bulk_booking)
        create_context = bulk_context(company_check=True, quiet=True)
        builder = self.env["utility.bill.builder"]
        precomputed = builder._utility_can_precompute_lines(self, bills, journal, vals_list)
        if precomputed:
            defaults = builder._utility_batch_defaults(self, bills)
            for vals, bill in zip(vals_list, bills, strict=True):
                builder._utility_precompute_lines(self, vals, bill, defaults)
            # every line (product and receivable) is given complete: Odoo's
            # dynamic-line synchronisation has nothing to add; the balance
            # check of the moves still runs
            create_context["skip_invoice_sync"] = True
            # new draft lines have no analytic line to synchronise
            create_context["skip_analytic_sync"] = True
            # balance and amount currency are given equal (company currency),
            # and price_subtotal / price_total given: nothing to synchronise
            # line by line (see utility_bulk_booking)
            create_context["skip_invoice_line_sync"] = True
            # the tax items of bills like an earlier one: SQL copies of its
            # items, inserted after the create (utility_bill_builder_tax_copy)
            tax_copies = builder._utility_tax_copy_plan(self, journal, vals_list)
            if tax_copies:
                # those bills are balanced once their tax items are inserted
                create_context["check_move_validity"] = False
        try:
            moves = move_model.with_context(**create_context).create(vals_list)
        except pgerrors.UniqueViolation as error:
            # another transaction billed some of these contracts meanwhile:
            # try again later, the contracts it billed will then be left out
            raise RetryableJobError(
                self.env._("Some contracts were billed concurrently; retrying."),
                seconds=10,
            ) from error
        if precomputed:
            # given with the lines, as Odoo computes them: not computed again
            lines = moves.line_ids
            for fname in ("price_subtotal", "price_total"):
                self.env.remove_to_compute(lines._fields[fname], lines)
            if tax_copies:
                builder._utility_insert_tax_items(moves, vals_list, tax_copies)
        self.env["utility.meter.reading"]._mark_billed(
            {
                reading: move
                for bill, move in zip(bills, moves, strict=True)
                for reading in bill["readings"]
            }
        )
        # posted last: the journal's numbering is held from here to the commit
        post_context = {"tracking_disable": True, "mail_notrack": True}
        if create_context.get("skip_invoice_sync"):
            # posting changes no amount, date or partner: nothing to synchronise
            post_context["skip_invoice_sync"] = True
        # posted in the run's own context: the creation shortcuts stop here
        moves.with_env(self.env)._utility_post_batch(**post_context)
        return self.env._("%(bills)s bills, %(skips)s skipped.", bills=len(moves), skips=len(skips))

    def _finish_run(self):
        """Job: close the run once all its batches are done
        (``_batch_job_finish``)."""
        return self._batch_job_finish()

    def action_check_progress(self):
        """Close a running run whose jobs are all done (e.g. after a failed
        batch was fixed and run again by hand)."""
        for run in self.filtered(lambda r: r.state == "running"):
            if run._batch_job_is_done():
                run._finish_run()
        return True

    def action_reset_draft(self):
        if self.filtered(lambda run: run.state != "previewed"):
            raise UserError(self.env._("Only a previewed run can go back to draft."))
        self.skip_ids.unlink()
        self.preview_line_ids.unlink()
        with self._utility_protected_write():
            self.write({"state": "draft", "preview_anomaly_count": 0})
        return True

    def action_view_bills(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_billing.action_utility_bills"
        )
        action["domain"] = [("utility_billing_run_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_skips(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_billing.action_utility_billing_run_skip"
        )
        action["domain"] = [("run_id", "=", self.id)]
        return action

    def action_cancel_bills(self):
        """Open the wizard cancelling the run's bills by credit notes."""
        self.ensure_one()
        moves = self.move_ids.filtered(
            lambda m: (
                m.state == "posted" and m.move_type == "out_invoice" and not m.utility_credited
            )
        )
        if not moves:
            raise UserError(self.env._("This run has no bill in force to cancel."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel Bills"),
            "res_model": "utility.bill.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": [Command.set(moves.ids)]},
        }
