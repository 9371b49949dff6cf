import json

from odoo import fields
from odoo.tests import Form, HttpCase, new_test_user, tagged

from odoo.addons.utility_payment_channels.tests.agency_common import UtilityAgencyCase
from odoo.addons.utility_payment_channels.tests.common_counter import UtilityCounterCase

API = "/utility/api/v1"


@tagged("post_install", "-at_install")
class TestLateFeeRemoteChannels(UtilityAgencyCase, HttpCase):
    """Terminals and agencies collect what the terminal API shows as due:
    the bills and their late fee. A residential bill of 300.00 overdue for
    20 days carries 6.00 of late fee (1 per mille a day): 306.00 pays it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the terminal's local day (its company's), which is not the test
        # user's between their midnights
        cls.today = cls.env.company._utility_today()
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

    def test_receipt_balance_is_what_the_bills_query_then_shows(self):
        """100.00 on the overdue 300.00: 98.04 of bill and 1.96 of fee; the
        201.96 left owes 4.04 more of fee: 206.00 still due."""
        response = self._call(
            "/payments",
            {"customer_number": "0100000022", "amount": 100.0, "terminal_txn_id": "T-9"},
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["balance_due"], 206.0)
        answer = self._call("/customers/0100000022/bills").json()
        self.assertEqual(answer["total_due"], 206.0)
        self.assertEqual(self._fee_invoice(self.bill_sun).amount_total, 1.96)

    def test_agency_lines_paying_bill_and_late_fee_are_booked(self):
        paid_at = f"{fields.Date.to_string(self.today)} 10:00:00"
        agency_import = self._new_import(
            [
                f"F-5,{paid_at},0100000021,{self.bill_zhao.name},303.00,POST-CG",
                f"F-1,{paid_at},0100000021,{self.bill_zhao.name},306.00,POST-CG",
                f"F-2,{paid_at},0100000022,,306.00,POST-LZ",
                f"F-3,{paid_at},0100000002,,300.01,POST-CG",
                f"F-4,{paid_at},0100000003,{self.bill_2.name},61.00,POST-CG",
            ]
        )
        agency_import.action_import()
        lines = agency_import.line_ids.sorted("line_no")
        self.assertEqual(
            [(line.txn_id, line.state, line.reason or "") for line in lines],
            [
                # neither the bill nor the bill and its fee
                ("F-5", "kept", "amount_mismatch"),
                ("F-1", "booked", ""),
                ("F-2", "booked", ""),
                # the other customers' bills are not overdue: no fee to add
                ("F-3", "kept", "amount_mismatch"),
                ("F-4", "kept", "amount_mismatch"),
            ],
        )
        # amounts as the company's currency shows them (USD in tests)
        self.assertEqual(lines[3].note, "The customer owes $\xa0300.00 in all.")
        self.assertEqual(lines[4].note, "The bill still owes $\xa060.00.")
        self.assertEqual(
            lines[0].note,
            f"The bill still owes $\xa0300.00, or $\xa0306.00 with its late fee on {self.today}.",
        )
        for bill in self.bill_zhao | self.bill_sun:
            fee = self._fee_invoice(bill)
            self.assertEqual(fee.amount_total, 6.0)
            self.assertEqual(fee.payment_state, "paid")
            self.assertEqual(bill.payment_state, "paid")
        self.assertEqual(self._clearing_balance(), 612.0)


@tagged("post_install", "-at_install")
class TestLateFeeCollectedByHand(UtilityCounterCase):
    """Door-to-door collectors and consolidated payers take the bills with
    their late fee: a residential bill of 300.00 overdue for 20 days is
    collected as 306.00 (6.00 of late fee), and paid in full."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.customer_zhao = cls.env["res.partner"].create(
            {
                "name": "Zhao Min",
                "utility_customer_number": "0100000021",
                "utility_category": "residential",
                "utility_village": "Zhangwan",
            }
        )
        cls.overdue = cls._utility_bill(
            cls.customer_zhao, 300.0, fields.Date.subtract(cls.today, days=20)
        )

    def _fee_invoice(self):
        return self.env["account.move"].search([("utility_late_fee_bill_id", "=", self.overdue.id)])

    def test_round_assigns_the_bill_with_its_late_fee_and_collects_both(self):
        company = self.company_data["company"]
        collector = new_test_user(
            self.env,
            login="zhangwan_collector",
            groups="utility_billing.group_utility_field_collector",
            company_id=company.id,
            company_ids=[company.id],
        )
        transit = self.env["account.journal"].create(
            {"name": "Collector in transit", "code": "ZST", "type": "cash"}
        )
        point = self.env["utility.collection.point"].create(
            {
                "name": "Zhangwan round",
                "code": "ZW-F",
                "kind": "field",
                "journal_id": transit.id,
                "hand_in_point_id": self.hall.id,
            }
        )
        round_ = self.env["utility.field.collection"].create(
            {"collector_id": collector.id, "collection_point_id": point.id, "village": "Zhangwan"}
        )
        round_.action_assign_bills()
        line = round_.line_ids
        self.assertEqual(line.bill_id, self.overdue)
        self.assertEqual(
            (line.amount_due, line.late_fee, line.amount_collected), (300.0, 6.0, 306.0)
        )
        self.assertEqual(round_.assigned_total, 306.0)
        round_.action_start()
        line.with_user(collector).action_collect()
        self.assertEqual(line.payment_id.amount, 306.0)
        self.assertEqual(self.overdue.payment_state, "paid")
        self.assertEqual(self._fee_invoice().amount_total, 6.0)
        self.assertEqual(self._fee_invoice().payment_state, "paid")
        self.assertEqual(round_.expected_total, 306.0)

    def test_consolidated_payment_proposes_and_pays_bills_with_their_late_fee(self):
        form = Form(self.env["utility.consolidated.payment"].with_user(self.cashier))
        form.payer_id = self.env["res.partner"].create({"name": "Zhangwan village committee"})
        form.selection_mode = "list"
        form.partner_ids.add(self.customer_zhao)
        wizard = form.save()
        self.assertEqual(
            [(line.amount_due, line.amount) for line in wizard.line_ids], [(306.0, 306.0)]
        )
        wizard.action_confirm()
        self.assertEqual(wizard.payment_ids.amount, 306.0)
        self.assertEqual(self.overdue.payment_state, "paid")
        self.assertEqual(self._fee_invoice().payment_state, "paid")

    def test_counter_names_the_late_fee_and_its_bill_on_screen_and_receipt(self):
        counter = Form(self.env["utility.counter.payment"].with_user(self.cashier))
        counter.search_term = "0100000021"
        self.assertEqual(counter.amount_extra, 6.0)
        self.assertEqual(
            self.env["utility.counter.payment"]._fields["amount_extra"].string, "Late Fee"
        )
        counter.amount_tendered = 310.0
        wizard = counter.save()
        wizard.action_confirm()
        self.assertEqual((wizard.amount_due, wizard.amount_credit), (306.0, 0.0))
        fee = self._fee_invoice()
        self.assertEqual(fee._utility_receipt_label(), f"Late fee of {self.overdue.name}")
        content, _type = (
            self.env["ir.actions.report"]
            .with_user(self.cashier)
            ._render_qweb_pdf(
                "utility_payment_channels.action_report_utility_receipt", wizard.payment_id.ids
            )
        )
        self.assertIn(f"Late fee of {self.overdue.name}", content.decode())


@tagged("post_install", "-at_install")
class TestAgencyLinesClaimingOneBill(UtilityAgencyCase):
    """An agency file naming the same overdue bill twice (a payer paid at
    two outlets): the first line pays the bill and its late fee, the second
    is kept for an accountant, nothing is left unapplied."""

    def test_second_line_naming_a_bill_already_paid_by_the_file_is_kept(self):
        today = fields.Date.context_today(self.env.user)
        customer = self.env["res.partner"].create(
            {
                "name": "Qian Yu",
                "utility_customer_number": "0100000041",
                "utility_category": "residential",
            }
        )
        older = self._utility_bill(customer, 100.0, fields.Date.subtract(today, days=40))
        bill = self._utility_bill(customer, 300.0, fields.Date.subtract(today, days=20))
        paid_at = f"{fields.Date.to_string(today)} 10:00:00"
        agency_import = self._new_import(
            [
                f"D-1,{paid_at},0100000041,{bill.name},306.00,POST-CG",
                f"D-2,{paid_at},0100000041,{bill.name},306.00,POST-LZ",
                f"D-3,{paid_at},0100000002,,50.00,POST-CG",
                f"D-3,{paid_at},0100000002,,60.00,POST-CG",
            ]
        )
        agency_import.action_import()
        lines = agency_import.line_ids.sorted("line_no")
        self.assertEqual(
            [(line.txn_id, line.state, line.reason or "") for line in lines],
            [
                ("D-1", "booked", ""),
                ("D-2", "kept", "bill_not_open"),
                ("D-3", "booked", ""),
                ("D-3", "kept", "duplicate_conflict"),
            ],
        )
        self.assertEqual(lines[1].note, "Line 2 of this file already pays this bill.")
        self.assertEqual(
            lines[3].note,
            "Line 4 of this file has this transaction id with another customer, bill or amount.",
        )
        self.assertEqual(bill.payment_state, "paid")
        self.assertEqual(older.payment_state, "not_paid")
        self.assertFalse(lines[0].payment_id._utility_receivable_line(), "nothing unapplied")
