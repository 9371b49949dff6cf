from odoo import api, models


class AccountPayment(models.Model):
    """A payment from any channel settles a kept installment plan's bills
    first, in plan order, then the customer's other open bills."""

    _inherit = "account.payment"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _utility_order_plan_bills(self, settlements):  # pylint: disable=missing-return
        super()._utility_order_plan_bills(settlements)
        # only the settlements that pay the customer's open bills oldest due
        # first: bills the payer named, or parts the channel fixed (online),
        # are settled as asked
        candidates = [
            s
            for s in settlements
            if s.parts is None
            and s.bills
            and any(bill.utility_collection_hold == "plan" for bill in s.bills)
        ]
        if not candidates:
            return
        Move = self.env["account.move"]
        customers = Move.concat(*(s.bills for s in candidates)).commercial_partner_id
        open_ids = {}
        for bill in Move.search_fetch(
            Move._utility_open_bill_domain(customers), ["commercial_partner_id"]
        ):
            open_ids.setdefault(bill.commercial_partner_id.id, set()).add(bill.id)
        for settlement in candidates:
            customer = settlement.bills.commercial_partner_id[:1]
            if set(settlement.bills.ids) != open_ids.get(customer.id, set()):
                # the payer named these bills
                continue
            # sudo: whoever books the payment (a terminal's API user, an
            # agency import) need not read the plans; only their order counts
            plans = settlement.bills.sudo().utility_installment_plan_id.filtered(
                lambda p: p.state == "active"
            )
            first = Move
            for plan in plans.sorted(lambda p: (p.date_start, p.id)):
                first |= (plan._utility_ordered_bills() & settlement.bills.sudo()).with_env(
                    Move.env
                )
            if first:
                settlement.bills = first | (settlement.bills - first)
