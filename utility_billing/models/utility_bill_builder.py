from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import float_round


class UtilityBillBuilder(models.AbstractModel):
    """What a billing run bills, as values: for each contract of a batch its
    bill (readings, consumption, tariff lines) or why it is skipped, the
    values of its customer invoice, and, for a batch whose bills can be
    created without Odoo's dynamic-line synchronisation, every journal item
    of each bill precomputed as Odoo would compute it (the receivable lines
    of the payment term, the fiscal position, the analytic distribution).

    The billing run (``utility.billing.run``) calls it for its preview and
    its batches, passing itself as ``run`` (company, period, invoice date);
    the payment batch reuses its fiscal-position lookup. A module changing
    what a bill holds inherits this model and extends ``_prepare_move_vals``
    (values of one invoice) or ``_prepare_bills`` (what is billed, what is
    skipped); ``test_billing_run_lines`` compares the precomputed bills value
    by value with the invoices Odoo builds for the same contracts."""

    _name = "utility.bill.builder"
    _description = "Utility Bill Builder"

    @api.model
    def _get_existing_bills(self, run, contracts):
        """Bills in force (not cancelled, not credited) of ``contracts`` whose
        period overlaps the run's period: {contract id: move}."""
        moves = self.env["account.move"].search(
            [
                ("utility_contract_id", "in", contracts.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "!=", "cancel"),
                ("utility_credited", "=", False),
                ("utility_period_start", "<=", run.date_to),
                ("utility_period_end", ">=", run.date_from),
            ]
        )
        return {move.utility_contract_id.id: move for move in moves}

    @api.model
    def _get_year_to_date_consumption(self, run, contracts):
        """kWh billed to ``contracts`` earlier in the calendar year of the
        period start (for annual blocks): {contract id: kWh}. A bill whose
        period began the year before counts its share of the new year, split
        by days as the bill itself split it (``_compute_charge_lines``)."""
        year_start = run.date_from.replace(month=1, day=1)
        if year_start == run.date_from:
            return {}
        domain = [
            ("utility_contract_id", "in", contracts.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("utility_credited", "=", False),
            ("utility_period_start", "<", run.date_from),
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

    @api.model
    def _get_pending_service_points(self, run, contracts):
        """Service points of ``contracts`` with a reading of the period still
        in draft or waiting for review."""
        groups = self.env["utility.meter.reading"]._read_group(
            [
                ("service_point_id", "in", contracts.service_point_id.ids),
                ("state", "in", ("draft", "to_review")),
                ("reading_date", ">=", run.date_from),
                ("reading_date", "<=", run.date_to),
            ],
            ["service_point_id"],
        )
        return {point.id for [point] in groups}

    @api.model
    def _get_allowances(self, run, contracts):
        """Social allowance certificates in force during the run's period for
        the customers of ``contracts``, in one search: {partner id: [(kind,
        first day, last day)]} (``utility.allowance.certificate._get_in_force``)."""
        return self.env["utility.allowance.certificate"]._get_in_force(
            run.company_id, contracts.partner_id, run.date_from, run.date_to
        )

    @api.model
    def _prepare_bills(self, run, contracts):
        """Decide, for each of ``contracts``, its bill or why it is skipped.

        Contracts already billed for the period by this run are left out
        silently (a batch run again); billed by anything else they are skipped.

        :return: ``(bills, skips)``: ``bills`` a list of dicts (contract,
            readings, consumption, lines, amount), ``skips`` a list of
            values for ``utility.billing.run.skip``
        """
        run.ensure_one()
        skips = []

        def skip(contract, reason, detail, move=None):
            skips.append(
                {
                    "run_id": run.id,
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
        existing = self._get_existing_bills(run, contracts)
        for contract in contracts:
            move = existing.get(contract.id)
            if move and move.utility_billing_run_id != run:
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
            contracts, run.date_from, run.date_to
        )
        readings_by_point = defaultdict(lambda: self.env["utility.meter.reading"])
        for reading in readings:
            readings_by_point[reading.service_point_id.id] |= reading
        pending_points = self._get_pending_service_points(run, contracts)
        year_to_date = self._get_year_to_date_consumption(run, contracts)
        allowances = self._get_allowances(run, contracts)
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
                tariff_issues[tariff] = tariff._get_billing_issue(run.date_from, run.date_to)
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
                run.date_from,
                run.date_to,
                consumption=consumption,
                registers=registers,
                year_to_date=year_to_date.get(contract.id, 0.0),
                allowances=allowances.get(contract.partner_id.id),
            )
            bills.append(
                {
                    "contract": contract,
                    "readings": point_readings,
                    "consumption": consumption,
                    "lines": lines,
                    "amount": run.currency_id.round(sum(line["amount"] for line in lines)),
                }
            )
        return bills, skips

    @api.model
    def _prepare_move_vals(self, run, bill, journal, product):
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
            "company_id": run.company_id.id,
            "partner_id": contract.partner_id.id,
            "invoice_date": run.invoice_date,
            "invoice_payment_term_id": contract.payment_term_id.id,
            "invoice_origin": run.name,
            "utility_contract_id": contract.id,
            "utility_service_point_id": contract.service_point_id.id,
            "utility_meter_id": readings.sorted("reading_date")[-1:].meter_id.id,
            "utility_station_id": contract.station_id.id,
            "utility_category": contract.category,
            "utility_period_start": run.date_from,
            "utility_period_end": run.date_to,
            "utility_consumption": bill["consumption"],
            "utility_tariff_version_ids": [
                Command.set(list({line["version_id"] for line in bill["lines"]}))
            ],
            "utility_reading_ids": [Command.set(readings.ids)],
            "utility_billing_run_id": run.id,
            "invoice_line_ids": line_commands,
        }

    @api.model
    def _utility_can_precompute_lines(self, run, bills, journal):
        """Whether the bills of a batch can be created with their lines
        precomputed: bills in the company currency (no conversion). The
        receivable account is left to Odoo's own computation (partner's
        account mapped by the bill's fiscal position)."""
        company = run.company_id
        return bool(bills) and (
            not journal.currency_id or journal.currency_id == company.currency_id
        )

    @api.model
    def _utility_batch_defaults(self, run, bills):
        """Values that Odoo would compute bill by bill, computed once for the
        batch when the answer cannot differ between bills: no automatic
        fiscal position and no analytic distribution model in the company
        means every bill gets none (otherwise Odoo computes them per bill)."""
        company = run.company_id
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
            defaults["fiscal_positions"] = self._utility_fiscal_positions(company, partners)
        distribution_models = (
            self.env["account.analytic.distribution.model"]
            .sudo()
            .search_count([("company_id", "in", (company.id, False))], limit=1)
        )
        if not distribution_models:
            defaults["product_line"]["analytic_distribution"] = False
        return defaults

    @api.model
    def _utility_fiscal_positions(self, company, partners):
        """{partner id: fiscal position id} of the bills of ``partners``, as
        Odoo's per-bill computation finds it, looked up once per distinct
        fiscal profile (country, state, zip, VAT, forced position). Partners
        with a parent or contacts are left out: their delivery address may
        decide, so Odoo computes theirs (``company``: the bills' company)."""
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

    @api.model
    def _utility_precompute_lines(self, run, vals, bill, defaults=None):
        """Turn the invoice lines of ``vals`` into complete journal items:
        product lines with their credit, and the receivable lines of the
        contract's payment term (due dates and amounts as Odoo's payment term
        computes them), so that the move is created balanced without
        synchronisation."""
        if defaults is None:
            defaults = self._utility_batch_defaults(run, [bill])
        vals.update(defaults["move"])
        if "fiscal_position_id" not in vals:
            positions = defaults["fiscal_positions"]
            if vals["partner_id"] in positions:
                vals["fiscal_position_id"] = positions[vals["partner_id"]]
        company = run.company_id
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
                date_ref=run.invoice_date,
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
            term_lines = [(run.invoice_date, untaxed, untaxed)]
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
