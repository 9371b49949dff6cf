from odoo import Command, fields
from odoo.tests import HttpCase, tagged


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
        members = Partner.create(
            [
                {
                    "name": name,
                    "company_id": county.id,
                    "utility_customer_number": number,
                    "utility_category": "residential",
                    "utility_station_id": self.env.ref("utility_billing.station_cg").id,
                }
                for name, number in (
                    ("赵一", "0900000001"),
                    ("钱二", "0900000002"),
                    ("孙三", "0900000003"),
                )
            ]
        )
        group = self.env["utility.payer.group"].create(
            {
                "name": "前进村委会代缴",
                "company_id": county.id,
                "payer_id": committee.id,
                "member_ids": [Command.set(members.ids)],
            }
        )
        today = fields.Date.context_today(committee)
        # not due yet: no late fee, whatever the arrears policy says
        bills = (
            self.env["account.move"]
            .with_company(county)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": member.id,
                        "invoice_date": today,
                        "invoice_date_due": fields.Date.add(today, days=15),
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "电费",
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for member, amount in zip(members[:2], (120.0, 180.0), strict=True)
                ]
            )
        )
        bills.action_post()
        self.start_tour("/odoo", "utility_committee_pays_for_its_members_tour", login="cashier_cg")
        self.assertEqual(set(bills.mapped("payment_state")), {"paid"})
        payments = session.payment_ids.filtered(lambda p: p.partner_id in members)
        self.assertEqual(payments.partner_id, members[:2])
        self.assertEqual(sum(payments.mapped("amount")), 300.0)
        self.assertEqual(payments.utility_payer_id, group.payer_id)
