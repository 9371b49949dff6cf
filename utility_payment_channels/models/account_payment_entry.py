from odoo import api, models

from odoo.addons.utility_billing.models.utility_bulk_booking import (
    BATCH_COMPANY_CHECK,
    bulk_context,
    no_analytic,
)

# stored computed fields of a precomputed payment entry and of its items that
# Odoo would compute again after the create although they are given
# (readonly, not "precompute"): ``_utility_precompute_entries`` gives Odoo's
# values, so they are kept
PRECOMPUTED_ENTRY_FIELDS = ("always_tax_exigible",)
PRECOMPUTED_ITEM_FIELDS = ("price_subtotal", "price_total")


class AccountPayment(models.Model):
    """Journal entries of utility payments: the layer below the payment
    service (``utility_payment_service.py``) that both of its paths use, one
    payment (``_utility_pay``) or many (``_utility_pay_batch``).

    ``_utility_post_entries`` posts draft payments with Odoo's values, entry
    by entry computed once for all (``_utility_precompute_entries``), and
    the entries of the same shape written as copies of one Odoo made
    (``account_payment_entry_copy.py``); the override of Odoo's entry
    values it needs (``_prepare_move_line_default_vals``) sits here."""

    _inherit = "account.payment"  # pylint: disable=consider-merging-classes-inherited

    def _utility_post_entries(self):
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
