from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestDepositChasing(UtilityArrearsCase):
    """A security deposit invoice is an open item the customer pays, but
    never a bill: no late fee, no dunning action, no disconnection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["utility.arrears.policy"].create(
            {
                "name": "Residential",
                "company_id": cls.company.id,
                "category": "residential",
                "late_fee_current_rate": 1.0,
                "late_fee_earlier_rate": 1.0,
                "level_ids": [(0, 0, {"name": "SMS", "days_overdue": 3, "action": "sms"})],
            }
        )
        cls.env["utility.deposit.rule"].create(
            {
                "company_id": cls.company.id,
                "category": "residential",
                "contract_kind": "permanent",
                "amount": 300.0,
            }
        )
        cls.partner = cls._make_customer("Wang Fang", "0100000301", phone="+8613800000009")
        point = cls.env["utility.service.point"].create(
            {
                "name": "Wang Fang house",
                "station_id": cls.station.id,
                "partner_id": cls.partner.id,
                "company_id": cls.company.id,
            }
        )
        contract = cls.env["utility.contract"].create(
            {
                "partner_id": cls.partner.id,
                "service_point_id": point.id,
                "tariff_id": cls.tariff.id,
                "company_id": cls.company.id,
                "date_start": "2024-01-01",
            }
        )
        contract.action_activate()
        cls.deposit = contract.deposit_invoice_ids
        cls.later = fields.Date.today() + timedelta(days=60)

    def test_deposit_bears_no_late_fee_and_is_never_chased(self):
        self.assertEqual(self.deposit.amount_residual, 300.0)
        self.assertLess(self.deposit.invoice_date_due, self.later)
        self.assertFalse(self.deposit._utility_late_fee_eligible())
        self.assertFalse(self.deposit._utility_late_fee_details(self.later))
        run = self.env["utility.dunning.run"].create(
            {"company_id": self.company.id, "date": self.later}
        )
        run.with_context(queue_job__no_delay=True).action_run()
        actions = self.env["utility.dunning.action"].search([("bill_id", "=", self.deposit.id)])
        self.assertFalse(actions)
        overdue = self.env["utility.disconnection.order"]._overdue_bills(self.partner, self.later)
        self.assertNotIn(self.deposit, overdue)
        # the overdue amount behind the TV feed and the warnings leaves it out
        self.env["res.partner"]._utility_refresh_arrears(self.partner, self.later)
        self.assertEqual(self.partner.utility_amount_overdue, 0.0)
        # a bill of the same customer, as overdue, is chased
        bill = self._make_bill(self.partner, 50.0, fields.Date.today())
        self.assertTrue(bill._utility_late_fee_eligible())
        self.assertIn(
            bill, self.env["utility.disconnection.order"]._overdue_bills(self.partner, self.later)
        )
