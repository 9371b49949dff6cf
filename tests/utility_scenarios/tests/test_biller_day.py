"""A third-party biller's whole day, end to end, against a real server.

The biller's side is the biller client (``biller_client.py``: plain
``requests``, as an outside system writes it from the README and the
OpenAPI document): it signs every request, queries, pays, retries a
payment whose answer was lost and reverses one its own side failed. The
company's side is what its accountant and collection manager do the next
day: import the biller's reconciliation file, book the payment the company
never received, reverse the one the biller reports failed, and settle the
biller's net transfer with the bank statement.

Figures (hand-computed): the biller's file lists 100.00 + 60.00 + 30.00 =
190.00 in 3 lines; its fee is 0.10 a transaction, 0.30; its transfer is
189.70; the clearing account ends at zero."""

import base64

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.utility_payment_channels.tests.agency_common import UtilityAgencyCase

from .biller_client import BillerClient
from .test_biller_signature import LosesFirstAnswer


@tagged("post_install", "-at_install")
class TestBillerDay(UtilityAgencyCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app, cls.biller, cls.accountant = cls._create_biller(
            "ALIDAY",
            signature_required=True,
            commission_per_txn=0.10,
            commission_rate=0.0,
            commission_min=0.0,
            commission_max=0.0,
            commission_account_id=cls.company_data["default_account_expense"].id,
            bank_journal_id=cls.bank_journal.id,
        )
        cls.biller.action_create_journal()
        cls.gateway = cls.env["utility.payment.terminal"].create(
            {"name": "Alipay gateway", "collection_point_id": cls.app.id}
        )
        cls.key = cls.gateway.action_generate_key()["params"]["message"]
        cls.secret = cls.gateway.action_generate_signing_secret()["params"]["message"]
        today = fields.Date.context_today(cls.env.user)
        cls.customer_3, cls.customer_4 = cls.env["res.partner"].create(
            [
                {
                    "name": "Zhao Min",
                    "utility_customer_number": "0100000004",
                    "utility_category": "residential",
                },
                {
                    "name": "Sun Li",
                    "utility_customer_number": "0100000005",
                    "utility_category": "residential",
                },
            ]
        )
        due = fields.Date.add(today, days=15)
        cls.bill_3 = cls._utility_bill(cls.customer_3, 45.0, due)
        cls.bill_4 = cls._utility_bill(cls.customer_4, 30.0, due)
        cls.manager = new_test_user(
            cls.env,
            login="biller_day_manager",
            groups="utility_billing.group_utility_manager,account.group_account_user",
        )

    def _client(self, session=None):
        return BillerClient(self.base_url(), self.key, self.secret, session=session or self.opener)

    def _payment(self, txn_id):
        return self.env["account.payment"].search(
            [("utility_txn_key", "=", f"{self.biller._utility_txn_scope()}:{txn_id}")]
        )

    def _biller_file(self, day, rows):
        """The biller's next-day file: its lines, then its count and total."""
        total = sum(amount for _txn, _number, amount in rows)
        lines = ["txn_id,customer_number,amount"]
        lines += [f"{txn},{number},{amount:.2f}" for txn, number, amount in rows]
        lines.append(f"{len(rows)},{total:.2f}")
        return {
            "file": base64.b64encode(("\n".join(lines) + "\n").encode("utf-8")),
            "filename": f"alipay_{day.strftime('%Y%m%d')}.csv",
        }

    def test_a_day_with_a_retry_a_reversal_a_failed_and_a_lost_payment(self):
        client = self._client()
        today = self.app._utility_today()

        # --- the biller's day, over HTTP ---------------------------------
        # A: a customer's bills queried, the oldest paid
        response = client.bills("0100000002")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["total_due"], 300.0)
        response = client.pay("0100000002", 100.0, "ALI-0001")
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["trade_date"], fields.Date.to_string(today))
        # B: the answer is lost on the way back; the client sends it again
        response = self._client(LosesFirstAnswer(self.opener)).pay("0100000003", 60.0, "ALI-0002")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.json()["duplicate"])
        self.assertEqual(len(self._payment("ALI-0002")), 1)
        self.assertEqual(self.bill_2.payment_state, "paid")
        # C: paid, then reversed the same day by the biller (its debit failed)
        self.assertEqual(client.pay("0100000004", 45.0, "ALI-0003").status_code, 201)
        self.assertEqual(self.bill_3.amount_residual, 0.0)
        response = client.request(
            "POST", "/payments/ALI-0003/reversal", json={"reason": "支付宝扣款失败"}
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "canceled")
        self.assertEqual(self.bill_3.amount_residual, 45.0)
        # D: booked here; the biller's side fails without a reversal, its
        # file will not list it
        self.assertEqual(client.pay("0100000002", 120.0, "ALI-0004").status_code, 201)
        self.assertEqual(self.bills[1].amount_residual, 0.0)
        # E: ALI-0005 (customer 0100000005, 30.00) never reaches the company

        # --- the next day: the biller's file, imported by the accountant --
        Import = self.env["utility.agency.import"].with_user(self.accountant)
        recon = Import.create(
            {
                "agency_id": self.biller.id,
                **self._biller_file(
                    today,
                    [
                        ("ALI-0001", "0100000002", 100.0),
                        ("ALI-0002", "0100000003", 60.0),
                        ("ALI-0005", "0100000005", 30.0),
                    ],
                ),
            }
        )
        recon.action_import()
        self.assertEqual(recon.trade_date, today)
        self.assertEqual((recon.file_count, recon.file_total), (3, 190.0))
        self.assertEqual((recon.recon_matched_count, recon.recon_matched_total), (2, 160.0))
        self.assertEqual((recon.recon_kept_count, recon.recon_kept_total), (1, 30.0))
        self.assertEqual(recon.recon_booked_total, 0.0)
        # nothing dropped: file total = matched + booked from file + kept
        self.assertTrue(recon.recon_balanced)
        # booked here only: the payment the biller reports failed
        self.assertEqual(recon.recon_here_only_total, 120.0)
        here_only = recon.difference_ids.filtered(lambda d: d.kind == "api_only")
        self.assertEqual(here_only.payment_id, self._payment("ALI-0004"))
        # the reversed payment is on no side
        self.assertNotIn("ALI-0003", recon.line_ids.mapped("txn_id"))
        self.assertNotIn("ALI-0003", recon.difference_ids.mapped("txn_id"))
        # nothing booked by the import
        self.assertEqual(self.bill_4.amount_residual, 30.0)

        # the payment the company never received: booked once confirmed
        lost = recon.line_ids.filtered(lambda line: line.txn_id == "ALI-0005")
        self.assertEqual(lost.state, "kept")
        lost.with_user(self.accountant).action_book()
        self.assertEqual(lost.state, "resolved")
        self.assertEqual(self.bill_4.payment_state, "paid")
        booked = self._payment("ALI-0005")
        self.assertEqual(booked.utility_trade_date, today)
        self.assertEqual((recon.recon_booked_count, recon.recon_booked_total), (1, 30.0))
        self.assertEqual(recon.recon_kept_total, 0.0)
        self.assertTrue(recon.recon_balanced)
        # the biller retrying it now gets the booked payment, never a second
        response = client.pay("0100000005", 30.0, "ALI-0005")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.json()["duplicate"])
        self.assertEqual(response.json()["payment_id"], booked.id)

        # the payment the biller reports failed: reversed after review
        here_only.payment_id.with_user(self.manager).action_utility_reverse(
            "支付宝对账：对方交易失败"
        )
        self.assertEqual(self.bills[1].amount_residual, 120.0)
        recon.invalidate_recordset()
        self.assertEqual(recon.recon_here_only_total, 0.0)

        # --- the biller's net transfer --------------------------------
        Settlement = self.env["utility.agency.settlement"].with_user(self.accountant)
        settlement = Settlement.create(
            {
                "agency_id": self.biller.id,
                "date_from": today,
                "date_to": today,
                "bank_journal_id": self.bank_journal.id,
            }
        )
        settlement.action_load_payments()
        self.assertEqual(
            settlement.payment_ids,
            self._payment("ALI-0001") | self._payment("ALI-0002") | booked,
        )
        self.assertEqual(settlement.gross_amount, 190.0)
        settlement.action_confirm()
        self.assertEqual(settlement.commission_amount, 0.30)
        self.assertEqual(settlement.net_amount, 189.70)
        transfer = (
            self.env["account.bank.statement.line"]
            .with_user(self.accountant)
            .create(
                {
                    "journal_id": self.bank_journal.id,
                    "date": today,
                    "amount": 189.70,
                    "payment_ref": "支付宝 生活缴费 结算",
                    "partner_id": self.biller.partner_id.id,
                }
            )
        )
        settlement.statement_line_id = transfer
        settlement.action_reconcile_bank()
        self.assertEqual(settlement.state, "reconciled")
        clearing = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.biller.clearing_account_id.id),
                ("parent_state", "=", "posted"),
            ]
        )
        self.assertAlmostEqual(sum(clearing.mapped("balance")), 0.0, places=2)
        self.assertEqual(self.biller.amount_due, 0.0)
        fee = settlement.commission_move_id.line_ids.filtered(
            lambda line: line.account_id == self.biller.commission_account_id
        )
        self.assertEqual(fee.debit, 0.30)
