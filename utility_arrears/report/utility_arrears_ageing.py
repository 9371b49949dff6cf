from odoo import fields, models, tools
from odoo.tools import SQL


class UtilityArrearsAgeing(models.Model):
    """Arrears ageing per customer, computed by one SQL view over the open
    posted bills: not yet due, overdue 0-30, 31-60, 61-90 and over 90 days
    for bills due this year, and bills due in earlier years."""

    _name = "utility.arrears.ageing"
    _description = "Arrears Ageing"
    _auto = False
    _order = "amount_total desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer", readonly=True)
    customer_number = fields.Char(readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    station_id = fields.Many2one(
        comodel_name="utility.supply.station", string="Supply Station", readonly=True
    )
    category = fields.Selection(
        selection=lambda self: (
            self.env["res.partner"]._fields["utility_category"]._description_selection(self.env)
        ),
        readonly=True,
    )
    bill_count = fields.Integer(string="Open Bills", readonly=True)
    oldest_due_date = fields.Date(readonly=True)
    amount_not_due = fields.Monetary(string="Not Due", readonly=True)
    amount_0_30 = fields.Monetary(string="0-30 Days", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60 Days", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90 Days", readonly=True)
    amount_over_90 = fields.Monetary(string="Over 90 Days", readonly=True)
    amount_earlier_years = fields.Monetary(string="Earlier Years", readonly=True)
    amount_overdue = fields.Monetary(readonly=True)
    amount_total = fields.Monetary(string="Total Open", readonly=True)
    amount_in_plan = fields.Monetary(
        string="In Installment Plan",
        readonly=True,
        help="Part of the open amount in bills held by a kept installment plan: still owed, "
        "but not chased.",
    )

    def _query(self):
        age = SQL("(CURRENT_DATE - m.invoice_date_due)")
        this_year = SQL("m.invoice_date_due >= date_trunc('year', CURRENT_DATE)::date")

        def bucket(condition):
            return SQL("SUM(CASE WHEN %s THEN m.amount_residual_signed ELSE 0 END)", condition)

        return SQL(
            """
            SELECT MIN(m.id) AS id,
                   m.partner_id,
                   p.utility_customer_number AS customer_number,
                   m.company_id,
                   c.currency_id,
                   p.utility_station_id AS station_id,
                   p.utility_category AS category,
                   COUNT(*) AS bill_count,
                   MIN(m.invoice_date_due) AS oldest_due_date,
                   %(not_due)s AS amount_not_due,
                   %(d30)s AS amount_0_30,
                   %(d60)s AS amount_31_60,
                   %(d90)s AS amount_61_90,
                   %(over90)s AS amount_over_90,
                   %(earlier)s AS amount_earlier_years,
                   %(overdue)s AS amount_overdue,
                   SUM(m.amount_residual_signed) AS amount_total,
                   %(in_plan)s AS amount_in_plan
              FROM account_move m
              JOIN res_partner p ON p.id = m.partner_id
              JOIN res_company c ON c.id = m.company_id
             WHERE m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND m.amount_residual_signed > 0
               -- a security deposit is no arrears
               AND m.utility_entry_kind IS NULL
          GROUP BY m.partner_id, p.utility_customer_number, m.company_id, c.currency_id,
                   p.utility_station_id, p.utility_category
            """,
            not_due=bucket(SQL("m.invoice_date_due >= CURRENT_DATE")),
            d30=bucket(SQL("%s AND %s BETWEEN 1 AND 30", this_year, age)),
            d60=bucket(SQL("%s AND %s BETWEEN 31 AND 60", this_year, age)),
            d90=bucket(SQL("%s AND %s BETWEEN 61 AND 90", this_year, age)),
            over90=bucket(SQL("%s AND %s > 90", this_year, age)),
            earlier=bucket(SQL("NOT %s", this_year)),
            overdue=bucket(SQL("m.invoice_date_due < CURRENT_DATE")),
            in_plan=bucket(SQL("m.utility_collection_hold = 'plan'")),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
