from odoo import fields, models, tools
from odoo.tools import SQL

from .utility_collection_kpi import CENTRALIZED_KINDS
from .utility_collection_recovery import bill_scope_sql, collection_rows_sql

RATE_FIELDS = {
    "signing_rate": ("contracts_signed", "contract_count"),
    "centralized_rate": ("amount_centralized", "amount_collected"),
    "bill_holding_rate": ("bills_held", "bill_count"),
}


class UtilityCollectionThreeFigures(models.Model):
    """The "three 100%" figures by supply station and month, each with the
    counts or amounts it is computed from:

    - contract signing rate: supply contracts in force at the end of the
      month (active, or terminated after the month) with a written contract
      signed by then, over those contracts (months with bills or collections,
      and the current month);
    - centralized collection share: amounts of bills collected in the month
      through centralized channels (service halls, agencies, self-service
      terminals, online) over all amounts collected in the month (door-to-door
      rounds, bank transfers and others are not centralized), from the
      reconciliations of the bills' journal items;
    - bill holding rate: bills issued in the month that have reached their
      customer through any channel (portal, e-mail, SMS, paper, counter) over
      the bills issued in the month.
    """

    _name = "utility.collection.three.figures"
    _description = "Three 100% Figures"
    _auto = False
    _order = "month desc, station_id"

    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    station_id = fields.Many2one(
        comodel_name="utility.supply.station", string="Supply Station", readonly=True
    )
    month = fields.Date(readonly=True, help="First day of the month.")
    contract_count = fields.Integer(
        string="Contracts in Force",
        readonly=True,
        help="Supply contracts in force at the end of the month.",
    )
    contracts_signed = fields.Integer(
        string="Contracts Signed",
        readonly=True,
        help="Contracts in force whose written contract was signed by the end of the month.",
    )
    signing_rate = fields.Float(
        string="Contract Signing Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Contracts signed / contracts in force; in grouped views computed "
        "from the group's sums.",
    )
    amount_collected = fields.Monetary(
        string="Collected",
        readonly=True,
        help="Bill amounts reconciled with payments in the month, all channels.",
    )
    amount_centralized = fields.Monetary(
        string="Collected Centrally",
        readonly=True,
        help="Part of the collected amount taken at service halls, agencies, "
        "self-service terminals or online.",
    )
    centralized_rate = fields.Float(
        string="Centralized Collection (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Collected centrally / collected; in grouped views computed from the group's sums.",
    )
    bill_count = fields.Integer(
        string="Bills Issued", readonly=True, help="Bills with an invoice date in the month."
    )
    bills_held = fields.Integer(
        string="Bills Held",
        readonly=True,
        help="Bills of the month delivered to their customer through any channel "
        "(viewed on the portal, e-mailed, SMS notice, paper bill delivered, "
        "handed over at the counter).",
    )
    bill_holding_rate = fields.Float(
        string="Bill Holding Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Bills held / bills issued; in grouped views computed from the group's sums.",
    )

    def _query(self):
        def rate(numerator, denominator):
            return SQL(
                "COALESCE(ROUND(100.0 * SUM(%s) / NULLIF(SUM(%s), 0), 2), 0)",
                SQL.identifier(numerator),
                SQL.identifier(denominator),
            )

        return SQL(
            """
            WITH bills AS (
                SELECT bill.company_id,
                       COALESCE(bill.utility_station_id, partner.utility_station_id)
                           AS station_id,
                       date_trunc('month', bill.invoice_date)::date AS month,
                       COUNT(*) AS bill_count,
                       COUNT(*) FILTER (WHERE bill.utility_bill_held) AS bills_held
                  FROM account_move bill
                  JOIN res_partner partner ON partner.id = bill.partner_id
                 WHERE %(bill_scope)s
              GROUP BY 1, 2, 3
            ),
            collections AS (
                SELECT bill.company_id,
                       COALESCE(bill.utility_station_id, partner.utility_station_id)
                           AS station_id,
                       date_trunc('month', c.collection_date)::date AS month,
                       SUM(c.amount) AS amount_collected,
                       SUM(c.amount) FILTER (WHERE c.channel IN %(centralized)s)
                           AS amount_centralized
                  FROM (%(collected)s) c
                  JOIN account_move bill ON bill.id = c.bill_id
                  JOIN res_partner partner ON partner.id = bill.partner_id
              GROUP BY 1, 2, 3
            ),
            months AS (
                SELECT DISTINCT company_id, month FROM bills
                 UNION
                SELECT DISTINCT company_id, month FROM collections
                 UNION
                SELECT DISTINCT company_id, date_trunc('month', CURRENT_DATE)::date
                  FROM utility_contract
                 WHERE state = 'active'
            ),
            contracts AS (
                SELECT m.company_id, ct.station_id, m.month,
                       COUNT(*) AS contract_count,
                       COUNT(*) FILTER (
                           WHERE ct.signed_date
                                 <= (m.month + interval '1 month - 1 day')::date
                       ) AS contracts_signed
                  FROM months m
                  JOIN utility_contract ct ON ct.company_id = m.company_id
                 WHERE ct.date_start <= (m.month + interval '1 month - 1 day')::date
                   AND (ct.state = 'active'
                        OR (ct.state = 'terminated'
                            AND ct.date_end > (m.month + interval '1 month - 1 day')::date))
              GROUP BY 1, 2, 3
            ),
            rows AS (
                SELECT company_id, station_id, month, bill_count, bills_held,
                       0 AS contract_count, 0 AS contracts_signed,
                       0.0 AS amount_collected, 0.0 AS amount_centralized
                  FROM bills
                UNION ALL
                SELECT company_id, station_id, month, 0, 0, 0, 0,
                       amount_collected, COALESCE(amount_centralized, 0.0)
                  FROM collections
                UNION ALL
                SELECT company_id, station_id, month, 0, 0, contract_count,
                       contracts_signed, 0.0, 0.0
                  FROM contracts
            )
            SELECT ROW_NUMBER() OVER (ORDER BY r.company_id, r.month, r.station_id) AS id,
                   r.company_id, company.currency_id, r.station_id, r.month,
                   SUM(r.contract_count) AS contract_count,
                   SUM(r.contracts_signed) AS contracts_signed,
                   %(signing_rate)s AS signing_rate,
                   SUM(r.amount_collected) AS amount_collected,
                   SUM(r.amount_centralized) AS amount_centralized,
                   %(centralized_rate)s AS centralized_rate,
                   SUM(r.bill_count) AS bill_count,
                   SUM(r.bills_held) AS bills_held,
                   %(bill_holding_rate)s AS bill_holding_rate
              FROM rows r
              JOIN res_company company ON company.id = r.company_id
          GROUP BY r.company_id, company.currency_id, r.station_id, r.month
            """,
            bill_scope=bill_scope_sql("bill"),
            collected=collection_rows_sql(),
            centralized=CENTRALIZED_KINDS,
            signing_rate=rate("contracts_signed", "contract_count"),
            centralized_rate=rate("amount_centralized", "amount_collected"),
            bill_holding_rate=rate("bills_held", "bill_count"),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def _read_group_select(self, aggregate_spec, query):
        """A group's rate is the ratio of its sums, not the mean of its rows' rates."""
        fname, __, func = aggregate_spec.partition(":")
        if fname not in RATE_FIELDS or func != "avg":
            return super()._read_group_select(aggregate_spec, query)
        numerator, denominator = RATE_FIELDS[fname]
        return SQL(
            "COALESCE(ROUND(100.0 * SUM(%(num)s) / NULLIF(SUM(%(den)s), 0), 2), 0)",
            num=self._field_to_sql(self._table, numerator, query),
            den=self._field_to_sql(self._table, denominator, query),
        )
