import io
import zipfile
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .agency_common import UtilityAgencyCase


@tagged("post_install", "-at_install")
class TestAgencySettlement(UtilityAgencyCase):
    """Three customers pay 100, 120 and 80 at the post office (gross 300)."""

    def setUp(self):
        super().setUp()
        self.today = fields.Date.context_today(self.env["account.payment"])
        self.payments = self.env["account.payment"]
        for number, (amount, outlet) in enumerate(
            ((100.0, self.outlet_cg), (120.0, self.outlet_lz), (80.0, self.outlet_cg)), start=1
        ):
            self.payments |= self.env["account.payment"]._utility_pay(
                self.customer,
                amount,
                outlet,
                external_txn_id=f"S-{number}",
                txn_scope=self.agency._utility_txn_scope(),
                journal=self.agency.journal_id,
            )

    def _settlement(self):
        settlement = self.env["utility.agency.settlement"].create(
            {
                "agency_id": self.agency.id,
                "date_from": self.today,
                "date_to": self.today,
                "bank_journal_id": self.bank_journal.id,
            }
        )
        settlement.action_load_payments()
        return settlement

    def test_agency_journal_and_account_are_named_in_every_language(self):
        """The agency's journal and clearing account are made once, by a job
        or the demo as well: a user in zh_CN reads their Chinese names."""
        self.env["res.lang"]._activate_lang("zh_CN")
        agency = self.env["utility.agency"].create(
            {
                "name": "Rural Bank",
                "code": "RCB",
                "partner_id": self.post_partner.id,
                "bank_journal_id": self.bank_journal.id,
            }
        )
        agency.with_context(lang=None).action_create_journal()
        self.assertEqual(agency.journal_id.with_context(lang="en_US").name, "Agency Rural Bank")
        self.assertEqual(agency.journal_id.with_context(lang="zh_CN").name, "代收机构 Rural Bank")
        self.assertEqual(
            agency.clearing_account_id.with_context(lang="zh_CN").name,
            "代收机构 Rural Bank 应付金额",
        )

    def test_commission_floor_applies_to_a_small_settlement(self):
        # 3 x 0.50 + 0.2% x 300 = 2.10, below the floor of 10
        settlement = self._settlement()
        self.assertEqual(settlement.payment_ids, self.payments)
        self.assertEqual(settlement.payment_count, 3)
        self.assertEqual(settlement.gross_amount, 300.0)
        self.assertEqual(settlement.commission_amount, 10.0)
        self.assertEqual(settlement.net_amount, 290.0)

    def test_commission_cap_applies_to_a_large_settlement(self):
        # 3 x 0.50 + 10% x 300 = 31.50, above the cap of 20
        self.agency.write({"commission_rate": 10.0, "commission_max": 20.0})
        settlement = self._settlement()
        self.assertEqual(settlement.commission_amount, 20.0)
        self.assertEqual(settlement.net_amount, 280.0)

    def test_commission_between_floor_and_cap_is_currency_rounded(self):
        # 3 x 0.50 + 1.234% x 300 = 1.50 + 3.702 = 5.20
        self.agency.write({"commission_rate": 1.234, "commission_min": 0.0})
        settlement = self._settlement()
        self.assertEqual(settlement.commission_amount, 5.2)
        self.assertEqual(settlement.net_amount, 294.8)

    def test_settled_period_leaves_the_clearing_account_at_zero(self):
        self.assertEqual(self._clearing_balance(), 300.0)
        ageing = self.env["utility.agency.ageing"].search([("agency_id", "=", self.agency.id)])
        self.assertEqual(sum(ageing.mapped("amount_residual")), 300.0)
        settlement = self._settlement()
        settlement.action_confirm()
        self.assertEqual(settlement.state, "confirmed")
        commission_line = settlement.commission_move_id.line_ids.filtered(
            lambda line: line.account_id == self.agency.commission_account_id
        )
        self.assertEqual(commission_line.debit, 10.0)
        self.assertEqual(self._clearing_balance(), 290.0)
        settlement.action_reconcile_bank()
        self.assertEqual(settlement.state, "reconciled")
        self.assertEqual(settlement.statement_line_id.amount, 290.0)
        self.assertTrue(settlement.statement_line_id.is_reconciled)
        self.assertEqual(self._clearing_balance(), 0.0)
        clearing_lines = self.env["account.move.line"].search(
            [("account_id", "=", self.agency.clearing_account_id.id)]
        )
        self.assertTrue(all(clearing_lines.mapped("reconciled")))
        self.assertEqual(self.agency.amount_due, 0.0)
        self.assertFalse(
            self.env["utility.agency.ageing"].search([("agency_id", "=", self.agency.id)])
        )
        # a settled payment is never settled again
        self.assertFalse(self._settlement().payment_ids)

    def test_biller_settles_by_trade_date_and_leaves_reversed_payments_out(self):
        """A biller's transfer of a day covers the payments it dates that
        day (清算日期), whatever day they were booked; a reversed payment is
        in no transfer."""
        self.agency.kind = "biller"
        tomorrow = self.today + timedelta(days=1)
        late = self.env["account.payment"]._utility_pay(
            self.customer,
            50.0,
            self.outlet_cg,
            external_txn_id="S-LATE",
            txn_scope=self.agency._utility_txn_scope(),
            journal=self.agency.journal_id,
            trade_date=tomorrow,
        )
        self.payments[1].action_utility_reverse("Customer paid twice")
        settlement = self._settlement()
        self.assertEqual(settlement.payment_ids, self.payments[0] | self.payments[2])
        self.assertEqual(settlement.gross_amount, 180.0)
        next_day = self.env["utility.agency.settlement"].create(
            {"agency_id": self.agency.id, "date_from": tomorrow, "date_to": tomorrow}
        )
        next_day.action_load_payments()
        self.assertEqual(next_day.payment_ids, late)

    def test_transfer_already_on_the_bank_statement_is_matched(self):
        st_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": self.today,
                "amount": 290.0,
                "payment_ref": "CHINA POST SETTLEMENT",
            }
        )
        settlement = self._settlement()
        settlement.action_confirm()
        settlement.statement_line_id = st_line
        settlement.action_reconcile_bank()
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(self._clearing_balance(), 0.0)

    def test_transfer_of_another_amount_is_refused(self):
        st_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": self.today,
                "amount": 250.0,
                "payment_ref": "X",
            }
        )
        settlement = self._settlement()
        settlement.action_confirm()
        settlement.statement_line_id = st_line
        with self.assertRaisesRegex(UserError, "owes"):
            settlement.action_reconcile_bank()
        self.assertEqual(self._clearing_balance(), 290.0)

    def test_settlement_statement_is_an_xlsx_workbook(self):
        settlement = self._settlement()
        settlement.action_confirm()
        content, report_type = self.env["ir.actions.report"]._render(
            "utility_payment_channels.agency_settlement_xlsx", settlement.ids
        )
        self.assertEqual(report_type, "xlsx")
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            strings = workbook.read("xl/sharedStrings.xml").decode()
        self.assertIn("S-2", strings)
        self.assertIn(settlement.name, strings)

    # -- the accountant's screens (issue 21) --------------------------------------
    def _accountant(self):
        return new_test_user(
            self.env,
            login="utility_accountant",
            groups="utility_billing.group_utility_accountant",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )

    def test_accountant_creates_a_settlement_with_new_and_reconciles_the_transfer(self):
        """Before: New crashed (no currency on an empty agency) and creating
        the transfer's bank statement line was refused to the accountant."""
        accountant = self._accountant()
        form = Form(self.env["utility.agency.settlement"].with_user(accountant))
        self.assertEqual(form.gross_amount, 0.0)
        form.agency_id = self.agency
        self.assertEqual(form.bank_journal_id, self.bank_journal)
        form.date_from = self.today
        form.date_to = self.today
        settlement = form.save()
        settlement.action_load_payments()
        self.assertEqual(settlement.gross_amount, 300.0)
        settlement.action_confirm()
        self.assertEqual(settlement.net_amount, 290.0)
        settlement.action_reconcile_bank()
        self.assertEqual(settlement.state, "reconciled")
        self.assertEqual(settlement.statement_line_id.amount, 290.0)
        self.assertEqual(self._clearing_balance(), 0.0)

    def _transactions_offered(self, settlement, user):
        """The bank transactions the settlement's picker lists to ``user``."""
        Settlement = settlement.with_user(user)
        field = Settlement._fields["statement_line_id"]
        domain = safe_eval(
            field._description_domain(Settlement.env),
            {
                "bank_journal_id": settlement.bank_journal_id.id,
                "company_id": settlement.company_id.id,
            },
        )
        return self.env["account.bank.statement.line"].with_user(user).search(domain)

    def test_bank_transaction_picker_lists_the_open_incoming_lines_of_the_agency_bank(self):
        accountant = self._accountant()
        StLine = self.env["account.bank.statement.line"]
        transfer, fee, other_bank = StLine.create(
            [
                {
                    "journal_id": self.bank_journal.id,
                    "date": self.today,
                    "amount": 290.0,
                    "payment_ref": "POST",
                },
                {
                    "journal_id": self.bank_journal.id,
                    "date": self.today,
                    "amount": -12.0,
                    "payment_ref": "FEE",
                },
                {
                    "journal_id": self.company_data["default_journal_cash"].id,
                    "date": self.today,
                    "amount": 290.0,
                    "payment_ref": "CASH",
                },
            ]
        )
        settlement = self._settlement().with_user(accountant)
        offered = self._transactions_offered(settlement, accountant)
        self.assertIn(transfer, offered)
        self.assertNotIn(fee, offered)
        self.assertNotIn(other_bank, offered)
        settlement.action_confirm()
        settlement.statement_line_id = transfer
        settlement.action_reconcile_bank()
        self.assertTrue(transfer.is_reconciled)
        # a matched transaction is offered no more
        self.assertNotIn(transfer, self._transactions_offered(self._settlement(), accountant))
