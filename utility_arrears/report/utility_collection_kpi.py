from odoo import api, fields, models, tools
from odoo.tools import SQL

# channels counted as "centralized collection" (halls, agencies, terminals,
# online) as opposed to door-to-door field rounds
CENTRALIZED_KINDS = ("hall", "agency", "terminal", "online")


class UtilityCollectionKpi(models.Model):
    """Collection (recovery) rate: what was billed and what of it has been
    collected, by supply station, customer category and billing month: the
    rows of ``utility.collection.recovery`` summed, so that the two reports
    agree (late-fee invoices excluded, credit notes not counted as
    collections)."""

    _name = "utility.collection.kpi"
    _description = "Collection Rate"
    _auto = False
    _order = "month desc"

    month = fields.Date(readonly=True, help="First day of the bills' month.")
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
    bill_count = fields.Integer(string="Bills", readonly=True)
    paid_count = fields.Integer(string="Bills Paid", readonly=True)
    amount_billed = fields.Monetary(string="Billed", readonly=True)
    amount_collected = fields.Monetary(string="Collected", readonly=True)
    amount_outstanding = fields.Monetary(string="Outstanding", readonly=True)
    amount_written_off = fields.Monetary(
        string="Written Off",
        readonly=True,
        help="Bad debts written off (账销案存) and not recovered: not a collection.",
    )
    recovery_rate = fields.Float(
        string="Recovery Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Collected / billed; in grouped views computed from the group's sums.",
    )
    recovery_rate_net = fields.Float(
        string="Recovery Rate excl. Write-offs (%)",
        readonly=True,
        aggregator="avg",
        help="Collected / (billed - written off): the recovery rate of the debt still to be "
        "collected; in grouped views computed from the group's sums.",
    )

    def _query(self):
        """The recovery report's rows summed by month, station and category,
        so that both reports give the same billed and collected figures for
        the same bills: collected is what payments settled (a credit note
        reconciled with a bill is not a collection); outstanding is what the
        bills still owe. A written-off bill (nothing left to pay) is not a
        paid bill."""
        return SQL(
            """
            SELECT ROW_NUMBER() OVER (ORDER BY 1) AS id, *,
                   CASE WHEN amount_billed != 0
                        THEN 100.0 * amount_collected / amount_billed ELSE 0 END
                       AS recovery_rate,
                   CASE WHEN amount_billed - amount_written_off != 0
                        THEN 100.0 * amount_collected / (amount_billed - amount_written_off)
                        ELSE 0 END
                       AS recovery_rate_net
              FROM (
                SELECT r.bill_month AS month,
                       r.company_id,
                       r.currency_id,
                       r.station_id,
                       r.category,
                       SUM(r.bill_count) AS bill_count,
                       COUNT(*) FILTER (
                           WHERE r.kind = 'billed' AND bill.amount_residual_signed = 0
                             AND bill.utility_collection_hold IS DISTINCT FROM 'written_off'
                       ) AS paid_count,
                       SUM(r.amount_billed) AS amount_billed,
                       SUM(r.amount_collected) AS amount_collected,
                       SUM(r.amount_written_off) AS amount_written_off,
                       SUM(bill.amount_residual_signed) FILTER (WHERE r.kind = 'billed')
                           AS amount_outstanding
                  FROM (%(recovery)s) AS r
                  JOIN account_move bill ON bill.id = r.bill_id
              GROUP BY r.bill_month, r.company_id, r.currency_id, r.station_id, r.category
              ) AS kpi
            """,
            recovery=self.env["utility.collection.recovery"]._query(),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def _read_group_select(self, aggregate_spec, query):
        """A group's recovery rate is its collected sum over its billed sum
        (less its written-off sum for the net rate), not the average of its
        rows' rates."""
        if aggregate_spec not in ("recovery_rate:avg", "recovery_rate_net:avg"):
            return super()._read_group_select(aggregate_spec, query)
        billed = self._field_to_sql(self._table, "amount_billed", query)
        if aggregate_spec == "recovery_rate_net:avg":
            billed = SQL(
                "%s - %s", billed, self._field_to_sql(self._table, "amount_written_off", query)
            )
        return SQL(
            "COALESCE(100.0 * SUM(%(collected)s) / NULLIF(SUM(%(billed)s), 0), 0)",
            collected=self._field_to_sql(self._table, "amount_collected", query),
            billed=billed,
        )

    @api.model
    def _three_hundred_percent(self, company, date_from, date_to):
        """The "three 100%" figures of a company, in percent:
        ``signing``: active contracts with a signed written contract;
        ``centralized``: bill amounts paid in the period through centralized
        channels (halls, agencies, terminals, online) rather than door to door
        (a bad-debt write-off is not a payment);
        ``bill_holding``: bills issued in the period (invoice date) that have
        reached their customer through any channel, see
        ``account.move.utility_bill_held``."""
        contracts = self.env["utility.contract"]._read_group(
            [("company_id", "=", company.id), ("state", "=", "active")],
            ["is_signed"],
            ["__count"],
        )
        total = sum(count for _signed, count in contracts)
        signed = sum(count for is_signed, count in contracts if is_signed)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT COALESCE(SUM(apr.amount) FILTER (WHERE EXISTS (
                           SELECT 1 FROM utility_collection_point cp
                            WHERE cp.journal_id = pay.journal_id
                              AND cp.kind IN %(kinds)s)), 0),
                       COALESCE(SUM(apr.amount), 0)
                  FROM account_partial_reconcile apr
                  JOIN account_move_line bill_line ON bill_line.id = apr.debit_move_id
                  JOIN account_move bill ON bill.id = bill_line.move_id
                  JOIN account_move_line pay_line ON pay_line.id = apr.credit_move_id
                  JOIN account_move pay ON pay.id = pay_line.move_id
                 WHERE bill.move_type = 'out_invoice'
                   AND pay.move_type = 'entry'
                   AND pay.utility_entry_kind IS DISTINCT FROM 'writeoff'
                   AND bill.company_id = %(company)s
                   AND apr.max_date BETWEEN %(date_from)s AND %(date_to)s
                """,
                kinds=CENTRALIZED_KINDS,
                company=company.id,
                date_from=date_from,
                date_to=date_to,
            )
        )
        centralized, paid = self.env.cr.fetchone()
        bills = self.env["account.move"]._read_group(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("utility_late_fee_bill_id", "=", False),
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
            ],
            ["utility_bill_held"],
            ["__count"],
        )
        issued = sum(count for _held, count in bills)
        held = sum(count for is_held, count in bills if is_held)
        return {
            "signing": 100.0 * signed / total if total else 0.0,
            "centralized": 100.0 * centralized / paid if paid else 0.0,
            "bill_holding": 100.0 * held / issued if issued else 0.0,
        }
