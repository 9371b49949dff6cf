from odoo import models


class ResPartner(models.Model):
    """The buyer details a customer's e-invoice requests start from."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def _utility_einvoice_buyer_defaults(self):
        """Buyer values of a new request of this customer (the portal form,
        the counter): those of the customer's last request, so that a
        business types its bank details once, else the customer's own
        name, tax id, address (in the Chinese order: province, city, street),
        phone, bank account and email, a special VAT invoice for a business
        with a tax id and an ordinary one for the others. The back office
        request, the portal form and the counter all start from these."""
        self.ensure_one()
        partner = self.commercial_partner_id
        last = (
            self.env["utility.einvoice.request"]
            .sudo()
            .search(
                # sudo: the caller (portal, counter) is about this very
                # customer, whose details it shows back to the same person
                [
                    ("partner_id", "=", partner.id),
                    ("state", "!=", "cancelled"),
                    ("buyer_name", "!=", False),
                ],
                order="id desc",
                limit=1,
            )
        )
        if last:
            return {
                "invoice_type": last.invoice_type,
                "buyer_name": last.buyer_name or "",
                "buyer_tax_id": last.buyer_tax_id or "",
                "buyer_address": last.buyer_address or "",
                "buyer_phone": last.buyer_phone or "",
                "buyer_bank": last.buyer_bank or "",
                "buyer_bank_account": last.buyer_bank_account or "",
                "buyer_email": last.buyer_email or "",
            }
        bank = partner.sudo().bank_ids[:1]
        address = " ".join(
            part
            for part in (partner.state_id.name, partner.city, partner.street, partner.street2)
            if part
        )
        return {
            "invoice_type": "special" if partner.is_company and partner.vat else "ordinary",
            "buyer_name": partner.name or "",
            "buyer_tax_id": partner.vat or "",
            "buyer_address": address,
            "buyer_phone": partner.phone or "",
            "buyer_bank": bank.bank_id.name or "",
            "buyer_bank_account": bank.acc_number or "",
            "buyer_email": partner.email or "",
        }
