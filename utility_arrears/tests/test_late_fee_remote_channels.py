import json

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.utility_payment_channels.tests.agency_common import UtilityAgencyCase

API = "/utility/api/v1"


@tagged("post_install", "-at_install")
class TestLateFeeRemoteChannels(UtilityAgencyCase, HttpCase):
    """Terminals and agencies collect what the terminal API shows as due:
    the bills and their late fee. A residential bill of 300.00 overdue for
    20 days carries 6.00 of late fee (1 per mille a day): 306.00 pays it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        overdue = fields.Date.subtract(cls.today, days=20)
        cls.customer_zhao, cls.customer_sun = cls.env["res.partner"].create(
            [
                {
                    "name": "Zhao Min",
                    "utility_customer_number": "0100000021",
                    "utility_category": "residential",
                },
                {
                    "name": "Sun Li",
                    "utility_customer_number": "0100000022",
                    "utility_category": "residential",
                },
            ]
        )
        cls.bill_zhao = cls._utility_bill(cls.customer_zhao, 300.0, overdue)
        cls.bill_sun = cls._utility_bill(cls.customer_sun, 300.0, overdue)
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

    def _call(self, path, body=None):
        headers = {"Authorization": f"Bearer {self.key}"}
        if body is None:
            return self.url_open(API + path, headers=headers)
        headers["Content-Type"] = "application/json"
        return self.url_open(API + path, data=json.dumps(body), headers=headers, method="POST")

    def _fee_invoice(self, bill):
        return self.env["account.move"].search([("utility_late_fee_bill_id", "=", bill.id)])

    def test_terminal_pays_the_total_due_its_query_shows(self):
        answer = self._call("/customers/0100000021/bills").json()
        self.assertEqual(
            [(bill["amount_due"], bill["late_fee"]) for bill in answer["bills"]], [(300.0, 6.0)]
        )
        self.assertEqual(answer["total_due"], 306.0)
        # a cent above what is due (fee included) is still refused
        response = self._call(
            "/payments",
            {"customer_number": "0100000021", "amount": 306.01, "terminal_txn_id": "T-1"},
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.json()["code"], "amount_exceeds_due")
        self.assertIn("306.00", response.json()["message"])
        response = self._call(
            "/payments",
            {"customer_number": "0100000021", "amount": 306.0, "terminal_txn_id": "T-2"},
        )
        self.assertEqual(response.status_code, 201, response.text)
        receipt = response.json()
        fee = self._fee_invoice(self.bill_zhao)
        self.assertEqual(fee.amount_total, 6.0)
        self.assertEqual(
            sorted((bill["bill_number"], bill["amount_paid"]) for bill in receipt["bills"]),
            sorted([(self.bill_zhao.name, 300.0), (fee.name, 6.0)]),
        )
        self.assertEqual(receipt["balance_due"], 0.0)
        self.assertEqual(self.bill_zhao.payment_state, "paid")
        self.assertEqual(fee.payment_state, "paid")
        # named bill: the same rule
        response = self._call(
            "/payments",
            {
                "customer_number": "0100000022",
                "amount": 306.0,
                "terminal_txn_id": "T-3",
                "bill_numbers": [self.bill_sun.name],
            },
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self.bill_sun.payment_state, "paid")
        self.assertEqual(self._fee_invoice(self.bill_sun).payment_state, "paid")

    def test_agency_lines_paying_bill_and_late_fee_are_booked(self):
        paid_at = f"{fields.Date.to_string(self.today)} 10:00:00"
        agency_import = self._new_import(
            [
                f"F-1,{paid_at},0100000021,{self.bill_zhao.name},306.00,POST-CG",
                f"F-2,{paid_at},0100000022,,306.00,POST-LZ",
                f"F-3,{paid_at},0100000002,,300.01,POST-CG",
                f"F-4,{paid_at},0100000003,{self.bill_2.name},61.00,POST-CG",
                f"F-5,{paid_at},0100000021,{self.bill_zhao.name},303.00,POST-CG",
            ]
        )
        agency_import.action_import()
        lines = agency_import.line_ids.sorted("line_no")
        self.assertEqual(
            [(line.txn_id, line.state, line.reason or "") for line in lines],
            [
                ("F-1", "booked", ""),
                ("F-2", "booked", ""),
                # the other customers' bills are not overdue: no fee to add
                ("F-3", "kept", "amount_mismatch"),
                ("F-4", "kept", "amount_mismatch"),
                # neither the bill nor the bill and its fee
                ("F-5", "kept", "amount_mismatch"),
            ],
        )
        # amounts as the company's currency shows them (USD in tests)
        self.assertEqual(lines[2].note, "The customer owes $\xa0300.00 in all.")
        self.assertEqual(lines[3].note, "The bill still owes $\xa060.00.")
        self.assertEqual(
            lines[4].note,
            f"The bill still owes $\xa0300.00, or $\xa0306.00 with its late fee on {self.today}.",
        )
        for bill in self.bill_zhao | self.bill_sun:
            fee = self._fee_invoice(bill)
            self.assertEqual(fee.amount_total, 6.0)
            self.assertEqual(fee.payment_state, "paid")
            self.assertEqual(bill.payment_state, "paid")
        self.assertEqual(self._clearing_balance(), 612.0)
