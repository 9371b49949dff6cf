from odoo.tests import HttpCase, tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestBillDeliveryPortal(UtilityArrearsCase, HttpCase):
    def test_bill_opened_from_its_link_is_held_by_the_customer(self):
        bill = self._make_bill(self.customer, 120.0, "2025-03-25", invoice_date="2025-03-05")
        other = self._make_bill(self.customer, 80.0, "2025-03-25", invoice_date="2025-03-05")
        self.assertFalse(bill.utility_bill_held)
        token = bill._portal_ensure_token()
        # a wrong token shows nothing and delivers nothing
        self.url_open(f"/my/invoices/{other.id}?access_token=wrong")
        response = self.url_open(f"/my/invoices/{bill.id}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        bill.invalidate_recordset()
        other.invalidate_recordset()
        self.assertEqual(bill.utility_bill_delivery, "portal")
        self.assertTrue(bill.utility_bill_held)
        self.assertFalse(other.utility_bill_held)
