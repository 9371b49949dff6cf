import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.utility_payment_channels.controllers.openapi import OPENAPI_DOCUMENT

from .agency_common import UtilityAgencyCase

API = "/utility/api/v1"


@tagged("post_install", "-at_install")
class TestTerminalReversal(UtilityAgencyCase, HttpCase):
    """Reversal (冲正) over real HTTP: ``POST /payments/<id>/reversal`` by a
    third-party biller's terminal. The customer owes 100.00, 120.00 and
    80.00 (not yet due: no late fee); the biller pays the first bill and
    20.00 of the second, then reverses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency.kind = "biller"
        cls.biller_terminal, cls.biller_terminal_2, cls.other_atm = cls.env[
            "utility.payment.terminal"
        ].create(
            [
                {"name": "Alipay gateway", "collection_point_id": cls.outlet_cg.id},
                {"name": "Alipay gateway 2", "collection_point_id": cls.outlet_lz.id},
                {
                    "name": "Chengguan ATM",
                    "collection_point_id": cls.env["utility.collection.point"]
                    .create(
                        {
                            "name": "Chengguan ATM",
                            "code": "ATM-1",
                            "kind": "terminal",
                            "journal_id": cls.bank_journal.id,
                        }
                    )
                    .id,
                },
            ]
        )
        cls.key = cls.biller_terminal.action_generate_key()["params"]["message"]
        cls.key_2 = cls.biller_terminal_2.action_generate_key()["params"]["message"]
        cls.atm_key = cls.other_atm.action_generate_key()["params"]["message"]

    # -- helpers --------------------------------------------------------------
    def _call(self, path, body=None, key=None, raw=None, method=None):
        headers = {"Authorization": f"Bearer {key or self.key}"}
        data = None
        if body is not None or raw is not None:
            headers["Content-Type"] = "application/json"
            data = raw if raw is not None else json.dumps(body)
        method = method or ("POST" if data is not None or path.endswith("/reversal") else "GET")
        response = self.url_open(API + path, data=data, headers=headers, method=method)
        self._check_against_openapi(path, method, response)
        self.env.invalidate_all()
        return response

    def _check_against_openapi(self, path, method, response):
        """Every answer must be one the published OpenAPI document describes."""
        try:
            from openapi_schema_validator import OAS30Validator
        except ImportError:  # pragma: no cover - validator missing on this machine
            return
        if response.status_code == 405:
            return
        if path.endswith("/reversal"):
            operation = OPENAPI_DOCUMENT["paths"]["/payments/{terminal_txn_id}/reversal"]["post"]
        elif method == "POST":
            operation = OPENAPI_DOCUMENT["paths"]["/payments"]["post"]
        else:
            operation = OPENAPI_DOCUMENT["paths"]["/payments/{terminal_txn_id}"]["get"]
        documented = operation["responses"].get(str(response.status_code))
        self.assertTrue(
            documented,
            f"status {response.status_code} of {path} is not documented: {response.text[:300]}",
        )
        schema = dict(documented["content"]["application/json"]["schema"])
        schema["components"] = OPENAPI_DOCUMENT["components"]
        OAS30Validator(schema).validate(response.json())

    def _pay(self, txn_id, amount=120.0, key=None, **extra):
        body = {"customer_number": "0100000002", "amount": amount, "terminal_txn_id": txn_id}
        body.update(extra)
        response = self._call("/payments", body, key=key)
        return response

    def _reverse(self, txn_id, reason=None, key=None, raw=None):
        body = {"reason": reason} if reason is not None else None
        return self._call(f"/payments/{txn_id}/reversal", body, key=key, raw=raw)

    def _assert_error(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json()["code"], code, response.text)

    def _payment(self, txn_id):
        return self.env["account.payment"].search([("utility_external_txn_id", "=", txn_id)])

    def _balance(self, account, partner=None):
        domain = [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        if partner:
            domain.append(("partner_id", "=", partner.id))
        lines = self.env["account.move.line"].search(domain)
        return self.env.company.currency_id.round(sum(lines.mapped("balance")))

    # -- tests ----------------------------------------------------------------
    def test_reversal_cancels_the_payment_and_reopens_the_bills_as_before(self):
        receivable = self.customer.property_account_receivable_id
        self.assertEqual(self._balance(receivable, self.customer), 300.0)
        self.assertEqual(self._clearing_balance(), 0.0)
        paid = self._pay("ALI-0001")
        self.assertEqual(paid.status_code, 201, paid.text)
        self.assertEqual(self._balance(receivable, self.customer), 180.0)
        self.assertEqual(self._clearing_balance(), 120.0)
        jan, feb, _mar = self.bills
        self.assertEqual((jan.payment_state, feb.amount_residual), ("paid", 100.0))

        response = self._reverse("ALI-0001", "支付宝扣款失败")
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "canceled")
        self.assertFalse(answer["duplicate"])
        self.assertEqual(answer["reason"], "支付宝扣款失败")
        self.assertEqual(answer["receipt"]["status"], "canceled")
        self.assertEqual(answer["receipt"]["payment_id"], paid.json()["payment_id"])
        self.assertEqual(answer["receipt"]["balance_due"], 300.0)
        # the bills, the customer's receivable and the biller's clearing
        # account exactly as before the payment
        self.assertEqual(jan.amount_residual, 100.0)
        self.assertEqual(jan.payment_state, "not_paid")
        self.assertEqual(feb.amount_residual, 120.0)
        self.assertEqual(self._balance(receivable, self.customer), 300.0)
        self.assertEqual(self._clearing_balance(), 0.0)
        # kept, cancelled, with the reason
        payment = self._payment("ALI-0001")
        self.assertEqual((payment.state, payment.move_id.state), ("canceled", "cancel"))
        self.assertEqual(payment.utility_cancel_reason, "支付宝扣款失败")
        chatter = " ".join(payment.message_ids.mapped("body"))
        self.assertIn("支付宝扣款失败", chatter)
        self.assertIn("Alipay gateway (terminal API reversal)", chatter)
        reversal = self.env["utility.payment.reversal"].search(
            [("terminal_txn_id", "=", "ALI-0001")]
        )
        self.assertEqual((reversal.state, reversal.payment_id), ("reversed", payment))
        # the status route shows it cancelled
        status = self._call("/payments/ALI-0001")
        self.assertEqual(status.json()["status"], "canceled")

    def test_second_reversal_answers_the_first_result(self):
        self._pay("ALI-0002")
        first = self._reverse("ALI-0002", "timeout").json()
        again = self._reverse("ALI-0002", "another reason")
        self.assertEqual(again.status_code, 200)
        second = again.json()
        self.assertTrue(second["duplicate"])
        self.assertEqual(
            {k: v for k, v in second.items() if k != "duplicate"},
            {k: v for k, v in first.items() if k != "duplicate"},
        )
        self.assertEqual(second["reason"], "timeout")
        # another terminal of the same biller: the same scope, the same answer
        self.assertTrue(self._reverse("ALI-0002", key=self.key_2).json()["duplicate"])
        self.assertEqual(self.env["utility.payment.reversal"].search_count([]), 1)

    def test_payment_sent_again_after_its_reversal_is_refused(self):
        self._pay("ALI-0003")
        self._reverse("ALI-0003")
        self._assert_error(self._pay("ALI-0003"), 409, "payment_reversed")
        self.assertEqual(len(self._payment("ALI-0003")), 1)
        self.assertEqual(self.bills[0].amount_residual, 100.0)

    def test_reversal_before_its_payment_bars_the_transaction_id(self):
        response = self._reverse("ALI-0004", "timed out, never confirmed")
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "not_booked")
        self.assertNotIn("receipt", answer)
        self._assert_error(self._pay("ALI-0004"), 409, "payment_reversed")
        self.assertFalse(self._payment("ALI-0004"))
        self.assertEqual(sum(self.bills.mapped("amount_residual")), 300.0)
        self._assert_error(self._call("/payments/ALI-0004"), 404, "payment_not_found")
        self.assertTrue(self._reverse("ALI-0004").json()["duplicate"])
        # the id is barred in the biller's scope only
        self.assertEqual(self._pay("ALI-0004", key=self.atm_key).status_code, 201)

    def test_another_terminal_s_payment_is_neither_reversed_nor_revealed(self):
        paid = self._pay("ATM-0001", key=self.atm_key)
        self.assertEqual(paid.status_code, 201)
        answer = self._reverse("ATM-0001").json()
        # the same answer as for an id nobody ever sent
        self.assertEqual(answer["status"], "not_booked")
        self.assertNotIn("receipt", answer)
        self.assertEqual(self._payment("ATM-0001").state, "in_process")
        self.assertEqual(self.bills[0].payment_state, "paid")
        self._assert_error(self._reverse("bad id!"), 404, "payment_not_found")

    def test_settled_payment_is_refused(self):
        self._pay("ALI-0005")
        settlement = self.env["utility.agency.settlement"].create(
            {"agency_id": self.agency.id, "bank_journal_id": self.bank_journal.id}
        )
        settlement.action_load_payments()
        self.assertEqual(settlement.payment_ids, self._payment("ALI-0005"))
        self._assert_error(self._reverse("ALI-0005"), 409, "payment_settled")
        self.assertEqual(self._payment("ALI-0005").state, "in_process")
        self.assertEqual(self._clearing_balance(), 120.0)
        self.assertFalse(self.env["utility.payment.reversal"].search([]))
        # once the settlement is cancelled, the day's payment is reversible
        settlement.action_cancel()
        self.assertEqual(self._reverse("ALI-0005").json()["status"], "canceled")

    def test_payment_of_a_closed_day_is_refused(self):
        self._pay("ALI-0006")
        payment = self._payment("ALI-0006")
        tomorrow = self.outlet_cg._utility_today() + timedelta(days=1)
        CollectionPoint = type(self.env["utility.collection.point"])
        with patch.object(CollectionPoint, "_utility_today", lambda point: tomorrow):
            self._assert_error(self._reverse("ALI-0006"), 409, "reversal_too_late")
        # a trade date of yesterday: the biller's day is closed
        payment.utility_trade_date = fields.Date.subtract(payment.date, days=1)
        self._assert_error(self._reverse("ALI-0006"), 409, "reversal_too_late")
        payment.utility_trade_date = payment.date
        # a lock date on the day
        self.env.company.fiscalyear_lock_date = payment.date
        self._assert_error(self._reverse("ALI-0006"), 409, "reversal_too_late")
        self.assertEqual(payment.state, "in_process")

    def test_payment_cancelled_by_the_company_or_booked_from_a_file_is_refused(self):
        self._pay("ALI-0007")
        self._payment("ALI-0007").action_utility_cancel(reason="Cancelled at the office")
        self._assert_error(self._reverse("ALI-0007"), 409, "payment_not_reversible")
        day = self.outlet_cg._utility_today()
        # an agency whose counters pay through the API and whose file books
        # the others (a biller's file books nothing by itself)
        self.agency.kind = "agency"
        imported = self._new_import([f"FILE-01,{day} 10:00:00,0100000003,,60.00,POST-CG"])
        imported.action_import()
        self.assertEqual(imported.line_ids.payment_id.state, "in_process")
        self._assert_error(self._reverse("FILE-01"), 409, "payment_not_reversible")

    def test_bad_reason_or_body_is_refused_and_changes_nothing(self):
        self._pay("ALI-0008")
        self._assert_error(self._reverse("ALI-0008", raw="{not json"), 422, "invalid_json")
        self._assert_error(self._reverse("ALI-0008", reason="x" * 501), 422, "invalid_field")
        self._assert_error(
            self._call("/payments/ALI-0008/reversal", {"reason": 5}), 422, "invalid_field"
        )
        self.assertEqual(self._payment("ALI-0008").state, "in_process")
        response = self._call("/payments/ALI-0008/reversal", method="GET")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response.headers["Allow"], "POST")
        self.assertEqual(response.json()["code"], "method_not_allowed")
        self._assert_error(self._reverse("ALI-0008", key="not-a-key"), 401, "unauthorized")
        self.assertEqual(self._payment("ALI-0008").state, "in_process")
