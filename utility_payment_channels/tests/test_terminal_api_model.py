"""The terminal API's rules called as model methods, without HTTP: what a
biller or bank channel reusing them gets (controllers/terminal_api.py only
parses the JSON and answers these dicts and errors)."""

from contextlib import contextmanager

from odoo.tests import tagged

from odoo.addons.utility_payment_channels.tools.api_error import UtilityApiError

from .agency_common import UtilityAgencyCase


@tagged("post_install", "-at_install")
class TestTerminalApiModel(UtilityAgencyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.atm_point = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan ATM",
                "code": "ATM-1",
                "kind": "terminal",
                "journal_id": cls.company_data["default_journal_bank"].id,
            }
        )
        cls.atm = cls.env["utility.payment.terminal"].create(
            {"name": "ATM 1", "collection_point_id": cls.atm_point.id}
        )
        cls.key = cls.atm.action_generate_key()["params"]["message"]

    @contextmanager
    def assertApiError(self, status, code):
        with self.assertRaises(UtilityApiError) as caught:
            yield caught
        self.assertEqual((caught.exception.status, caught.exception.code), (status, code))

    def test_payment_answers_its_receipt_and_a_resent_transaction_the_same_one(self):
        bills = self.atm._utility_api_bills("0100000002")
        self.assertEqual([bill["amount_due"] for bill in bills["bills"]], [100.0, 120.0, 80.0])
        self.assertEqual(bills["total_due"], 300.0)

        receipt = self.atm._utility_api_pay("0100000002", "150.00", "M-1")
        self.assertFalse(receipt["duplicate"])
        self.assertEqual(receipt["amount"], 150.0)
        self.assertEqual(receipt["balance_due"], 150.0)
        self.assertEqual(
            [(line["bill_number"], line["amount_paid"]) for line in receipt["bills"]],
            [(self.bills[0].name, 100.0), (self.bills[1].name, 50.0)],
        )
        payment = self.env["account.payment"].browse(receipt["payment_id"])
        self.assertEqual(payment.utility_txn_key, f"terminal:{self.atm.id}:M-1")

        again = self.atm._utility_api_pay("0100000002", 150, "M-1")
        self.assertTrue(again.pop("duplicate"))
        receipt.pop("duplicate")
        self.assertEqual(again, receipt)
        self.assertEqual(self.atm._utility_api_payment("M-1")["payment_id"], payment.id)
        self.assertEqual(self.bills[1].amount_residual, 70.0)
        with self.assertApiError(409, "duplicate_conflict"):
            self.atm._utility_api_pay("0100000002", 149, "M-1")

    def test_rules_refuse_with_the_published_codes_and_book_nothing(self):
        refusals = [
            ((None, 10, "M-2"), {}, 422, "missing_field"),
            ((2, 10, "M-2"), {}, 422, "invalid_field"),
            (("0100000002", 10, "M 2"), {}, 422, "invalid_field"),
            (("0100000002", "10.001", "M-2"), {}, 422, "invalid_amount"),
            (("0100000002", 10, "M-2"), {"allow_prepaid": "yes"}, 422, "invalid_field"),
            (("0199999999", 10, "M-2"), {}, 404, "customer_not_found"),
            (
                ("0100000002", 10, "M-2"),
                {"bill_numbers": [self.bill_2.name]},
                404,
                "bill_not_found",
            ),
            (("0100000002", 300.01, "M-2"), {}, 422, "amount_exceeds_due"),
            (("0100000003", 60.01, "M-2"), {}, 422, "amount_exceeds_due"),
        ]
        for args, kwargs, status, code in refusals:
            with self.subTest(args=args, kwargs=kwargs), self.assertApiError(status, code):
                self.atm._utility_api_pay(*args, **kwargs)
        with self.assertApiError(404, "payment_not_found"):
            self.atm._utility_api_payment("M-2")
        self.assertEqual(sum(self.bills.mapped("amount_residual")), 300.0)
        # a paid bill named again, and a customer with nothing due
        self.atm._utility_api_pay("0100000003", 60, "M-3")
        with self.assertApiError(422, "bill_not_open"):
            self.atm._utility_api_pay("0100000003", 1, "M-4", bill_numbers=[self.bill_2.name])
        with self.assertApiError(422, "no_open_bills"):
            self.atm._utility_api_pay("0100000003", 1, "M-4")
        prepaid = self.atm._utility_api_pay("0100000003", 1, "M-4", allow_prepaid=True)
        self.assertEqual(prepaid["credit"], 1.0)

    def _refusal(self, authorization, address):
        """The error of an authentication refused (not rolled back as by
        assertRaises: the refused keys are counted)."""
        try:
            self.env["utility.payment.terminal"]._utility_api_authenticate(authorization, address)
        except UtilityApiError as error:
            return error.status, error.code, error.message
        return None

    def test_one_bearer_key_check_answers_unknown_keys_then_blocks_the_address(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("utility_api.auth_max_failures", "2")
        params.set_param("utility_api.auth_window_seconds", "120")
        params.set_param("utility_api.auth_delay_seconds", "0")
        Terminal = self.env["utility.payment.terminal"]
        # the scheme in any case, the key trimmed
        self.assertEqual(
            Terminal._utility_api_authenticate(f"bearer  {self.key} ", "10.0.0.1"), self.atm
        )
        unauthorized = (401, "unauthorized", "Unknown or revoked terminal key.")
        for header in ("", self.key, "Basic " + self.key, "Bearer not-a-key"):
            with self.subTest(header=header):
                self.assertEqual(self._refusal(header, f"10.0.1.{len(header)}"), unauthorized)
        self.assertEqual(self._refusal("Bearer guess-1", "10.0.0.1"), unauthorized)
        self.assertEqual(self._refusal("Bearer guess-2", "10.0.0.1"), unauthorized)
        with self.assertApiError(429, "too_many_attempts") as caught:
            Terminal._utility_api_authenticate("Bearer guess-3", "10.0.0.1")
        # answered with Retry-After: the failure window
        self.assertEqual(caught.exception.retry_after, 120)
        failures = self.env["utility.api.auth.failure"].search([("remote_addr", "=", "10.0.0.1")])
        self.assertEqual(failures.mapped("channel"), ["terminal", "terminal"])
        # the address's valid keys are still served
        self.assertEqual(
            Terminal._utility_api_authenticate(f"Bearer {self.key}", "10.0.0.1"), self.atm
        )
