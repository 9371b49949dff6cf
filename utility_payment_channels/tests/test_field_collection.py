from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common_counter import UtilityCounterCase


@tagged("post_install", "-at_install")
class TestFieldCollection(UtilityCounterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company_data["company"]
        cls.collector = new_test_user(
            cls.env,
            login="field_collector",
            groups="utility_billing.group_utility_field_collector",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.other_collector = new_test_user(
            cls.env,
            login="field_collector_2",
            groups="utility_billing.group_utility_field_collector",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.transit_journal = cls.env["account.journal"].create(
            {
                "name": "Collector in transit",
                "code": "ZST",
                "type": "cash",
                "company_id": company.id,
            }
        )
        cls.field_point = cls.env["utility.collection.point"].create(
            {
                "name": "Zhangwan round",
                "code": "ZW-F",
                "kind": "field",
                "journal_id": cls.transit_journal.id,
                "hand_in_point_id": cls.hall.id,
            }
        )
        cls.customer.utility_village = "Zhangwan"
        cls.far_customer = cls.env["res.partner"].create(
            {
                "name": "Zhao Lei",
                "utility_customer_number": "0100000009",
                "utility_village": "Elsewhere",
            }
        )
        cls._utility_bill(cls.far_customer, 55.0, "2025-01-20")
        cls.round = cls.env["utility.field.collection"].create(
            {
                "collector_id": cls.collector.id,
                "collection_point_id": cls.field_point.id,
                "village": "Zhangwan",
            }
        )
        cls.round.action_assign_bills()
        cls.round.action_start()

    def _balance(self, account):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return sum(lines.mapped("balance"))

    def test_bills_are_assigned_by_village(self):
        self.assertEqual(self.round.line_ids.bill_id, self.bills)
        self.assertEqual(self.round.assigned_total, 300.0)
        self.assertEqual(self.round.hall_id, self.hall)

    def test_hand_in_with_missing_cash_leaves_the_difference_on_the_collector(self):
        round_ = self.round.with_user(self.collector)
        jan_line, feb_line, _mar_line = round_.line_ids
        jan_line.action_collect()
        feb_line.action_collect()
        self.assertEqual(jan_line.payment_id.journal_id, self.transit_journal)
        self.assertEqual(jan_line.payment_id.utility_operator_id, self.collector)
        self.assertEqual(self.bills[0].payment_state, "paid")
        self.assertEqual(round_.expected_total, 220.0)
        transit = self.transit_journal.default_account_id
        hall_cash = self.cash_journal.default_account_id
        self.assertEqual(self._balance(transit), 220.0)
        round_.hand_in_amount = 200.0
        round_.action_hand_in()
        self.assertEqual(round_.state, "handed_in")
        self.assertEqual(round_.handed_in_total, 200.0)
        self.assertEqual(round_.difference_amount, 20.0)
        self.assertEqual(self._balance(transit), 20.0)
        self.assertEqual(self._balance(hall_cash), 200.0)
        open_differences = self.env["utility.field.collection"].search(
            [("state", "=", "handed_in"), ("difference_amount", "!=", 0)]
        )
        self.assertIn(self.round, open_differences)
        # the collector brings the rest later
        round_.hand_in_amount = 20.0
        round_.action_hand_in()
        self.assertEqual(round_.state, "done")
        self.assertEqual(round_.difference_amount, 0.0)
        self.assertEqual(self._balance(transit), 0.0)

    def test_manager_writes_off_an_unrecoverable_difference(self):
        round_ = self.round.with_user(self.collector)
        round_.line_ids[0].action_collect()
        round_.hand_in_amount = 90.0
        round_.action_hand_in()
        self.assertEqual(round_.difference_amount, 10.0)
        with self.assertRaises(AccessError):
            round_.action_write_off_difference()
        self.round.difference_note = "Counterfeit 10 yuan note"
        self.round.with_user(self.manager).action_write_off_difference()
        self.assertEqual(self.round.state, "done")
        self.assertEqual(self.round.written_off_amount, 10.0)
        self.assertEqual(self._balance(self.transit_journal.loss_account_id), 10.0)

    def test_more_cash_than_collected_cannot_be_handed_in(self):
        round_ = self.round.with_user(self.collector)
        round_.line_ids[0].action_collect()
        round_.hand_in_amount = 150.0
        with self.assertRaises(UserError):
            round_.action_hand_in()

    def test_collector_sees_only_own_rounds(self):
        Round = self.env["utility.field.collection"]
        self.assertEqual(Round.with_user(self.collector).search([]), self.round)
        self.assertFalse(Round.with_user(self.other_collector).search([]))
        with self.assertRaises(AccessError):
            self.round.with_user(self.other_collector).read(["name"])
        with self.assertRaises(AccessError):
            self.round.line_ids[0].with_user(self.other_collector).action_collect()

    def test_round_sheet_lists_the_bills(self):
        html, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            "utility_payment_channels.action_report_utility_round_sheet", self.round.ids
        )
        html = html.decode()
        self.assertIn("0100000002", html)
        self.assertIn(self.bills[2].name, html)
        self.assertNotIn("0100000009", html)

    def test_collector_takes_no_more_than_the_bill_and_its_late_fee(self):
        line = self.round.line_ids[0].with_user(self.collector)
        with self.assertRaisesRegex(ValidationError, "no more than is due"):
            line.amount_collected = 100000.0
        # a bill of the village that the line still claims, once paid at the
        # hall for less: the collector cannot take more than is now owed
        self.env["account.payment"]._utility_pay(self.customer, 60.0, self.hall, bills=line.bill_id)
        with self.assertRaisesRegex(ValidationError, "no more than is due"):
            line.action_collect()
        self.assertFalse(line.payment_id)
        line.amount_collected = 40.0
        line.action_collect()
        self.assertEqual(line.payment_id.amount, 40.0)

    def test_round_collects_only_its_own_bills(self):
        far_bill = self.env["account.move"].search(
            [("partner_id", "=", self.far_customer.id), ("move_type", "=", "out_invoice")]
        )
        line = self.round.line_ids[0]
        # a link to another village's bill, however it was written
        # (a write is refused: only the assignment action links bills; the
        # collect action checks again, whatever the line holds)
        with line._utility_protected_write():
            line.sudo().write(
                {"bill_id": far_bill.id, "amount_due": 55.0, "amount_collected": 55.0}
            )
        with self.assertRaisesRegex(UserError, "not a bill of round"):
            line.with_user(self.collector).action_collect()
        self.assertEqual(far_bill.payment_state, "not_paid")
