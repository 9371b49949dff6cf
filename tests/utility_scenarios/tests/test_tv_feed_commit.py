import time

from odoo import fields
from odoo.tests import tagged

from .committed_common import CommittedScenarioCase

CUSTOMER = 57  # station B, a customer no other scenario pays


@tagged("post_install", "-at_install")
class TestTvFeedCommittedChange(CommittedScenarioCase):
    """The cable-TV operator polls the arrears feed while a transaction that
    changed a customer's arrears (a payment of an agency batch, a dunning
    batch) has not committed yet: the poll cannot see the change. Once it
    commits, the next poll, since the previous one, must send it: the change
    is dated when it is committed, not when it was made."""

    def test_change_committed_after_a_poll_is_sent_by_the_next_poll(self):
        setup = self._connection()
        env = self._env(setup)
        customer = self._partners(env, [CUSTOMER])
        bill = self._january_bills(env, [CUSTOMER])
        self.assertEqual(bill.payment_state, "not_paid")
        customer.utility_tv_account = f"TV-{self.scenario['token']}-{CUSTOMER}"
        operator = env["utility.tv.operator"].create(
            {"name": f"Cable TV {self.scenario['token']}", "company_id": customer.company_id.id}
        )
        env["res.partner"]._utility_refresh_arrears(customer)
        overdue_before = customer.utility_amount_overdue
        self.assertGreater(overdue_before, 0.0)
        setup.commit()

        # the booking transaction pays the bill (its arrears refresh stamps
        # the change) and goes on
        booking = self._connection()
        booking_env = self._env(booking)
        (
            booking_env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create(
                {
                    "amount": bill.amount_residual,
                    "journal_id": self.scenario["bank_journal_id"],
                    "payment_date": fields.Date.today(),
                }
            )
            .action_create_payments()
        )
        self.assertEqual(booking_env["account.move"].browse(bill.id).payment_state, "paid")
        # the operator polls in a later second, and cannot see the change yet
        time.sleep(1.1)
        polled_at = fields.Datetime.now()
        poll = self._connection()
        feed = self._env(poll)["utility.tv.operator"].browse(operator.id)
        self.assertNotIn(
            customer.utility_tv_account, [r["tv_account"] for r in feed._feed(polled_at)]
        )
        poll.rollback()

        booking.commit()
        rows = [r for r in feed._feed(polled_at) if r["tv_account"] == customer.utility_tv_account]
        self.assertEqual(len(rows), 1, "the change committed after the poll is sent by the next")
        self.assertLess(rows[0]["amount_overdue"], overdue_before)
        self.assertGreaterEqual(rows[0]["changed_at"], polled_at.isoformat() + "Z")
