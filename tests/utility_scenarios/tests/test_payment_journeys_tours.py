"""Daily journeys of the payment channels in Chromium, from the menus, as the
role that does the job (issue 21): the cashier's day from opening a session
to the count, the manager's approval of the difference, and the
accountant's agency file, settlement and bank reconciliation."""

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .tour_common import customer_with_open_bills


@tagged("post_install", "-at_install")
class TestPaymentJourneyTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.county = cls.env.ref("utility_billing.company_county", raise_if_not_found=False)
        cls.hall_lz = cls.env.ref(
            "utility_payment_channels.collection_point_hall_lz", raise_if_not_found=False
        )

    def setUp(self):
        super().setUp()
        if not self.county or not self.hall_lz:
            self.skipTest("needs the demo data (make test installs it)")

    def _customer(self, name, number, amounts):
        """A Lizhuang customer with open bills not due yet (no late fee)."""
        return customer_with_open_bills(self.env, name, number, amounts)

    def test_cashier_day_from_opening_to_the_managers_approval(self):
        cashier = self.env.ref("utility_payment_channels.user_cashier_lz")
        Session = self.env["utility.cashier.session"]
        self.assertFalse(Session.search([("user_id", "=", cashier.id), ("state", "!=", "closed")]))
        _first, first_bills = self._customer("罗晓兰", "0300000185", [100.0, 84.0])
        _second, second_bills = self._customer("王秀英", "0300000186", [56.0])

        self.start_tour("/odoo", "utility_cashier_day_tour", login="cashier_lz")

        session = Session.search([("user_id", "=", cashier.id)], limit=1)
        self.assertEqual(session.collection_point_id, self.hall_lz)
        self.assertEqual(session.state, "closing_control")
        self.assertEqual(set((first_bills | second_bills).mapped("payment_state")), {"paid"})
        self.assertEqual(sorted(session.payment_ids.mapped("amount")), [56.0, 184.0])
        self.assertEqual(session.cash_register_balance_end, 440.0)
        self.assertEqual(session.cash_register_balance_end_real, 439.0)
        self.assertEqual(session.difference_state, "to_approve")
        receipt_payment = session.payment_ids.filtered(lambda p: p.amount == 184.0)
        self.assertEqual(receipt_payment.utility_receipt_print_count, 1)

        self.start_tour("/odoo", "utility_manager_approves_difference_tour", login="admin")

        self.assertEqual(session.state, "closed")
        self.assertEqual(session.difference_approved_by_id, self.env.ref("base.user_admin"))
        self.assertEqual(session.difference_move_id.amount_total, 1.0)

    def test_accountant_settles_an_agency_file_and_reconciles_the_transfer(self):
        new_test_user(
            self.env,
            login="accountant_tour",
            password="accountant_tour",
            name="孙会计",
            groups="utility_billing.group_utility_accountant",
            company_id=self.county.id,
            company_ids=[self.county.id],
            tz="Asia/Shanghai",
            # the demo users' language (Chinese in a database built by make run)
            lang=self.env.ref("base.user_admin").lang,
        )
        agency = self.env.ref("utility_payment_channels.agency_china_post")
        today = fields.Date.context_today(agency.with_context(tz="Asia/Shanghai"))
        # the demo's unsettled China Post payments of today, if any, are settled first
        self.assertFalse(
            self.env["account.payment"].search_count(
                [("journal_id", "=", agency.journal_id.id), ("date", "=", today)]
            )
        )
        _payer, bills = self._customer("张建华", "0300000191", [90.0])
        _resolved, _bills = self._customer("罗小梅", "0300000192", [30.0])
        # the bank's feed: the transfer of the net amount is on the statement
        transfer = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.env.ref("utility_payment_channels.journal_bank_county").id,
                "date": today,
                "amount": 110.0,
                "payment_ref": "中国邮政代收电费划款",
            }
        )

        self.start_tour("/odoo", "utility_accountant_agency_tour", login="accountant_tour")

        self.assertEqual(bills.payment_state, "paid")
        settlement = self.env["utility.agency.settlement"].search(
            [("agency_id", "=", agency.id)], order="id desc", limit=1
        )
        self.assertEqual(settlement.state, "reconciled")
        self.assertEqual(settlement.gross_amount, 120.0)
        self.assertEqual(settlement.commission_amount, 10.0)
        self.assertEqual(settlement.statement_line_id, transfer)
        self.assertTrue(transfer.is_reconciled)

    def test_cashier_takes_a_consolidated_payment_for_a_payer_group(self):
        session = self.env.ref("utility_payment_channels.session_cg_open")
        group = self.env.ref("utility_payment_channels.payer_group_cg_east")
        if session.state != "opened":
            self.skipTest("needs the open demo session of cashier_cg")
        # a member owing something for sure, and one owing nothing
        owing, _bills = self._customer("赵桂兰", "0300000198", [66.0])
        paid_up = self.env["res.partner"].create(
            {
                "name": "钱秀珍",
                "company_id": self.county.id,
                "utility_customer_number": "0300000199",
                "utility_category": "residential",
            }
        )
        group.member_ids = [Command.link(owing.id), Command.link(paid_up.id)]
        payments_before = session.payment_ids

        self.start_tour("/odoo", "utility_consolidated_payment_tour", login="cashier_cg")

        payments = session.payment_ids - payments_before
        self.assertIn(owing, payments.partner_id)
        self.assertNotIn(paid_up, payments.partner_id)
        self.assertEqual(payments.utility_payer_id, group.payer_id)
