from datetime import datetime

import pytz

from odoo import fields, models


class ResCompany(models.Model):
    """The county's day and the counter's ceiling on prepaid top-ups."""

    _inherit = "res.company"

    utility_topup_approval_limit = fields.Monetary(
        string="Top-up Limit without Approval",
        currency_field="currency_id",
        default=2000.0,
        help="Prepaid credit a cashier or collector may take above what a customer owes. "
        "A larger top-up needs the approval of a Collection Manager.",
    )

    def _utility_tz(self):
        """Name of the time zone the company's payments and late fees are
        dated in: the company's, never that of the user booking them (a
        terminal's technical user, an accountant abroad)."""
        self.ensure_one()
        return self.partner_id.tz or "UTC"

    def _utility_today(self, tz_name=None):
        """Today in the company's time zone (or ``tz_name``)."""
        tz = pytz.timezone(tz_name or self._utility_tz())
        return fields.Datetime.now().replace(tzinfo=pytz.utc).astimezone(tz).date()

    def _utility_local_date(self, moment, tz_name=None):
        """The local day of the UTC datetime ``moment``."""
        tz = pytz.timezone(tz_name or self._utility_tz())
        return datetime.combine(moment.date(), moment.time(), pytz.utc).astimezone(tz).date()
