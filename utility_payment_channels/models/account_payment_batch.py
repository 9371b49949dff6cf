from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError

from odoo.addons.utility_billing.models.utility_bulk_booking import (
    BATCH_COMPANY_CHECK,
    BATCH_CONTEXT,
    batch_checked,
    bulk_context,
    no_analytic,
)
from odoo.addons.utility_billing.tools.locks import lock_rows

# stored computed fields of a precomputed payment entry and of its items that
# Odoo would compute again after the create although they are given
# (readonly, not "precompute"): ``_utility_precompute_entries`` gives Odoo's
# values, so they are kept
PRECOMPUTED_ENTRY_FIELDS = ("always_tax_exigible",)
PRECOMPUTED_ITEM_FIELDS = ("price_subtotal", "price_total")


class _RequestRefused(Exception):
    """A request of a batch cannot be booked (its bills are no longer open):
    the batch is booked again without it."""

    def __init__(self, index, error):
        super().__init__(str(error))
        self.index = index
        self.error = error


# kept apart from account_payment.py: the batch booking path of agency files
class AccountPayment(models.Model):
    """Booking many utility payments at once (agency files).

    ``_utility_pay_batch`` books a list of ``_utility_pay`` requests with the
    same outcome as calling ``_utility_pay`` for each in turn, but with one
    ``create`` and one ``action_post`` for all payments and one
    reconciliation (``account.move.line._reconcile_plan``) for all of their
    allocations, planned in Python oldest bill first."""

    _inherit = "account.payment"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _utility_pay_batch(self, requests, raise_errors=True):
        """Book ``requests``, a list of dicts with the arguments of
        ``_utility_pay`` (``partner``, ``amount``, ``collection_point`` and
        its keyword arguments), in order.

        Returns one entry per request: the payment booked, or the payment
        already booked with the same transaction id (earlier or in this
        batch). A request ``_utility_pay`` would refuse raises its
        ``UserError``; with ``raise_errors=False`` it is skipped (nothing
        booked) and its entry is the ``UserError`` instead.

        Requests reaching a bill that bears a late fee on the payment's date
        are booked through ``_utility_pay`` (the late fee is invoiced and
        settled there, see utility_arrears), in their turn; the others are
        booked together."""
        results = [None] * len(requests)
        booked = self._utility_batch_booked(requests)
        fallback = self._utility_batch_late_fee_requests(requests)
        segment = []
        for index, request in enumerate(requests):
            try:
                self._utility_check_amount(
                    request["amount"], request["collection_point"].company_id.currency_id
                )
            except UserError as error:
                if raise_errors:
                    raise
                results[index] = error
                continue
            if index in fallback:
                self._utility_book_segment(requests, segment, booked, results, raise_errors)
                segment = []
                results[index] = self._utility_pay_one(request, raise_errors)
                key = self._utility_batch_key(request)
                if key and not isinstance(results[index], UserError):
                    booked[key] = results[index]
            else:
                segment.append(index)
        self._utility_book_segment(requests, segment, booked, results, raise_errors)
        return results

    @api.model
    def _utility_pay_one(self, request, raise_errors):
        args = dict(request)
        partner, amount, point = (
            args.pop("partner"),
            args.pop("amount"),
            args.pop("collection_point"),
        )
        if raise_errors:
            return self._utility_pay(partner, amount, point, **args)
        try:
            with self.env.cr.savepoint():
                return self._utility_pay(partner, amount, point, **args)
        except UserError as error:
            return error

    @api.model
    def _utility_batch_key(self, request):
        """(company id, transaction key) of a request, ``None`` without id."""
        point = request["collection_point"]
        key = self._utility_txn_key(point, request.get("external_txn_id"), request.get("txn_scope"))
        return key and (point.company_id.id, key)

    @api.model
    def _utility_batch_booked(self, requests):
        """Payments already booked for the requests' transaction ids."""
        keys = {self._utility_batch_key(request) for request in requests} - {None}
        if not keys:
            return {}
        payments = self.search(
            [
                ("company_id", "in", list({company for company, _key in keys})),
                ("utility_txn_key", "in", list({key for _company, key in keys})),
            ]
        )
        return {(payment.company_id.id, payment.utility_txn_key): payment for payment in payments}

    @api.model
    def _utility_batch_open_bills(self, partners):
        """Open bills of ``partners``, oldest due first, by commercial partner
        (the order of ``_utility_open_bills``)."""
        partners = partners.commercial_partner_id
        by_partner = defaultdict(lambda: self.env["account.move"])
        if not partners:
            return by_partner
        bills = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("commercial_partner_id", "in", partners.ids),
            ],
            order="invoice_date_due, invoice_date, id",
        )
        for bill in bills:
            by_partner[bill.commercial_partner_id] |= bill
        return by_partner

    @api.model
    def _utility_batch_late_fee_requests(self, requests):
        """Indexes of the requests that may reach a bill bearing a late fee
        on the payment's date: one late-fee query per payment date."""
        partners = self.env["res.partner"].concat(*(request["partner"] for request in requests))
        open_bills = self._utility_batch_open_bills(partners)
        candidates_by_date = defaultdict(list)
        for index, request in enumerate(requests):
            candidates = open_bills[request["partner"].commercial_partner_id]
            if request.get("bills") is not None:
                candidates &= request["bills"]
            if candidates:
                date = request.get("date") or request["collection_point"]._utility_today()
                candidates_by_date[date].append((index, candidates))
        fallback = set()
        Move = self.env["account.move"]
        for date, items in candidates_by_date.items():
            fees = Move._utility_late_fee_as_of(Move.concat(*(bills for _i, bills in items)), date)
            fallback.update(
                index
                for index, bills in items
                if any(not bill.currency_id.is_zero(fees.get(bill.id, 0.0)) for bill in bills)
            )
        return fallback

    @api.model
    def _utility_book_segment(self, requests, indexes, booked, results, raise_errors):
        """Book the requests at ``indexes`` together; with ``raise_errors``
        off, a request whose named bills an earlier one of the segment paid
        is refused and the segment booked again without it."""
        indexes = list(indexes)
        while indexes:
            if raise_errors:
                self._utility_book_together(requests, indexes, booked, results)
                return
            try:
                with self.env.cr.savepoint():
                    self._utility_book_together(requests, indexes, booked, results)
                return
            except _RequestRefused as refused:
                results[refused.index] = refused.error
                indexes.remove(refused.index)

    @api.model
    def _utility_book_together(self, requests, indexes, booked, results):
        """One create, one post and one reconciliation for the requests at
        ``indexes`` (in order), which reach no bill with a late fee."""
        new, duplicates, vals_list, seen = [], [], [], {}
        for index in indexes:
            request = requests[index]
            key = self._utility_batch_key(request)
            if key and key in booked:
                results[index] = booked[key]
            elif key and key in seen:
                duplicates.append((index, seen[key]))
            else:
                try:
                    vals_list.append(self._utility_batch_vals(request, key))
                except UserError as error:
                    raise _RequestRefused(index, error) from error
                new.append(index)
                seen[key] = index
        if not new:
            return
        partners = self.env["res.partner"].concat(*(requests[i]["partner"] for i in new))
        open_bills = self._utility_batch_open_bills(partners)
        self._utility_batch_lock(open_bills)
        residuals, bill_lines = self._utility_batch_residuals(open_bills)
        batch = self.with_context(**BATCH_CONTEXT)
        # companies checked once per distinct journal, partner, method...
        payments = batch.with_context(**{BATCH_COMPANY_CHECK: True}).create(vals_list)
        payments = payments.with_env(batch.env)
        payments._utility_batch_post()
        # the items of the bills and entries read at once for the plans and
        # the reconciliation below (the ORM would read them customer by
        # customer once past its prefetch limit)
        entries = self.env["account.move"].concat(*open_bills.values()) | payments.move_id
        entries.fetch(["line_ids"])
        items = entries.line_ids
        items.fetch(
            [
                name
                for name, field in items._fields.items()
                # the columns the ORM itself would prefetch (``_fetch_field``)
                if field.prefetch is True and items._has_field_access(field, "read")
            ]
        )
        plan, settled_by_payment = [], {}
        for index, payment in zip(new, payments):
            request = requests[index]
            partner = request["partner"]
            still_open = open_bills[partner.commercial_partner_id].filtered(
                lambda bill: any(
                    not bill.company_currency_id.is_zero(residuals[line_id])
                    for line_id in bill_lines[bill.id]
                )
            )
            try:
                bills = self._utility_select_bills(partner, still_open, request.get("bills"))
            except UserError as error:
                raise _RequestRefused(index, error) from error
            payment_plan, settled = payment._utility_allocation_plan(bills, residuals)
            plan += payment_plan
            settled_by_payment[payment] = settled
        if plan:
            # only residuals change: no bill or entry line to synchronise
            batch.env["account.move.line"].with_context(skip_invoice_sync=True)._reconcile_plan(
                plan
            )
        self._utility_link_bills(settled_by_payment)
        for index, payment in zip(new, payments):
            results[index] = self.browse(payment.id)
            key = self._utility_batch_key(requests[index])
            if key:
                booked[key] = results[index]
        for index, first in duplicates:
            results[index] = results[first]

    def _check_company(self, fnames=None):
        # batches of payments: each distinct value is checked once
        if batch_checked(self, fnames):
            return None
        return super()._check_company(fnames)

    def _utility_batch_post(self):
        """``action_post`` of many draft payments. Odoo would create their
        journal entries at once but link each one to its payment with a write
        of its own (company check, recomputations); here the entries are
        created the same way (``_generate_move_vals``) and linked by one
        query, then ``action_post`` marks the payments posted."""
        payments = self.with_context(**self._utility_entry_post_context())
        move_vals_list = [pay._generate_move_vals() for pay in payments]
        completed = payments._utility_precompute_entries(move_vals_list)
        # entries of the same shape as one Odoo makes are copies of it
        plan = payments._utility_entry_copy_plan(move_vals_list, completed)
        by_odoo = [index for index in range(len(payments)) if index not in plan]
        moves = payments._utility_create_entries(
            [move_vals_list[index] for index in by_odoo], completed
        )
        if plan:
            templates = {move.origin_payment_id.id: move for move in moves}
            left = payments._utility_copy_entries(templates, move_vals_list, plan)
            if left:
                payments._utility_create_entries(
                    [move_vals_list[index] for index in sorted(left)], completed
                )
        self.env["account.move"].flush_model(["origin_payment_id"])
        self.env.cr.execute(
            "UPDATE account_payment p SET move_id = m.id FROM account_move m "
            "WHERE m.origin_payment_id = p.id AND p.id IN %s",
            [tuple(self.ids)],
        )
        self.invalidate_recordset(["move_id"])
        self.modified(["move_id"])
        payments.action_post()

    def _utility_create_entries(self, move_vals_list, completed):
        """Odoo's create and post of the entries of ``move_vals_list`` (the
        values of ``_generate_move_vals``, completed for the payments whose
        ids are in ``completed``)."""
        batch_check = {BATCH_COMPANY_CHECK: True}  # companies checked once per value
        moves = self.env["account.move"].with_context(**batch_check).create(move_vals_list)
        # the values given to these entries are Odoo's: not computed again
        entries = moves.filtered(lambda move: move.origin_payment_id.id in completed)
        for records, fnames in (
            (entries, PRECOMPUTED_ENTRY_FIELDS),
            (entries.line_ids, PRECOMPUTED_ITEM_FIELDS),
        ):
            for fname in fnames:
                self.env.remove_to_compute(records._fields[fname], records)
        # numbered without a lookup of the last number per entry
        moves._utility_post_batch(**batch_check)
        return moves

    @api.model
    def _utility_entry_post_context(self):
        """Context posting utility payments: their entries are two plain
        lines computed by Odoo (``_prepare_move_line_default_vals``), with
        nothing to synchronise; no analytic rule can apply when there is
        none."""
        context = {"skip_invoice_sync": True}
        if not self.env["account.analytic.distribution.model"].search_count([], limit=1):
            context.update(skip_analytic_sync=True, **bulk_context(no_analytic=True))
        return context

    def _utility_precompute_entries(self, move_vals_list):
        """Complete the values of the payments' journal entries
        (``_generate_move_vals``, in the order of ``self``) with what Odoo
        would compute entry by entry and item by item on create, when the
        answer is the same for every payment of the batch: a payment entry in
        the company currency gets the fiscal position of its customer's
        fiscal profile, no delivery address, payment term, rate or dates, and
        its two items are plain "product" items of quantity 1 without product
        or tax (their accounts carry no default tax), whose subtotal is their
        amount. Entries in another currency, of storno companies, on taxed
        accounts or with more than two items are left to Odoo.
        ``test_payment_batch`` compares every stored value with Odoo's.

        Returns the ids of the payments whose entries were completed."""
        accounts = self.env["account.account"].browse(
            {
                command[2]["account_id"]
                for move_vals in move_vals_list
                for command in move_vals["line_ids"]
            }
        )
        taxed_accounts = set(accounts.filtered("tax_ids").ids)
        # fiscal positions as Odoo finds them, once per fiscal profile (the
        # billing run's lookup; customers with contacts are left to Odoo)
        fiscal_positions = {
            company.id: self.env["utility.bill.builder"]._utility_fiscal_positions(
                company,
                self.filtered(lambda pay, company=company: pay.company_id == company).partner_id,
            )
            for company in self.company_id
        }
        completed = set()
        for payment, move_vals in zip(self, move_vals_list, strict=True):
            company = payment.company_id
            items = [command[2] for command in move_vals["line_ids"]]
            if (
                len(items) != 2
                or company.account_storno
                or payment.currency_id != company.currency_id
                or any(vals["account_id"] in taxed_accounts for vals in items)
            ):
                continue
            completed.add(payment.id)
            # not an invoice: no delivery address, payment term, rate or dates;
            # without tax, always exigible
            move_vals.update(
                partner_shipping_id=False,
                invoice_payment_term_id=False,
                invoice_currency_rate=0.0,
                delivery_date=False,
                taxable_supply_date=False,
                always_tax_exigible=True,
            )
            positions = fiscal_positions[company.id]
            if move_vals["partner_id"] in positions:
                move_vals["fiscal_position_id"] = positions[move_vals["partner_id"]]
            # (the balance comes from debit and credit; company, journal and
            # tax line are precomputed readonly fields, which Odoo always
            # computes itself whatever is given)
            for vals in items:
                vals.update(
                    display_type="product",
                    is_storno=False,
                    sequence=100,
                    quantity=1.0,
                    price_unit=0.0,
                    discount=0.0,
                    product_uom_id=False,
                    tax_ids=[],
                    price_subtotal=vals["amount_currency"],
                    price_total=vals["amount_currency"],
                )
        return completed

    def _prepare_move_line_default_vals(self, write_off_line_vals=None, force_balance=None):
        vals_list = super()._prepare_move_line_default_vals(
            write_off_line_vals=write_off_line_vals, force_balance=force_balance
        )
        if no_analytic(self.env):
            # no analytic distribution model exists: the distribution Odoo
            # would compute line by line is empty
            for vals in vals_list:
                vals.setdefault("analytic_distribution", False)
        return vals_list

    @api.model
    def _utility_batch_vals(self, request, key):
        args = dict(request)
        for name in ("bills", "txn_scope"):
            args.pop(name, None)
        return self._utility_prepare_payment_vals(
            args.pop("partner"),
            args.pop("amount"),
            args.pop("collection_point"),
            txn_key=key and key[1],
            **args,
        )

    @api.model
    def _utility_batch_lock(self, open_bills):
        """Lock the open bills of all the segment's customers at once (in id
        order: no deadlock between two batches)."""
        lock_rows(self.env["account.move"].concat(*open_bills.values()))

    @api.model
    def _utility_batch_residuals(self, open_bills):
        """What the open bills' receivable lines still owe, before booking:
        ``({line id: amount residual}, {bill id: [line ids]})``, read in one
        query for all bills (lines of a bill in id order, as ``line_ids``)."""
        bill_ids = [bill.id for bills in open_bills.values() for bill in bills]
        residuals, bill_lines = {}, {bill_id: [] for bill_id in bill_ids}
        if not bill_ids:
            return residuals, bill_lines
        lines = self.env["account.move.line"].search_fetch(
            [
                ("move_id", "in", bill_ids),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
            ],
            ["move_id", "amount_residual"],
            order="id",
        )
        for line in lines:
            bill_lines[line.move_id.id].append(line.id)
            residuals[line.id] = line.amount_residual
        return residuals, bill_lines
