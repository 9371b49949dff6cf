"""The payment service: the one way a utility payment is booked.

Every channel books through ``account.payment._utility_pay`` (one payment:
counter, door-to-door round, terminal API) or ``_utility_pay_batch`` (many:
agency files), which end the same way: the payment's entry posted by the
layer below (``account_payment_entry.py``), the bills it settles chosen
(the customer's open bills oldest due first, or the bills named), the one
hook ``_utility_before_reconcile`` called (also by the portal's online
payments, see ``payment_transaction.py``), the payment reconciled with the
bills in that order, and the hook ``_utility_after_reconcile`` called with
the payments booked.

To change what every payment settles (utility_arrears adds the late fee),
override ``_utility_before_reconcile`` and call ``super()``.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date as Date

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import float_compare, float_is_zero

from odoo.addons.utility_billing.models.utility_bulk_booking import (
    BATCH_COMPANY_CHECK,
    BATCH_CONTEXT,
    batch_checked,
)
from odoo.addons.utility_billing.tools.locks import lock_nowait, lock_rows

from .account_payment import CHANNEL_SELECTION


@dataclass
class Settlement:
    """What one payment is about to settle, as the hook
    ``account.payment._utility_before_reconcile`` sees it.

    ``payment``: the posted ``account.payment`` (empty for an online
    transaction: Odoo's payment module creates it after the hook);
    ``bills``: the ``account.move`` records it settles, in that order, until
    the payment is used up; ``amount``, ``date``, ``currency``: the
    payment's; ``parts``: ``{bill: amount}``, the part of each bill the
    payment settles when the channel fixes it (online: what Odoo's
    reconciliation takes of each), ``None`` when the payment settles
    ``bills`` in order until used up."""

    payment: models.BaseModel
    bills: models.BaseModel
    amount: float
    date: Date
    currency: models.BaseModel
    parts: dict | None = None


class _RequestRefused(Exception):
    """A request of a batch cannot be booked (its bills are no longer open):
    the batch is booked again without it."""

    def __init__(self, index, error):
        super().__init__(str(error))
        self.index = index
        self.error = error


class AccountPayment(models.Model):
    """Booking utility payments: one (``_utility_pay``) or many
    (``_utility_pay_batch``, with the same outcome as ``_utility_pay`` for
    each request in turn, but one ``create`` and one ``action_post`` for all
    payments and one reconciliation for all of their allocations, planned in
    Python oldest bill first)."""

    _inherit = "account.payment"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _utility_pay(
        self,
        partner,
        amount,
        collection_point,
        *,
        bills=None,
        date=None,
        external_txn_id=None,
        txn_scope=None,
        trade_date=None,
        payer=None,
        operator=None,
        journal=None,
        payment_method_line=None,
        memo=None,
    ):
        """Book a utility payment and allocate it.

        Creates and posts an inbound customer payment of ``amount`` in the
        collection point's journal (or ``journal``), then reconciles it with
        the named ``bills`` in the given order, or with the customer's open
        bills oldest due first. An amount above what is due stays as credit
        on the receivable (prepaid balance).

        ``external_txn_id`` with ``txn_scope`` (e.g. ``terminal:7``) makes the
        booking idempotent: a second call with the same pair returns the
        payment already booked instead of booking again. ``trade_date`` is
        the channel's own accounting day of the transaction (a biller's
        清算日期), kept for its reconciliation file.

        :returns: the posted ``account.payment``
        """
        company = collection_point.company_id
        self._utility_check_amount(amount, company.currency_id)
        txn_key = self._utility_txn_key(collection_point, external_txn_id, txn_scope)
        if txn_key:
            existing = self.search(
                [("company_id", "=", company.id), ("utility_txn_key", "=", txn_key)], limit=1
            )
            if existing:
                return existing
        vals = self._utility_prepare_payment_vals(
            partner,
            amount,
            collection_point,
            date=date,
            external_txn_id=external_txn_id,
            txn_key=txn_key,
            trade_date=trade_date,
            payer=payer,
            operator=operator,
            journal=journal,
            payment_method_line=payment_method_line,
            memo=memo,
        )
        open_bills = self._utility_select_bills(
            partner, self._utility_open_bills(partner, bills), bills
        )
        # booked as the batch path books each payment of an agency file: no
        # "created" message nor tracking, the journal entry precomputed
        payment = self.with_context(**BATCH_CONTEXT).create(vals)
        payment._utility_post_entries()
        payment = payment.with_env(self.env)
        settlement = payment._utility_settlement(open_bills)
        self._utility_before_reconcile([settlement])
        # ... but the bills it pays track their payment status, as when Odoo
        # registers a payment (unless the caller disables tracking, as the
        # terminal API does; the batch path does not track)
        payment._utility_allocate(settlement.bills)
        self._utility_after_reconcile(payment)
        return payment

    @api.model
    def _utility_pay_batch(self, requests, raise_errors=True):
        """Book ``requests``, a list of dicts with the arguments of
        ``_utility_pay`` (``partner``, ``amount``, ``collection_point`` and
        its keyword arguments), in order.

        Returns one entry per request: the payment booked, or the payment
        already booked with the same transaction id (earlier or in this
        batch). A request ``_utility_pay`` would refuse raises its
        ``UserError``; with ``raise_errors=False`` it is skipped (nothing
        booked) and its entry is the ``UserError`` instead."""
        results = [None] * len(requests)
        booked = self._utility_batch_booked(requests)
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
            segment.append(index)
        self._utility_book_segment(requests, segment, booked, results, raise_errors)
        return results

    # -- the hook of every path ---------------------------------------------
    @api.model
    def _utility_before_reconcile(self, settlements):
        """Hook called by every booking path right before a payment is
        reconciled with the bills it settles: ``_utility_pay`` (counter,
        door-to-door round, terminal API), ``_utility_pay_batch`` (agency
        files) and the online payments of the portal
        (``payment.transaction._create_payment``).

        ``settlements`` is a list of ``Settlement``, at most one per customer
        and each of other bills; an override changes what a payment settles
        by replacing ``settlement.bills`` (e.g. a charge to settle before a
        bill, see utility_arrears' late fee), after calling ``super()``.
        The bills are read as they are now: a payment of the same batch for
        the same customer is reconciled before the hook sees the next one. A
        ``UserError`` refuses the payment (in a batch, the request it was
        raised for)."""
        return None

    @api.model
    def _utility_after_reconcile(self, payments):
        """Hook called by every booking path once ``payments`` (new posted
        ``account.payment`` records) are reconciled with the bills they
        settle: ``_utility_pay`` (one payment), ``_utility_pay_batch`` (all
        the payments of a segment of an agency file at once) and the online
        payments of the portal (``payment.transaction._create_payment``).

        The customers' balances are as the payments left them, in the same
        transaction: an override reacts to them (utility_arrears switches a
        cost-controlled meter back on) for all ``payments`` at once, and
        calls ``super()``."""
        return None

    def _utility_settlement(self, bills):
        """The ``Settlement`` of this posted payment with ``bills``."""
        self.ensure_one()
        return Settlement(
            payment=self,
            bills=bills,
            amount=self.amount,
            date=self.date,
            currency=self.currency_id,
        )

    # -- shared by _utility_pay and _utility_pay_batch ----------------------
    @api.model
    def _utility_check_amount(self, amount, currency):
        """Refuse amounts that are not positive or have more decimals than
        the currency."""
        if float_compare(amount, 0.0, precision_rounding=currency.rounding) <= 0:
            raise UserError(self.env._("The amount paid must be positive."))
        if not float_is_zero(
            currency.round(amount) - amount, precision_digits=currency.decimal_places + 2
        ):
            raise UserError(
                self.env._(
                    "The amount %(amount)s has more decimals than the currency %(currency)s.",
                    amount=amount,
                    currency=currency.name,
                )
            )

    @api.model
    def _utility_txn_key(self, collection_point, external_txn_id, txn_scope=None):
        """Idempotency key of a channel transaction (``None`` without id)."""
        if not external_txn_id:
            return None
        return f"{txn_scope or collection_point.kind}:{external_txn_id}"

    @api.model
    def _utility_prepare_payment_vals(
        self,
        partner,
        amount,
        collection_point,
        *,
        date=None,
        external_txn_id=None,
        txn_key=None,
        trade_date=None,
        payer=None,
        operator=None,
        journal=None,
        payment_method_line=None,
        memo=None,
    ):
        """Values of the inbound customer payment booked by ``_utility_pay``."""
        company = collection_point.company_id
        currency = company.currency_id
        journal = journal or collection_point.journal_id
        if not journal:
            raise UserError(
                self.env._(
                    "Collection point %s has no journal to book payments in.",
                    collection_point.display_name,
                )
            )
        method_line = payment_method_line or journal.inbound_payment_method_line_ids[:1]
        return {
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": partner.commercial_partner_id.id,
            "amount": currency.round(amount),
            "currency_id": currency.id,
            # the point's day (the county's), never the booking user's
            "date": date or collection_point._utility_today(),
            "journal_id": journal.id,
            "payment_method_line_id": method_line.id,
            "company_id": company.id,
            "memo": memo or external_txn_id or False,
            "utility_channel": collection_point.kind
            if collection_point.kind in dict(CHANNEL_SELECTION)
            else False,
            "utility_collection_point_id": collection_point.id,
            "utility_operator_id": (operator or self.env.user).id,
            "utility_payer_id": payer.id if payer else False,
            "utility_external_txn_id": external_txn_id or False,
            "utility_txn_key": txn_key,
            "utility_trade_date": trade_date or False,
        }

    @api.model
    def _utility_open_bills(self, partner, bills=None):
        """Open posted customer invoices of ``partner``, oldest due first;
        restricted to ``bills`` when given."""
        domain = self.env["account.move"]._utility_open_bill_domain(partner)
        if bills is not None:
            domain &= Domain("id", "in", bills.ids)
        return self.env["account.move"].search_fetch(
            domain,
            # what payments and the terminal API read of them, not whole rows
            [
                "name",
                "company_id",
                "currency_id",
                "partner_id",
                "commercial_partner_id",
                "invoice_date",
                "invoice_date_due",
                "amount_total",
                "amount_residual",
            ],
            order="invoice_date_due, invoice_date, id",
        )

    @api.model
    def _utility_lock_open_bills(self, partner, bills=None):
        """Row-lock the open bills a payment is about to settle, without
        waiting: when two cashiers pay the same bill at the same moment the
        second one gets a clear message (and the bill is never paid twice;
        a lock taken after the first payment committed fails as a
        serialization error and the request is retried on fresh data)."""
        open_bills = self._utility_open_bills(partner, bills)
        if not open_bills:
            return open_bills
        if not lock_nowait(open_bills, "FOR UPDATE"):
            raise UserError(
                self.env._(
                    "A bill of %s is being paid at another counter right now: "
                    "refresh and check the open bills before taking the money.",
                    partner.display_name,
                )
            )
        return open_bills

    @api.model
    def _utility_select_bills(self, partner, open_bills, bills=None):
        """The bills a payment settles, in order: ``open_bills`` (the
        customer's open bills, oldest due first) or, when the payer named
        ``bills``, those in the order named, all of which must be open."""
        if bills is None:
            return open_bills
        open_bills = open_bills & bills
        if len(open_bills) != len(bills):
            raise UserError(
                self.env._("Some of the named bills are not open bills of %s.", partner.name)
            )
        # keep the order the payer named them in
        order = {bill.id: index for index, bill in enumerate(bills)}
        return open_bills.sorted(lambda b: order[b.id])

    def _utility_allocate(self, bills):
        """Reconcile this payment with ``bills`` one after the other, in order,
        until the payment is used up."""
        self.ensure_one()
        plan, settled = self._utility_allocation_plan(bills, {})
        if plan:
            # only residuals change: no bill or entry line to synchronise
            self.env["account.move.line"].with_context(skip_invoice_sync=True)._reconcile_plan(plan)
        self._utility_link_bills({self: settled})
        return settled

    def _utility_allocation_plan(self, bills, residuals):
        """Plan the reconciliation of this payment with ``bills``, in order,
        until the payment is used up: ``(plan, settled)`` where ``plan`` is a
        list of line groups (payment line + bill lines) for
        ``account.move.line._reconcile_plan``, reconciled one after the other,
        and ``settled`` the bills it reaches.

        ``residuals`` ({line id: amount residual}) holds what earlier plans of
        the same reconciliation will have left open; it is updated, so that
        several payments can be planned and reconciled in one call."""
        self.ensure_one()
        account = self.destination_account_id
        currency = self.company_currency_id
        settled = self.env["account.move"]
        plan = []

        def open_lines(move):
            lines = move.line_ids.filtered(
                lambda line: line.account_id == account and not line.reconciled
            )
            for line in lines:
                residuals.setdefault(line.id, line.amount_residual)
            return lines.filtered(lambda line: not currency.is_zero(residuals[line.id]))

        pay_lines = open_lines(self.move_id)
        for bill in bills:
            pay_lines = pay_lines.filtered(lambda line: not currency.is_zero(residuals[line.id]))
            if not pay_lines:
                break
            bill_lines = open_lines(bill)
            if not bill_lines:
                continue
            plan.append(pay_lines + bill_lines)
            settled |= bill
            # what the reconciliation will do: debits against credits, in order
            group = (pay_lines + bill_lines).sorted(
                lambda line: (line.date_maturity or line.date, line.amount_currency, line.balance)
            )
            debits = [line for line in group if residuals[line.id] > 0]
            credits = [line for line in group if residuals[line.id] < 0]
            while debits and credits:
                amount = min(residuals[debits[0].id], -residuals[credits[0].id])
                residuals[debits[0].id] = currency.round(residuals[debits[0].id] - amount)
                residuals[credits[0].id] = currency.round(residuals[credits[0].id] + amount)
                if currency.is_zero(residuals[debits[0].id]):
                    debits.pop(0)
                if currency.is_zero(residuals[credits[0].id]):
                    credits.pop(0)
        return plan, settled

    @api.model
    def _utility_link_bills(self, settled_by_payment):
        """Record the bills each payment settled (``{payment: bills}``), for
        many payments with one query."""
        pairs = [
            (payment.id, bill.id) for payment, bills in settled_by_payment.items() for bill in bills
        ]
        if not pairs:
            return
        self.env.cr.execute(
            "INSERT INTO account_payment_utility_bill_rel (payment_id, move_id) "
            "SELECT * FROM unnest(%s::int[], %s::int[]) ON CONFLICT DO NOTHING",
            [[pair[0] for pair in pairs], [pair[1] for pair in pairs]],
        )
        payments = self.browse([pair[0] for pair in pairs])
        payments.invalidate_recordset(["utility_bill_ids"])

    # -- the batch path ------------------------------------------------------
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
        Move = self.env["account.move"]
        bills = Move.search(
            Move._utility_open_bill_domain(partners), order="invoice_date_due, invoice_date, id"
        )
        for bill in bills:
            by_partner[bill.commercial_partner_id] |= bill
        return by_partner

    @api.model
    def _utility_book_segment(self, requests, indexes, booked, results, raise_errors):
        """Book the requests at ``indexes`` together; with ``raise_errors``
        off, a request whose named bills an earlier one of the segment paid
        is refused and the segment booked again without it."""
        indexes = list(indexes)
        while indexes:
            if raise_errors:
                try:
                    self._utility_book_together(requests, indexes, booked, results)
                except _RequestRefused as refused:
                    # the error ``_utility_pay`` would raise
                    raise refused.error from None
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
        """One create and one post for the requests at ``indexes`` (in
        order), and one reconciliation for all of their allocations, in one
        round per payment of the same customer (a customer paying twice in a
        file has the second payment reconciled after the first)."""
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
        payments._utility_post_entries()
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
        settled_by_payment = {}
        pending = list(zip(new, payments, strict=True))
        while pending:
            # a round: the first payment still pending of each customer
            wave, later, customers = [], [], set()
            for index, payment in pending:
                customer = requests[index]["partner"].commercial_partner_id
                (later if customer in customers else wave).append((index, payment))
                customers.add(customer)
            pending = later
            settlements = []
            for index, payment in wave:
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
                settlements.append((index, payment._utility_settlement(bills)))
            self._utility_batch_before_reconcile(settlements)
            # a bill the hook added that was not open when the segment began
            # (a written-off bill re-opened by its recovery) is read afresh:
            # an earlier round may have recorded what it owed then
            for _index, settled in settlements:
                opened = (
                    settled.bills - open_bills[settled.payment.partner_id.commercial_partner_id]
                )
                for line in opened.line_ids:
                    residuals.pop(line.id, None)
            plan = []
            for _index, settled in settlements:
                payment = settled.payment
                payment_plan, settled_by_payment[payment] = payment._utility_allocation_plan(
                    settled.bills, residuals
                )
                plan += payment_plan
            if plan:
                # only residuals change: no bill or entry line to synchronise
                batch.env["account.move.line"].with_context(skip_invoice_sync=True)._reconcile_plan(
                    plan
                )
        self._utility_link_bills(settled_by_payment)
        self._utility_after_reconcile(payments)
        for index, payment in zip(new, payments):
            results[index] = self.browse(payment.id)
            key = self._utility_batch_key(requests[index])
            if key:
                booked[key] = results[index]
        for index, first in duplicates:
            results[index] = results[first]

    def _check_company(self, fnames=None):
        # the payments ``_utility_book_together`` creates at once: each
        # distinct journal, partner, method... is checked once
        if batch_checked(self, fnames):
            return None
        return super()._check_company(fnames)

    @api.model
    def _utility_batch_before_reconcile(self, settlements):
        """``_utility_before_reconcile`` for ``settlements``, ``[(index of
        the request, its Settlement)]``, all at once; a ``UserError`` is
        traced back to its request by asking again request by request."""
        try:
            with self.env.cr.savepoint():
                self._utility_before_reconcile([settlement for _i, settlement in settlements])
        except UserError as error:
            if len(settlements) == 1:
                raise _RequestRefused(settlements[0][0], error) from error
            for index, settlement in settlements:
                try:
                    with self.env.cr.savepoint():
                        self._utility_before_reconcile([settlement])
                except UserError as error:
                    raise _RequestRefused(index, error) from error
            raise

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
