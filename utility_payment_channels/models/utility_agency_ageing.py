from odoo import fields, models, tools


class UtilityAgencyAgeing(models.Model):
    """What each agency still owes: the open lines of its clearing account
    (collected, not yet settled and transferred), by age."""

    _name = "utility.agency.ageing"
    _description = "Agency Ageing"
    _auto = False
    _order = "agency_id, date"

    agency_id = fields.Many2one(comodel_name="utility.agency", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    move_line_id = fields.Many2one(
        comodel_name="account.move.line", string="Journal Item", readonly=True
    )
    date = fields.Date(readonly=True)
    days = fields.Integer(string="Days Open", readonly=True, aggregator="max")
    age = fields.Selection(
        selection=[
            ("0_7", "0-7 days"),
            ("8_30", "8-30 days"),
            ("31_60", "31-60 days"),
            ("61", "Over 60 days"),
        ],
        readonly=True,
    )
    amount_residual = fields.Monetary(string="Owed", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT line.id AS id,
                       line.id AS move_line_id,
                       agency.id AS agency_id,
                       agency.company_id AS company_id,
                       line.company_currency_id AS currency_id,
                       line.date AS date,
                       (CURRENT_DATE - line.date) AS days,
                       CASE
                           WHEN CURRENT_DATE - line.date <= 7 THEN '0_7'
                           WHEN CURRENT_DATE - line.date <= 30 THEN '8_30'
                           WHEN CURRENT_DATE - line.date <= 60 THEN '31_60'
                           ELSE '61'
                       END AS age,
                       line.amount_residual AS amount_residual
                  FROM account_move_line line
                  JOIN utility_agency agency
                    ON agency.clearing_account_id = line.account_id
                 WHERE line.parent_state = 'posted'
                   AND NOT line.reconciled
                   AND line.amount_residual != 0
            )
            """
        )
