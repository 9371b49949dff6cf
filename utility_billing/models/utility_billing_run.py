from collections import defaultdict

from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pgerrors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import float_round, split_every

from odoo.addons.queue_job.exception import RetryableJobError

from ..tools.company_check import BATCH_COMPANY_CHECK
from .utility_billing_run_preview import ANOMALY_FACTOR

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

    @api.model_create_multi
    def create(self, vals_list):
        new_label = self.env._("New")
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == new_label:
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
            ("date_start", "<=", self.date_to),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", self.date_from),
        ]
        if self.station_ids:
            domain.append(("station_id", "in", self.station_ids.ids))
        if self.category_ids:
            domain.append(("category", "in", self.category_ids.mapped("code")))
        return domain

    def _get_scope_contracts(self):
        return self.env["utility.contract"].search(self._get_scope_domain(), order="id")

    def _get_existing_bills(self, contracts):
        """Bills in force (not cancelled, not credited) of ``contracts`` whose
        period overlaps the run's period: {contract id: move}."""
        moves = self.env["account.move"].search(
            [
                ("utility_contract_id", "in", contracts.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "!=", "cancel"),
                ("utility_credited", "=", False),
                ("utility_period_start", "<=", self.date_to),
                ("utility_period_end", ">=", self.date_from),
            ]
        )
        return {move.utility_contract_id.id: move for move in moves}

    def _get_year_to_date_consumption(self, contracts):
        """kWh billed to ``contracts`` earlier in the calendar year of the
        period start (for annual blocks): {contract id: kWh}. A bill whose
        period began the year before counts its share of the new year, split
        by days as the bill itself split it (``_compute_charge_lines``)."""
        year_start = self.date_from.replace(month=1, day=1)
        if year_start == self.date_from:
            return {}
        domain = [
            ("utility_contract_id", "in", contracts.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("utility_credited", "=", False),
            ("utility_period_start", "<", self.date_from),
        ]
        Move = self.env["account.move"]
        groups = Move._read_group(
            [*domain, ("utility_period_start", ">=", year_start)],
            ["utility_contract_id"],
            ["utility_consumption:sum"],
        )
        year_to_date = defaultdict(float)
        for contract, consumption in groups:
            year_to_date[contract.id] += consumption
        straddling = Move.search_fetch(
            [
                *domain,
                ("utility_period_start", "<", year_start),
                ("utility_period_end", ">=", year_start),
            ],
            [
                "utility_contract_id",
                "utility_period_start",
                "utility_period_end",
                "utility_consumption",
            ],
        )
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit")
        for bill in straddling:
            start, end = bill.utility_period_start, bill.utility_period_end
            old_share = (year_start - start).days / ((end - start).days + 1)
            old_year = float_round(
                bill.utility_consumption * old_share, precision_digits=qty_digits
            )
            year_to_date[bill.utility_contract_id.id] += bill.utility_consumption - old_year
        return dict(year_to_date)

    def _get_pending_service_points(self, contracts):
        """Service points of ``contracts`` with a reading of the period still
        in draft or waiting for review."""
        groups = self.env["utility.meter.reading"]._read_group(
            [
                ("service_point_id", "in", contracts.service_point_id.ids),
                ("state", "in", ("draft", "to_review")),
                ("reading_date", ">=", self.date_from),
                ("reading_date", "<=", self.date_to),
            ],
            ["service_point_id"],
        )
        return {point.id for [point] in groups}

    def _prepare_bills(self, contracts):
        """Decide, for each of ``contracts``, its bill or why it is skipped.

        Contracts already billed for the period by this run are left out
        silently (a batch run again); billed by anything else they are skipped.

        :return: ``(bills, skips)``: ``bills`` a list of dicts (contract,
            readings, consumption, lines, amount), ``skips`` a list of
            values for ``utility.billing.run.skip``
        """
        self.ensure_one()
        skips = []

        def skip(contract, reason, detail, move=None):
            skips.append(
                {
                    "run_id": self.id,
                    "contract_id": contract.id,
                    "reason": reason,
                    "detail": detail,
                    "existing_move_id": move.id if move else False,
                }
            )

        drafts = contracts.filtered(lambda c: c.state == "draft")
        for contract in drafts:
            skip(
                contract,
                "contract_inactive",
                self.env._("Contract %s is a draft: activate it to bill it.", contract.name),
            )
        contracts -= drafts
        existing = self._get_existing_bills(contracts)
        for contract in contracts:
            move = existing.get(contract.id)
            if move and move.utility_billing_run_id != self:
                skip(
                    contract,
                    "already_billed",
                    self.env._(
                        "Bill %(bill)s already covers %(start)s to %(end)s.",
                        bill=move.name or move.display_name,
                        start=move.utility_period_start,
                        end=move.utility_period_end,
                    ),
                    move,
                )
        contracts = contracts.filtered(lambda c: c.id not in existing)

        readings = self.env["utility.meter.reading"]._get_billable(
            contracts, self.date_from, self.date_to
        )
        readings_by_point = defaultdict(lambda: self.env["utility.meter.reading"])
        for reading in readings:
            readings_by_point[reading.service_point_id.id] |= reading
        pending_points = self._get_pending_service_points(contracts)
        year_to_date = self._get_year_to_date_consumption(contracts)
        tariff_issues = {}
        bills = []
        for contract in contracts:
            point = contract.service_point_id
            if point.id in pending_points:
                skip(
                    contract,
                    "reading_to_review",
                    self.env._(
                        "A reading of %s in the period is not validated yet: "
                        "validate or review it.",
                        point.display_name,
                    ),
                )
                continue
            point_readings = readings_by_point.get(point.id)
            if not point_readings:
                skip(
                    contract,
                    "no_reading",
                    self.env._(
                        "No validated reading of %s in the period: enter, import or estimate one.",
                        point.display_name,
                    ),
                )
                continue
            tariff = contract.tariff_id
            if tariff not in tariff_issues:
                tariff_issues[tariff] = tariff._get_billing_issue(self.date_from, self.date_to)
            if tariff_issues[tariff]:
                skip(contract, "no_tariff", tariff_issues[tariff])
                continue
            consumption = sum(point_readings.mapped("consumption"))
            if consumption < 0:
                skip(
                    contract,
                    "negative_consumption",
                    self.env._(
                        "The readings give %s kWh (an estimate corrected downwards): "
                        "issue a credit note by hand.",
                        consumption,
                    ),
                )
                continue
            registers = None
            if "tou" in point_readings.mapped("register_type"):
                registers = {
                    register: sum(point_readings.mapped(f"consumption_{register}"))
                    for register in ("peak", "flat", "valley")
                }
            lines = tariff._compute_charge_lines(
                self.date_from,
                self.date_to,
                consumption=consumption,
                registers=registers,
                year_to_date=year_to_date.get(contract.id, 0.0),
            )
            bills.append(
                {
                    "contract": contract,
                    "readings": point_readings,
                    "consumption": consumption,
                    "lines": lines,
                    "amount": self.currency_id.round(sum(line["amount"] for line in lines)),
                }
            )
        return bills, skips

    def _prepare_move_vals(self, bill, journal, product):
        """Values of the customer invoice of one prepared ``bill``."""
        contract = bill["contract"]
        readings = bill["readings"]
        line_commands = []
        for line in bill["lines"]:
            # kWh lines carry the electricity product; a fixed charge and a
            # tier surcharge (kWh already on the register lines) do not
            energy = line["kind"] in ("block", "register")
            line_commands.append(
                Command.create(
                    {
                        "product_id": product.id if energy else False,
                        "product_uom_id": product.uom_id.id if energy else False,
                        "name": line["name"],
                        "quantity": line["quantity"],
                        "price_unit": line["price_unit"],
                        "account_id": journal.default_account_id.id,
                        # approved tariffs are final prices
                        "tax_ids": [Command.clear()],
                        "utility_tariff_version_id": line["version_id"],
                        "utility_tariff_block_id": line["block_id"],
                        "utility_register": line["register"],
                        "utility_charge_kind": line["kind"],
                    }
                )
            )
        return {
            "move_type": "out_invoice",
            "journal_id": journal.id,
            "company_id": self.company_id.id,
            "partner_id": contract.partner_id.id,
            "invoice_date": self.invoice_date,
            "invoice_payment_term_id": contract.payment_term_id.id,
            "invoice_origin": self.name,
            "utility_contract_id": contract.id,
            "utility_service_point_id": contract.service_point_id.id,
            "utility_meter_id": readings.sorted("reading_date")[-1:].meter_id.id,
            "utility_station_id": contract.station_id.id,
            "utility_category": contract.category,
            "utility_period_start": self.date_from,
            "utility_period_end": self.date_to,
            "utility_consumption": bill["consumption"],
            "utility_tariff_version_ids": [
                Command.set(list({line["version_id"] for line in bill["lines"]}))
            ],
            "utility_reading_ids": [Command.set(readings.ids)],
            "utility_billing_run_id": self.id,
            "invoice_line_ids": line_commands,
        }

    def _utility_can_precompute_lines(self, bills, journal):
        """Whether the bills of a batch can be created with their lines
        precomputed: bills in the company currency (no conversion). The
        receivable account is left to Odoo's own computation (partner's
        account mapped by the bill's fiscal position)."""
        company = self.company_id
        return bool(bills) and (
            not journal.currency_id or journal.currency_id == company.currency_id
        )

    def _utility_batch_defaults(self, bills):
        """Values that Odoo would compute bill by bill, computed once for the
        batch when the answer cannot differ between bills: no automatic
        fiscal position and no analytic distribution model in the company
        means every bill gets none (otherwise Odoo computes them per bill)."""
        company = self.company_id
        defaults = {"move": {}, "product_line": {}, "fiscal_positions": {}}
        fiscal_positions = self.env["account.fiscal.position"].search_count(
            [("company_id", "in", (company.id, False))], limit=1
        )
        if not fiscal_positions:
            defaults["move"]["fiscal_position_id"] = False
        else:
            partners = self.env["res.partner"].union(
                *(bill["contract"].partner_id for bill in bills)
            )
            defaults["fiscal_positions"] = self._utility_fiscal_positions(partners)
        distribution_models = (
            self.env["account.analytic.distribution.model"]
            .sudo()
            .search_count([("company_id", "in", (company.id, False))], limit=1)
        )
        if not distribution_models:
            defaults["product_line"]["analytic_distribution"] = False
        return defaults

    def _utility_fiscal_positions(self, partners):
        """{partner id: fiscal position id} of the bills of ``partners``, as
        Odoo's per-bill computation finds it, looked up once per distinct
        fiscal profile (country, state, zip, VAT, forced position). Partners
        with a parent or contacts are left out: their delivery address may
        decide, so Odoo computes theirs."""
        company = self.company_id
        fiscal_position_model = self.env["account.fiscal.position"].with_company(company)
        positions, profiles = {}, {}
        for partner in partners.with_company(company):
            if partner.parent_id or partner.child_ids:
                continue
            profile = (
                partner.country_id.id,
                partner.state_id.id,
                partner.zip,
                partner.vat,
                partner.property_account_position_id.id,
            )
            if profile not in profiles:
                profiles[profile] = fiscal_position_model._get_fiscal_position(partner).id
            positions[partner.id] = profiles[profile]
        return positions

    def _utility_precompute_lines(self, vals, bill, defaults=None):
        """Turn the invoice lines of ``vals`` into complete journal items:
        product lines with their credit, and the receivable lines of the
        contract's payment term (due dates and amounts as Odoo's payment term
        computes them), so that the move is created balanced without
        synchronisation."""
        if defaults is None:
            defaults = self._utility_batch_defaults([bill])
        vals.update(defaults["move"])
        if "fiscal_position_id" not in vals:
            positions = defaults["fiscal_positions"]
            if vals["partner_id"] in positions:
                vals["fiscal_position_id"] = positions[vals["partner_id"]]
        company = self.company_id
        currency = company.currency_id
        contract = bill["contract"]
        partner = contract.partner_id.with_company(company).commercial_partner_id
        lines = []
        untaxed = 0.0
        for command in vals.pop("invoice_line_ids"):
            line_vals = dict(command[2], display_type="product", **defaults["product_line"])
            amount = currency.round(line_vals["quantity"] * line_vals["price_unit"])
            untaxed += amount
            line_vals.update(balance=-amount, amount_currency=-amount)
            lines.append(Command.create(line_vals))
        untaxed = currency.round(untaxed)
        term = contract.payment_term_id
        if term:
            terms = term._compute_terms(
                date_ref=self.invoice_date,
                currency=currency,
                company=company,
                tax_amount=0.0,
                tax_amount_currency=0.0,
                sign=1,
                untaxed_amount=untaxed,
                untaxed_amount_currency=untaxed,
            )
            term_lines = [
                (
                    fields.Date.to_date(term_line["date"]),
                    term_line["company_amount"],
                    term_line["foreign_amount"],
                )
                for term_line in terms["line_ids"]
            ]
            discount = {
                "discount_date": terms.get("discount_date") or False,
                "discount_balance": terms.get("discount_balance") or 0.0,
                "discount_amount_currency": terms.get("discount_amount_currency") or 0.0,
            }
        else:
            term_lines = [(self.invoice_date, untaxed, untaxed)]
            discount = {}
        # what Odoo derives from the same terms (latest due date), given
        # here so that it does not compute the terms a second time
        vals["invoice_date_due"] = max(due_date for due_date, _balance, _amount in term_lines)
        for due_date, balance, amount_currency in term_lines:
            lines.append(
                Command.create(
                    {
                        "display_type": "payment_term",
                        "partner_id": partner.id,
                        "date_maturity": due_date,
                        "balance": balance,
                        "amount_currency": amount_currency,
                        **discount,
                    }
                )
            )
        vals["line_ids"] = lines
        return vals

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
        create_context = {
            "tracking_disable": True,
            "mail_create_nolog": True,
            "mail_notrack": True,
            BATCH_COMPANY_CHECK: True,
        }
        if self._utility_can_precompute_lines(bills, journal):
            defaults = self._utility_batch_defaults(bills)
            for vals, bill in zip(vals_list, bills, strict=True):
                self._utility_precompute_lines(vals, bill, defaults)
            # every line (product and receivable) is given complete: Odoo's
            # dynamic-line synchronisation has nothing to add; the balance
            # check of the moves still runs
            create_context["skip_invoice_sync"] = True
            # new draft lines have no analytic line to synchronise
            create_context["skip_analytic_sync"] = True
        try:
            moves = move_model.with_context(**create_context).create(vals_list)
        except pgerrors.UniqueViolation as error:
            # another transaction billed some of these contracts meanwhile:
            # try again later, the contracts it billed will then be left out
            raise RetryableJobError(
                self.env._("Some contracts were billed concurrently; retrying."),
                seconds=10,
            ) from error
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
