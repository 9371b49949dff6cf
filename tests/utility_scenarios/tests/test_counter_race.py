from odoo import fields
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestCounterRace(TransactionCase):
    """Two cashiers paying the same bill at the same moment, with two real
    database connections: while one counter holds the bill, the other gets a
    clear message and books nothing; once the first is done, paying works."""

    def test_second_counter_paying_a_bill_being_paid_gets_a_clear_message(self):
        session = self.env.ref("utility_payment_channels.session_cg_open", raise_if_not_found=False)
        if not session:
            self.skipTest("needs the demo data (make test installs it)")
        bill = self.env["account.move"].search(
            [
                ("company_id", "=", session.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
            ],
            limit=1,
        )
        self.assertTrue(bill, "the demo billing leaves open bills")
        cashier = session.user_id
        payments_before = self.env["account.payment"].search_count([])
        # the other counter: its own connection, holding the bill's row
        other = db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SELECT id FROM account_move WHERE id = %s FOR UPDATE", [bill.id])
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(UserError, "being paid at another counter"),
            ):
                session.with_user(cashier)._utility_pay(
                    bill.partner_id, bill.amount_residual, bills=bill
                )
            self.assertEqual(self.env["account.payment"].search_count([]), payments_before)
        finally:
            other.rollback()
            other.close()
        # the bill with its late fee to date, as the counter screen shows it to
        # the cashier: on the cashier's date (Asia/Shanghai in the demo data; the
        # test user's date, Europe/Brussels, is a day behind from 16:00 UTC)
        counter = self.env["utility.counter.payment"].with_user(cashier)
        cashier_today = fields.Date.context_today(counter)
        due = bill.amount_residual + counter._utility_extra_due(
            bill.with_user(cashier), cashier_today
        )
        payment = session.with_user(cashier)._utility_pay(bill.partner_id, due, bills=bill)
        self.assertIn(bill, payment.utility_bill_ids)
        self.assertTrue(bill.currency_id.is_zero(bill.amount_residual))
