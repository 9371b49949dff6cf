from odoo import Command
from odoo.tests import HttpCase, tagged

from .tour_common import customer_with_open_bills


@tagged("post_install", "-at_install")
class TestConsolidatedPaymentTour(HttpCase):
    """A village committee pays its members' bills at the hall, walked in
    Chromium by the demo cashier from the menu."""

    def test_a_committee_pays_for_its_members_at_the_counter(self):
        session = self.env.ref("utility_payment_channels.session_cg_open", raise_if_not_found=False)
        if not session or session.state != "opened":
            self.skipTest("needs the demo data (make test installs it)")
        county = self.env.ref("utility_billing.company_county")
        Partner = self.env["res.partner"].with_company(county)
        committee = Partner.create({"name": "前进村村民委员会", "company_id": county.id})
        # two members owe a bill each (120 and 180), the third owes nothing
        members = Partner.browse()
        bills = self.env["account.move"]
        for name, number, amounts in (
            ("赵一", "0900000001", [120.0]),
            ("钱二", "0900000002", [180.0]),
            ("孙三", "0900000003", []),
        ):
            member, member_bills = customer_with_open_bills(
                self.env, name, number, amounts, station="utility_billing.station_cg"
            )
            members |= member
            bills |= member_bills
        group = self.env["utility.payer.group"].create(
            {
                "name": "前进村委会代缴",
                "company_id": county.id,
                "payer_id": committee.id,
                "member_ids": [Command.set(members.ids)],
            }
        )
        self.start_tour("/odoo", "utility_committee_pays_for_its_members_tour", login="cashier_cg")
        self.assertEqual(set(bills.mapped("payment_state")), {"paid"})
        payments = session.payment_ids.filtered(lambda p: p.partner_id in members)
        self.assertEqual(payments.partner_id, members[:2])
        self.assertEqual(sum(payments.mapped("amount")), 300.0)
        self.assertEqual(payments.utility_payer_id, group.payer_id)
