import cn2an

from odoo import models


class ResCurrency(models.Model):
    """Amounts in words as printed on bills and receipts."""

    _inherit = "res.currency"

    def _utility_amount_to_words(self, amount):
        """``amount`` in words: Chinese capitals for CNY (e.g. 壹佰捌拾肆元整,
        壹佰元零伍分), the currency's own wording otherwise. The sign is
        dropped: documents print what is owed or paid."""
        self.ensure_one()
        amount = self.round(abs(amount))
        if self.name == "CNY":
            return cn2an.an2cn(f"{amount:.2f}", "rmb")
        return self.amount_to_text(amount)
