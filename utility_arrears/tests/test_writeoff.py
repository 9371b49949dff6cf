import base64

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tests import new_test_user, tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestWriteoff(UtilityArrearsCase):
    """Bad-debt write-off (账销案存), hand-computed: 张三's bill A 183.60 and
    its late-fee invoice A' 12.40, 李四's bill B 96.40, overdue more than a
    year, written off for 292.40: Dr 1231 196.00 (张三) + 96.40 (李四) /
    Cr 1122 183.60 + 12.40 + 96.40."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = {}
        for login, group in (
            ("wo_accountant", "utility_billing.group_utility_accountant"),
            ("wo_manager", "utility_billing.group_utility_manager"),
            ("wo_manager2", "utility_billing.group_utility_manager"),
            ("wo_reader", "utility_billing.group_utility_meter_reader"),
            ("wo_cashier", "utility_billing.group_utility_cashier"),
            ("wo_collector", "utility_billing.group_utility_field_collector"),
            ("wo_officer", "utility_billing.group_utility_billing_officer"),
        ):
            users[login] = new_test_user(
                cls.env,
                login=login,
                groups=group,
                company_id=cls.company.id,
                company_ids=cls.company.ids,
            )
        cls.users = users
        cls.today = fields.Date.context_today(cls.env["utility.writeoff.batch"])
        cls.zhang = cls._make_customer("张三", "0190000001")
        cls.li = cls._make_customer("李四", "0190000002")
        cls.bill_a = cls._make_bill(cls.zhang, 183.60, fields.Date.subtract(cls.today, days=400))
        cls.fee_a = cls._make_bill(cls.zhang, 12.40, fields.Date.subtract(cls.today, days=390))
        cls.fee_a.write({"utility_late_fee_bill_id": cls.bill_a.id})
        cls.bill_b = cls._make_bill(cls.li, 96.40, fields.Date.subtract(cls.today, days=380))
        # not due yet: never proposed
        cls.recent = cls._make_bill(cls.li, 50.00, fields.Date.add(cls.today, days=15))
        cls.hall = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan hall",
                "code": "CG-WO",
                "kind": "hall",
                "journal_id": cls.company_data["default_journal_cash"].id,
            }
        )
        cls.agency_point = cls.env["utility.collection.point"].create(
            {
                "name": "Chengguan post office",
                "code": "POST-WO",
                "kind": "agency",
                "journal_id": cls.bank_journal.id,
            }
        )

    # -- helpers -----------------------------------------------------------
    def _batch(self, user="wo_accountant", partners=None):
        Batch = self.env["utility.writeoff.batch"].with_user(self.users[user])
        batch = Batch.create(
            {
                "reason": "death",
                "reason_note": "户主已故，无继承人",
                "partner_ids": [Command.set((partners or (self.zhang | self.li)).ids)],
            }
        )
        batch.action_add_bills()
        attachment = (
            self.env["ir.attachment"]
            .with_user(self.users[user])
            .create(
                {
                    "name": "死亡证明.pdf",
                    "datas": base64.b64encode(b"%PDF-1.4 certificate"),
                    "res_model": "utility.writeoff.batch",
                    "res_id": batch.id,
                }
            )
        )
        batch.evidence_attachment_ids = [Command.link(attachment.id)]
        return batch

    def _submitted(self, user="wo_accountant"):
        batch = self._batch(user)
        batch.action_submit()
        return batch

    def _posted(self):
        batch = self._submitted()
        batch.with_user(self.users["wo_manager"]).action_approve()
        batch.action_post()
        return batch

    def _receivable_balance(self, partner):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ]
        )
        return self.company.currency_id.round(sum(lines.mapped("balance")))

    # -- posting -----------------------------------------------------------
    def test_add_bills_proposes_the_overdue_bills_and_their_late_fees(self):
        batch = self._batch()
        self.assertEqual(batch.line_ids.bill_id, self.bill_a | self.fee_a | self.bill_b)
        self.assertEqual(batch.amount_total, 292.40)
        self.assertEqual(batch.line_ids.filtered("is_late_fee").bill_id, self.fee_a)

    def test_writeoff_posts_against_the_allowance_and_reconciles(self):
        batch = self._posted()
        self.assertEqual(batch.state, "posted")
        self.assertRegex(batch.name, r"^WO/\d{4}/\d{4}$")
        move = batch.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.utility_entry_kind, "writeoff")
        self.assertEqual(move.journal_id.code, "UWO")
        allowance = self.company._utility_bad_debt_allowance_account()
        self.assertEqual(allowance.account_type, "asset_current")
        debits = move.line_ids.filtered(lambda line: line.account_id == allowance)
        self.assertEqual(
            sorted((line.partner_id.name, line.debit) for line in debits),
            [("张三", 196.00), ("李四", 96.40)],
        )
        credits = move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        self.assertEqual(sorted(credits.mapped("credit")), [12.40, 96.40, 183.60])
        self.assertEqual(sum(move.line_ids.mapped("debit")), 292.40)
        for bill in self.bill_a | self.fee_a | self.bill_b:
            self.assertEqual(bill.amount_residual, 0.0)
            self.assertEqual(bill.payment_state, "paid")
            self.assertEqual(bill.utility_collection_hold, "written_off")
            self.assertEqual(bill.utility_writeoff_line_id.batch_id, batch)
        self.assertEqual(self._receivable_balance(self.zhang), 0.0)
        self.assertEqual(batch.approved_by_id, self.users["wo_manager"])
        # the recent bill is untouched
        self.assertEqual(self.recent.amount_residual, 50.0)
        self.assertFalse(self.recent.utility_collection_hold)

    def test_submit_needs_evidence_and_an_explanation(self):
        batch = (
            self.env["utility.writeoff.batch"]
            .with_user(self.users["wo_accountant"])
            .create(
                {
                    "reason": "vanished",
                    "reason_note": "下落不明",
                    "partner_ids": [Command.set(self.li.ids)],
                }
            )
        )
        batch.action_add_bills()
        with self.assertRaisesRegex(UserError, "evidence"):
            batch.action_submit()
        self.assertEqual(batch.state, "draft")

    def test_writeoff_needs_a_validated_tier_review(self):
        batch = self._submitted()
        self.assertEqual(batch.state, "to_approve")
        self.assertEqual(batch.validation_status, "pending")
        with self.assertRaisesRegex(UserError, "not approved"):
            batch.action_post()
        self.assertFalse(batch.move_id)
        self.assertEqual(self.bill_a.amount_residual, 183.60)
        # a rejection sends it back to draft, unposted
        batch.with_user(self.users["wo_manager"]).action_reject()
        self.assertEqual(batch.state, "draft")
        self.assertEqual(batch.validation_status, "rejected")
        # submitted again: a fresh review
        batch.action_submit()
        self.assertEqual(batch.validation_status, "pending")

    def test_submitter_cannot_approve(self):
        batch = self._submitted(user="wo_manager")
        with self.assertRaisesRegex(UserError, "another Collection Manager"):
            batch.with_user(self.users["wo_manager"]).action_approve()
        # nor through base_tier_validation's own method
        with self.assertRaisesRegex(UserError, "another Collection Manager"):
            batch.with_user(self.users["wo_manager"]).validate_tier()
        self.assertEqual(batch.validation_status, "pending")
        batch.with_user(self.users["wo_manager2"]).action_approve()
        self.assertEqual(batch.validation_status, "validated")
        batch.with_user(self.users["wo_manager"]).action_post()
        self.assertEqual(batch.state, "posted")

    def test_accountant_cannot_approve(self):
        batch = self._submitted()
        with self.assertRaises(AccessError):
            batch.with_user(self.users["wo_accountant"]).action_approve()
        # nor through base_tier_validation's own method
        with self.assertRaises(UserError):
            batch.with_user(self.users["wo_accountant"]).validate_tier()
        # validate_tier by a user who is not a reviewer approves nothing
        batch.with_user(self.users["wo_officer"]).validate_tier()
        self.assertEqual(batch.validation_status, "pending")

    def test_review_status_cannot_be_forged_over_rpc(self):
        batch = self._submitted()
        review = batch.review_ids
        self.assertEqual(len(review), 1)
        for login in ("wo_reader", "wo_cashier", "wo_collector", "wo_officer", "wo_accountant"):
            user = self.users[login]
            Review = self.env["tier.review"].with_user(user)
            with self.subTest(login=login):
                with self.assertRaises(AccessError):
                    Review.browse(review.id).write(
                        {
                            "status": "approved",
                            "done_by": self.users["wo_manager"].id,
                            "reviewed_date": fields.Datetime.now(),
                        }
                    )
                with self.assertRaises(AccessError):
                    Review.browse(review.id).write({"done_by": self.users["wo_manager"].id})
                with self.assertRaises(AccessError):
                    Review.create(
                        {
                            "model": "utility.writeoff.batch",
                            "res_id": batch.id,
                            "status": "approved",
                            "done_by": self.users["wo_manager"].id,
                        }
                    )
                with self.assertRaises(AccessError):
                    Review.browse(review.id).unlink()
        # through the batch's own one2many neither
        with self.assertRaises(AccessError):
            batch.with_user(self.users["wo_accountant"]).write(
                {"review_ids": [Command.create({"status": "approved"})]}
            )
        batch.invalidate_recordset()
        self.assertEqual(batch.validation_status, "pending")
        with self.assertRaises(UserError):
            batch.action_post()
        self.assertEqual(batch.state, "to_approve")
        self.assertFalse(batch.move_id)

    def test_state_and_lines_cannot_be_forged(self):
        batch = self._batch()
        Batch = self.env["utility.writeoff.batch"].with_user(self.users["wo_accountant"])
        with self.assertRaises(AccessError):
            Batch.browse(batch.id).write({"state": "posted"})
        Line = self.env["utility.writeoff.line"].with_user(self.users["wo_accountant"])
        with self.assertRaises(AccessError):
            Line.browse(batch.line_ids[0].id).write({"amount": 1.0})
        # a bill slipped in through RPC that is not a candidate is refused
        Line.create({"batch_id": batch.id, "bill_id": self.recent.id})
        with self.assertRaisesRegex(UserError, self.recent.name):
            batch.action_submit()
        self.assertEqual(batch.state, "draft")

    def test_written_off_bill_appears_in_no_chasing_channel(self):
        Move = self.env["account.move"]
        level = self.env["utility.arrears.level"].search([], limit=1)
        dunning = False
        if level:
            dunning = self.env["utility.dunning.action"].create(
                {"bill_id": self.bill_a.id, "level_id": level.id, "channel": level.channel}
            )
        self._posted()
        written_off = self.bill_a | self.fee_a | self.bill_b
        ids = Domain("id", "in", written_off.ids)
        self.assertFalse(Move.search(Move._utility_open_bill_domain() & ids))
        self.assertFalse(Move.search(Move._utility_chased_bill_domain() & ids))
        (self.zhang | self.li)._utility_refresh_arrears()
        self.assertEqual(self.zhang.utility_amount_overdue, 0.0)
        self.assertEqual(self.li.utility_amount_overdue, 0.0)
        ageing = self.env["utility.arrears.ageing"].search([("partner_id", "=", self.zhang.id)])
        self.assertFalse(ageing)
        # dunning: the run's overdue rows
        run = self.env["utility.dunning.run"].create({"company_id": self.company.id})
        self.assertFalse({row[0] for row in run._overdue_bill_rows()} & set(written_off.ids))
        # disconnection: the customer's overdue bills
        Order = self.env["utility.disconnection.order"]
        self.assertFalse(Order._overdue_bills(self.zhang) | Order._overdue_bills(self.li))
        # warnings: the open bills of the due / overdue rules
        rule = self.env["utility.warning.rule"].new({"company_id": self.company.id})
        self.assertFalse(rule._open_bills(Domain("id", "in", written_off.ids)))
        if dunning:
            self.assertEqual(dunning.state, "skipped")

    # -- recovery ----------------------------------------------------------
    def test_later_payment_recovers_by_reversal_then_payment(self):
        batch = self._posted()
        payment = self.env["account.payment"]._utility_pay(self.zhang, 100.0, self.hall)
        reversal = self.env["account.move"].search(
            [("utility_entry_kind", "=", "writeoff_reversal"), ("partner_id", "=", self.zhang.id)]
        ) or self.env["account.move"].search([("utility_entry_kind", "=", "writeoff_reversal")])
        self.assertEqual(len(reversal), 1)
        receivable = reversal.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        self.assertEqual(sorted(receivable.mapped("debit")), [12.40, 87.60])
        allowance = self.company._utility_bad_debt_allowance_account()
        self.assertEqual(
            reversal.line_ids.filtered(lambda line: line.account_id == allowance).credit, 100.0
        )
        line_a = batch.line_ids.filtered(lambda line: line.bill_id == self.bill_a)
        line_fee = batch.line_ids.filtered(lambda line: line.bill_id == self.fee_a)
        self.assertEqual(
            (line_fee.amount, line_fee.amount_recovered, line_fee.amount_outstanding),
            (12.40, 12.40, 0.0),
        )
        self.assertEqual(
            (line_a.amount, line_a.amount_recovered, line_a.amount_outstanding),
            (183.60, 87.60, 96.00),
        )
        self.assertEqual(line_a.reversal_move_ids, reversal)
        # the payment paid exactly what was recovered: nothing open, no credit
        self.assertEqual(self.bill_a.amount_residual, 0.0)
        self.assertEqual(self.fee_a.amount_residual, 0.0)
        self.assertTrue(payment.move_id.line_ids.filtered("account_id.reconcile").reconciled)
        self.assertEqual(self._receivable_balance(self.zhang), 0.0)
        # still in the register, still not chased
        self.assertEqual(self.bill_a.utility_collection_hold, "written_off")
        # a second payment recovers the rest, then leaves credit
        self.env["account.payment"]._utility_pay(self.zhang, 100.0, self.hall)
        self.assertEqual((line_a.amount_recovered, line_a.amount_outstanding), (183.60, 0.0))
        self.assertEqual(self._receivable_balance(self.zhang), -4.0)

    def test_recovery_in_an_agency_batch(self):
        batch = self._posted()
        results = self.env["account.payment"]._utility_pay_batch(
            [{"partner": self.li, "amount": 100.0, "collection_point": self.agency_point}]
        )
        self.assertEqual(len(results), 1)
        line_b = batch.line_ids.filtered(lambda line: line.bill_id == self.bill_b)
        # 李四 owes the recent 50.00 first: 50.00 recovers B
        self.assertEqual(self.recent.amount_residual, 0.0)
        self.assertEqual((line_b.amount_recovered, line_b.amount_outstanding), (50.0, 46.40))
        self.assertEqual(self.bill_b.amount_residual, 0.0)
        self.assertEqual(self._receivable_balance(self.li), 0.0)

    def test_two_payments_of_one_payer_in_one_agency_batch(self):
        batch = self._posted()
        results = self.env["account.payment"]._utility_pay_batch(
            [
                {"partner": self.li, "amount": 100.0, "collection_point": self.agency_point},
                {"partner": self.li, "amount": 100.0, "collection_point": self.agency_point},
            ]
        )
        self.assertEqual(len(results), 2)
        line_b = batch.line_ids.filtered(lambda line: line.bill_id == self.bill_b)
        # the first pays the recent 50.00 and recovers 50.00 of B; the second
        # recovers the other 46.40 of B and pays it, 53.60 is left as credit
        self.assertEqual(self.recent.amount_residual, 0.0)
        self.assertEqual((line_b.amount_recovered, line_b.amount_outstanding), (96.40, 0.0))
        self.assertEqual(self.bill_b.amount_residual, 0.0)
        self.assertEqual(self._receivable_balance(self.li), -53.60)
        allowance = self.company._utility_bad_debt_allowance_account()
        reversals = self.env["account.move"].search(
            [("utility_entry_kind", "=", "writeoff_reversal")]
        )
        self.assertEqual(
            sum(
                reversals.line_ids.filtered(lambda line: line.account_id == allowance).mapped(
                    "credit"
                )
            ),
            96.40,
        )

    def test_a_payment_for_open_bills_recovers_nothing(self):
        batch = self._posted()
        self.env["account.payment"]._utility_pay(self.li, 50.0, self.hall)
        self.assertEqual(self.recent.amount_residual, 0.0)
        self.assertFalse(sum(batch.line_ids.mapped("amount_recovered")))
