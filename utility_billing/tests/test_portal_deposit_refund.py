from odoo.tests import HttpCase, tagged

from .test_deposit import UtilityDepositCase


@tagged("post_install", "-at_install")
class TestPortalDepositRefund(UtilityDepositCase, HttpCase):
    """The customer sees the deposit held and the refund in progress on the
    contract page, and no other customer's."""

    def test_contract_page_shows_the_deposit_and_the_refund_in_progress(self):
        contract, _meter = self._new_customer("0100000201")
        partner = contract.partner_id
        self._pay(contract.deposit_invoice_ids)
        self._topup(183.60, partner=partner)
        request = self.env["utility.refund.request"].create(
            {
                "partner_id": partner.id,
                "company_id": self.company.id,
                "contract_id": contract.id,
                "reason": "duplicate",
                "reason_note": "paid twice",
                "amount": 183.60,
            }
        )
        request.action_submit()
        self._portal_user("portal_dr", partner)
        self.authenticate("portal_dr", "portal_dr")
        page = self.url_open(f"/my/utility/contracts/{contract.id}").text
        self.assertIn("o_utility_deposit_held", page)
        self.assertIn("300.00", page)
        self.assertIn("o_utility_refund_in_progress", page)
        self.assertIn(request.name, page)
        self.assertIn("183.60", page)
        # the customer of the default contract sees neither
        self._portal_user("portal_other", self.customer)
        self.authenticate("portal_other", "portal_other")
        page = self.url_open(f"/my/utility/contracts/{self.contract.id}").text
        self.assertNotIn(request.name, page)
        self.assertNotIn("o_utility_deposit_held", page)
