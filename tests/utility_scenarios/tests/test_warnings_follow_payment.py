from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestWarningsFollowEveryChannel(TransactionCase):
    """On the demo data: whatever channel pays 张伟's (customer01) overdue
    bills, their "overdue, please pay" warnings and a disconnection order
    for them end with the payment, not with the next scheduled job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env.ref("utility_billing.customer_01", raise_if_not_found=False)
        if not cls.customer:
            return
        cls.bills = cls.env["account.move"].search(
            [
                ("partner_id", "=", cls.customer.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("utility_late_fee_bill_id", "=", False),
            ]
        )
        cls.warnings = cls.env["utility.warning"].search(
            [("move_id", "in", cls.bills.ids), ("cleared_at", "=", False)]
        )
        cls.order = cls.env["utility.disconnection.order"].create(
            {"partner_id": cls.customer.id, "company_id": cls.customer.company_id.id}
        )
        # enough for the bills and any late fee charged with them
        cls.amount = sum(cls.bills.mapped("amount_residual")) + 100.0

    def setUp(self):
        super().setUp()
        if not self.customer:
            self.skipTest("needs the demo data (make test installs it)")
        self.assertTrue(self.warnings, "the demo customer01 is warned of overdue bills")
        self.assertEqual(self.order.bill_ids, self.bills)

    def _assert_settled(self):
        self.assertFalse(self.bills.filtered(lambda b: b.payment_state in ("not_paid", "partial")))
        self.assertTrue(all(self.warnings.mapped("cleared_at")), "warnings cleared at the payment")
        self.assertEqual(self.order.state, "cancelled", "the order ended with the payment")

    def test_counter_payment(self):
        hall = self.env.ref("utility_payment_channels.collection_point_hall_cg")
        self.env["account.payment"]._utility_pay(self.customer, self.amount, hall)
        self._assert_settled()

    def test_agency_file_booked_in_batch(self):
        outlet = self.env.ref("utility_payment_channels.point_post_chengguan")
        results = self.env["account.payment"]._utility_pay_batch(
            [
                {
                    "partner": self.customer,
                    "amount": self.amount,
                    "collection_point": outlet,
                    "external_txn_id": "WARN-1",
                    "txn_scope": "agency:warnings",
                }
            ]
        )
        self.assertTrue(results[0])
        self._assert_settled()

    def test_self_service_terminal(self):
        atm = self.env.ref("utility_payment_channels.point_atm_chengguan")
        self.env["account.payment"]._utility_pay(
            self.customer, self.amount, atm, external_txn_id="ATM-WARN-1"
        )
        self._assert_settled()
