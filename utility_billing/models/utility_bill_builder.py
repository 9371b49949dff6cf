from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import float_round


def _set_command_ids(commands):
    """The ids of x2many ``commands`` made of one ``Command.set`` (or
    nothing: no id), None for any other shape."""
    if not commands:
        return []
    if len(commands) == 1 and commands[0][0] == Command.SET:
        return list(commands[0][2])
    return None


def _without_empty_sets(vals):
    """``vals`` without the x2many values that set nothing: a new line's
    taxes and tags are empty already, and each command costs a write."""
    return {
        name: value
        for name, value in vals.items()
        if not (isinstance(value, list) and _set_command_ids(value) == [])
    }


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
        in draft or waiting for review: {point id: [reading dates]}."""
        groups = self.env["utility.meter.reading"]._read_group(
            [
                ("service_point_id", "in", contracts.service_point_id.ids),
                ("state", "in", ("draft", "to_review")),
                ("reading_date", ">=", run.date_from),
                ("reading_date", "<=", run.date_to),
            ],
            ["service_point_id", "reading_date:day"],
        )
        pending = defaultdict(list)
        for point, day in groups:
            pending[point.id].append(fields.Date.to_date(day))
        return dict(pending)

    @api.model
    def _get_allowances(self, run, contracts):
        """Social allowance certificates in force during the run's period for
        the customers of ``contracts``, in one search: {partner id: [(kind,
        first day, last day)]} (``utility.allowance.certificate._get_in_force``)."""
        return self.env["utility.allowance.certificate"]._get_in_force(
            run.company_id, contracts.partner_id, run.date_from, run.date_to
        )

    @api.model
    def _get_contract_period(self, run, contract):
        """The days of the run's period billed to ``contract``: from its
        first billed day (``billed_from``) to its end date, within the
        run's period. The fixed charge and the block limits are prorated
        over them (``utility.tariff._compute_charge_lines``)."""
        date_from = max(run.date_from, contract.billed_from or contract.date_start)
        date_to = min(run.date_to, contract.date_end or run.date_to)
        return date_from, date_to

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
        readings_by_point = defaultdict(list)
        for reading in readings:
            readings_by_point[reading.service_point_id.id].append(reading)
        pending_points = self._get_pending_service_points(run, contracts)
        year_to_date = self._get_year_to_date_consumption(run, contracts)
        allowances = self._get_allowances(run, contracts)
        tariff_issues = {}
        bills = []
        for contract in contracts:
            point = contract.service_point_id
            date_from, date_to = self._get_contract_period(run, contract)
            # a pending reading of another contract's days (a transfer in
            # the period) does not hold this contract's bill
            if any(date_from <= day <= date_to for day in pending_points.get(point.id, ())):
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
            # the point's readings of the contract's own days: with two
            # contracts of the point in the period, each reading is billed
            # to the contract in force on its date only
            point_readings = self.env["utility.meter.reading"].union(
                *(
                    reading
                    for reading in readings_by_point.get(point.id, ())
                    if date_from <= reading.reading_date <= date_to
                )
            )
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
            key = (tariff, date_from, date_to)
            if key not in tariff_issues:
                tariff_issues[key] = tariff._get_billing_issue(date_from, date_to)
            if tariff_issues[key]:
                skip(contract, "no_tariff", tariff_issues[key])
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
                date_from,
                date_to,
                consumption=consumption,
                registers=registers,
                year_to_date=year_to_date.get(contract.id, 0.0),
                allowances=allowances.get(contract.partner_id.id),
            )
            bills.append(
                {
                    "contract": contract,
                    "date_from": date_from,
                    "date_to": date_to,
                    "readings": point_readings,
                    "consumption": consumption,
                    "lines": lines,
                    "amount": run.currency_id.round(sum(line["amount"] for line in lines)),
                }
            )
        positions = self._utility_bill_fiscal_positions(
            run, self.env["res.partner"].union(*(bill["contract"].partner_id for bill in bills))
        )
        for bill in bills:
            bill["fiscal_position"] = positions[bill["contract"].partner_id.id]
        return bills, skips

    @api.model
    def _utility_bill_fiscal_positions(self, run, partners):
        """{partner id: fiscal position} of the bills of ``partners``, as
        Odoo computes a customer invoice's (``_compute_fiscal_position_id``:
        the partner and its delivery address), looked up once per fiscal
        profile for the partners without parent nor contacts. The bills are
        given it explicitly, since their taxes are given mapped by it."""
        company = run.company_id
        position_model = self.env["account.fiscal.position"].with_company(company)
        if not position_model.search_count([("company_id", "in", (company.id, False))], limit=1):
            return dict.fromkeys(partners.ids, position_model)
        position_ids = self._utility_fiscal_positions(company, partners)
        for partner in partners.with_company(company):
            if partner.id not in position_ids:
                delivery = self.env["res.partner"].browse(
                    partner.address_get(["delivery"])["delivery"]
                )
                position_ids[partner.id] = position_model._get_fiscal_position(
                    partner, delivery=delivery
                ).id
        return {
            partner_id: position_model.browse(position_id)
            for partner_id, position_id in position_ids.items()
        }

    @api.model
    def _prepare_move_vals(self, run, bill, journal, product):
        """Values of the customer invoice of one prepared ``bill``."""
        contract = bill["contract"]
        readings = bill["readings"]
        position = bill.get("fiscal_position")
        if position is None:
            partner = contract.partner_id
            position = self._utility_bill_fiscal_positions(run, partner)[partner.id]
        tax_model = self.env["account.tax"]
        line_commands = []
        for line in bill["lines"]:
            # kWh lines carry the electricity product; a fixed charge and a
            # tier surcharge (kWh already on the register lines) do not
            energy = line["kind"] in ("block", "register")
            # the taxes of the version's price components (tax-included
            # prices), mapped by the bill's fiscal position as Odoo maps a
            # line's default taxes
            taxes = tax_model.browse(line.get("tax_ids") or ())
            if position and taxes:
                taxes = position.map_tax(taxes).sorted()
            line_commands.append(
                Command.create(
                    {
                        "product_id": product.id if energy else False,
                        "product_uom_id": product.uom_id.id if energy else False,
                        "name": line["name"],
                        "quantity": line["quantity"],
                        "price_unit": line["price_unit"],
                        "account_id": line.get("account_id") or journal.default_account_id.id,
                        "tax_ids": [Command.set(taxes.ids)],
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
            "fiscal_position_id": position.id,
            "invoice_origin": run.name,
            "utility_contract_id": contract.id,
            "utility_service_point_id": contract.service_point_id.id,
            "utility_meter_id": readings.sorted("reading_date")[-1:].meter_id.id,
            "utility_station_id": contract.station_id.id,
            "utility_category": contract.category,
            "utility_period_start": bill.get("date_from", run.date_from),
            "utility_period_end": bill.get("date_to", run.date_to),
            "utility_consumption": bill["consumption"],
            "utility_tariff_version_ids": [
                Command.set(list({line["version_id"] for line in bill["lines"]}))
            ],
            "utility_reading_ids": [Command.set(readings.ids)],
            "utility_billing_run_id": run.id,
            "invoice_line_ids": line_commands,
        }

    @api.model
    def _utility_can_precompute_lines(self, run, bills, journal, vals_list=None):
        """Whether the bills of a batch can be created with their lines
        precomputed: bills in the company currency (no conversion), and
        taxes whose journal items Odoo's own helpers compute from the lines
        alone (``_utility_tax_lines``): percent, fixed or division amounts
        (groups of them), due on the invoice (no cash basis), without
        analytic tax lines unless the company has no analytic distribution
        model; and no early-payment discount on a taxed bill
        (Odoo adds its own lines for it). Otherwise Odoo synchronises the
        bills itself. The receivable account is left to Odoo's own
        computation (partner's account mapped by the bill's fiscal
        position)."""
        company = run.company_id
        if not bills or (journal.currency_id and journal.currency_id != company.currency_id):
            return False
        tax_ids = set()
        for vals in vals_list or ():
            for command in vals["invoice_line_ids"]:
                ids = _set_command_ids(command[2].get("tax_ids"))
                if ids is None:
                    return False  # taxes given some other way: left to Odoo
                tax_ids.update(ids)
        if not tax_ids:
            return True
        taxes = self.env["account.tax"].browse(tax_ids).flatten_taxes_hierarchy()
        if any(
            tax.amount_type not in ("percent", "fixed", "division")
            or tax.tax_exigibility != "on_invoice"
            for tax in taxes
        ):
            return False
        # tax lines split by analytic distribution: only without any
        # distribution model (every line's distribution is then empty)
        analytic = any(
            tax.analytic
            or not all(
                tax.repartition_line_ids.filtered(
                    lambda line: line.repartition_type == "tax"
                ).mapped("use_in_tax_closing")
            )
            for tax in taxes
        )
        if analytic and (
            self.env["account.analytic.distribution.model"]
            .sudo()
            .search_count([("company_id", "in", (company.id, False))], limit=1)
        ):
            return False
        return not any(bill["contract"].payment_term_id.early_discount for bill in bills)

    @api.model
    def _utility_batch_defaults(self, run, bills):
        """Values that Odoo would compute bill by bill, computed once for the
        batch when the answer cannot differ between bills: no analytic
        distribution model in the company means every bill line gets none
        (otherwise Odoo computes them per bill). The bills' fiscal positions
        are given by ``_prepare_move_vals``. ``taxes`` memoises the taxes
        computation per bill shape (``_utility_tax_lines``)."""
        company = run.company_id
        defaults = {"move": {}, "product_line": {}, "taxes": {}}
        distribution_models = (
            self.env["account.analytic.distribution.model"]
            .sudo()
            .search_count([("company_id", "in", (company.id, False))], limit=1)
        )
        if not distribution_models:
            defaults["product_line"]["analytic_distribution"] = False
        return defaults

    @api.model
    def _utility_tax_lines(self, company, line_vals_list, memo=None):
        """Odoo's taxes computation of the product lines of one bill
        (``line_vals_list``: their values): for each line its net balance,
        tax tags, ``price_subtotal`` and ``price_total``, and the tax lines
        of the bill (without partner), made by the helpers of
        ``account.tax`` that ``account.move._sync_tax_lines`` and
        ``account.move.line._compute_totals`` call, in the same order, so
        that the amounts are Odoo's in both rounding modes (the
        ``round_globally`` deltas depend on the whole bill). Memoised in
        ``memo`` per bill shape (prices, quantities, taxes, accounts,
        products), the rounding mode and the language (tax line names), and
        per line: a company rounding per line has each line's taxes
        computed once for every bill with the same line."""
        key = (
            company.id,
            company.tax_calculation_rounding_method,
            self.env.lang,
            tuple(
                (
                    vals["price_unit"],
                    vals["quantity"],
                    tuple(_set_command_ids(vals.get("tax_ids"))),
                    vals["account_id"],
                    vals["product_id"],
                )
                for vals in line_vals_list
            ),
        )
        if memo is not None and key in memo:
            return memo[key]
        tax_model = self.env["account.tax"]
        currency = company.currency_id

        def base_line(vals):
            return tax_model._prepare_base_line_for_taxes_computation(
                None,
                price_unit=vals["price_unit"],
                quantity=vals["quantity"],
                tax_ids=tax_model.browse(_set_command_ids(vals.get("tax_ids"))),
                product_id=self.env["product.product"].browse(vals["product_id"]),
                account_id=self.env["account.account"].browse(vals["account_id"]),
                currency_id=currency,
                partner_id=self.env["res.partner"],
                sign=-1,
                is_refund=False,
                rate=1.0,
            )

        per_line = company.tax_calculation_rounding_method == "round_per_line"

        def alone(vals, line_key):
            # one line's taxes computed alone, memoised per line; with their
            # accounting data only when the bill's tax lines are made of them
            # (rounding per line): price_subtotal / price_total need none
            alone_key = ("alone", key[:3], line_key)
            line = memo.get(alone_key) if memo is not None else None
            if line is None:
                line = base_line(vals)
                tax_model._add_tax_details_in_base_line(line, company)
                tax_model._round_base_lines_tax_details([line], company)
                if per_line:
                    tax_model._add_accounting_data_to_base_line_tax_details(line, company)
                if memo is not None:
                    memo[alone_key] = line
            return line

        if per_line:
            # rounded line by line, a line's taxes do not depend on the other
            # lines (no delta to spread): the bill is made of its lines
            # computed alone, which _prepare_tax_lines only reads
            base_lines = [
                alone(vals, line_key) for vals, line_key in zip(line_vals_list, key[3], strict=True)
            ]
        else:
            base_lines = [base_line(vals) for vals in line_vals_list]
            tax_model._add_tax_details_in_base_lines(base_lines, company)
            tax_model._round_base_lines_tax_details(base_lines, company)
            tax_model._add_accounting_data_in_base_lines_tax_details(base_lines, company)
        results = tax_model._prepare_tax_lines(base_lines, company)
        lines = []
        for vals, line_key, (_base_line, to_update) in zip(
            line_vals_list, key[3], results["base_lines_to_update"], strict=True
        ):
            # price_subtotal / price_total: one line alone, as _compute_totals
            details = alone(vals, line_key)["tax_details"]
            totals = {
                "price_subtotal": details["total_excluded_currency"],
                "price_total": details["total_included_currency"],
            }
            lines.append(
                {
                    "balance": to_update["balance"],
                    "amount_currency": to_update["amount_currency"],
                    "tax_tag_ids": to_update["tax_tag_ids"],
                    **totals,
                }
            )
        result = {
            "lines": [_without_empty_sets(line) for line in lines],
            "tax_lines": [
                # the taxes of a tax line are given even when there are none,
                # as Odoo's synchronisation gives them: left out, each tax
                # line would compute them from its account's default taxes
                dict(_without_empty_sets(tax_vals), display_type="tax", tax_ids=tax_vals["tax_ids"])
                for tax_vals in results["tax_lines_to_add"]
            ],
        }
        if memo is not None:
            memo[key] = result
        return result

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
        product lines with their net credit, the tax lines
        (``_utility_tax_lines``), and the receivable lines of the contract's
        payment term (due dates and amounts as Odoo's payment term computes
        them), so that the move is created balanced without
        synchronisation."""
        if defaults is None:
            defaults = self._utility_batch_defaults(run, [bill])
        vals.update(defaults["move"])
        company = run.company_id
        currency = company.currency_id
        contract = bill["contract"]
        partner = contract.partner_id.with_company(company).commercial_partner_id
        product_vals = [
            dict(command[2], display_type="product", **defaults["product_line"])
            for command in vals.pop("invoice_line_ids")
        ]
        taxes = self._utility_tax_lines(company, product_vals, defaults.get("taxes"))
        lines = []
        untaxed = tax_amount = 0.0
        for line_vals, computed in zip(product_vals, taxes["lines"], strict=True):
            untaxed -= computed["balance"]
            lines.append(Command.create(dict(line_vals, **computed)))
        for tax_vals in taxes["tax_lines"]:
            tax_amount -= tax_vals["balance"]
            lines.append(Command.create(dict(tax_vals, partner_id=partner.id)))
        untaxed = currency.round(untaxed)
        tax_amount = currency.round(tax_amount)
        term = contract.payment_term_id
        if term:
            terms = term._compute_terms(
                date_ref=run.invoice_date,
                currency=currency,
                company=company,
                tax_amount=tax_amount,
                tax_amount_currency=tax_amount,
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
            total = currency.round(untaxed + tax_amount)
            term_lines = [(run.invoice_date, total, total)]
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
