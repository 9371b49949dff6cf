from odoo import api, fields, models


class PaymentTransaction(models.Model):
    """Online prepaid top-ups: a transaction paid from the portal for a
    contract, without invoices. Once confirmed, the payment module books an
    ordinary customer payment; its credit is the prepaid balance and first
    settles bills still open, oldest first."""

    _inherit = "payment.transaction"

    utility_contract_id = fields.Many2one(
        comodel_name="utility.contract",
        string="Topped-up Contract",
        readonly=True,
        index="btree_not_null",
        help="Prepaid contract this online payment tops up.",
    )

    @api.model
    def _compute_reference_prefix(self, separator, **values):
        contract_id = values.get("utility_contract_id")
        if contract_id and not values.get("invoice_ids"):
            contract = self.env["utility.contract"].sudo().browse(contract_id).exists()
            if contract:
                return self.env._("TOPUP-%s", contract.name)
        return super()._compute_reference_prefix(separator, **values)

    def _post_process(self):  # pylint: disable=missing-return
        super()._post_process()
        topups = self.filtered(
            lambda tx: tx.state == "done" and tx.utility_contract_id and tx.payment_id
        )
        if topups:
            partners = topups.partner_id.commercial_partner_id
            Move = self.env["account.move"]
            open_bills = Move.search(Move._utility_open_bill_domain(partners))
            self.env["account.move"]._utility_apply_prepaid(open_bills._utility_is_bill())
