from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.utility_payment_channels.models.account_payment import CHANNEL_SELECTION

RECOVERY_CHANNEL_SELECTION = [
    *CHANNEL_SELECTION,
    ("deposit", "Deposit applied"),
    ("transfer", "Credit transfer"),
    ("other", "Other"),
]


def bill_scope_sql(alias):
    """Posted customer bills, late-fee invoices and life-cycle invoices (a
    security deposit) left out: they are not bills."""
    return SQL(
        "%(move)s.move_type = 'out_invoice' AND %(move)s.state = 'posted' "
        "AND %(move)s.utility_late_fee_bill_id IS NULL "
        "AND %(move)s.utility_entry_kind IS NULL",
        move=SQL.identifier(alias),
    )


def collection_rows_sql(with_writeoffs=False):
    """One row per reconciliation of a bill's receivable line with a payment
    (or bank statement) entry: ``partial_id``, ``bill_id``, ``amount`` (the
    partial's amount in company currency), ``collection_date`` (the day the
    reconciliation counts, latest of both sides), ``journal_id`` of the
    payment entry, ``collection_point_id`` and ``channel``.

    The channel is the one recorded on the utility payment; otherwise the kind
    of the collection point whose journal (cash, bank card or QR code) took the
    payment; otherwise ``other``. A security deposit applied to the bill
    counts as collected through channel ``deposit``, a credit transferred
    from another customer through ``transfer``. Credit notes and other
    invoices reconciled with a bill are not collections and are left out.

    A bad-debt write-off is no collection either: its rows are left out,
    unless ``with_writeoffs``, then they come with ``entry_kind`` =
    ``'writeoff'`` (the part of the bill still written off: what a later
    payment recovered is a collection of that payment)."""
    return SQL(
        """
        SELECT apr.id AS partial_id,
               bill.id AS bill_id,
               apr.amount AS amount,
               apr.max_date AS collection_date,
               pay_move.journal_id AS journal_id,
               COALESCE(pay.utility_collection_point_id, cpj.id) AS collection_point_id,
               COALESCE(
                   CASE pay_move.utility_entry_kind
                        WHEN 'deposit_application' THEN 'deposit'
                        WHEN 'credit_transfer' THEN 'transfer'
                   END,
                   pay.utility_channel, cpp.kind, cpj.kind, 'other'
               ) AS channel,
               pay_move.utility_entry_kind AS entry_kind
          FROM account_partial_reconcile apr
          JOIN account_move_line bill_line ON bill_line.id = apr.debit_move_id
          JOIN account_move bill ON bill.id = bill_line.move_id
          JOIN account_move_line pay_line ON pay_line.id = apr.credit_move_id
          JOIN account_move pay_move ON pay_move.id = pay_line.move_id
     LEFT JOIN account_payment pay ON pay.id = pay_move.origin_payment_id
     LEFT JOIN utility_collection_point cpp ON cpp.id = pay.utility_collection_point_id
     LEFT JOIN LATERAL (
                SELECT cp.id, cp.kind
                  FROM utility_collection_point cp
                 WHERE cp.company_id = pay_move.company_id
                   AND pay_move.journal_id IN (cp.journal_id, cp.card_journal_id, cp.qr_journal_id)
              ORDER BY cp.active DESC, cp.id
                 LIMIT 1
               ) cpj ON TRUE
         WHERE %(bill_scope)s
           AND pay_move.move_type = 'entry'
           AND pay_move.state = 'posted'
           %(writeoffs)s
        """,
        bill_scope=bill_scope_sql("bill"),
        writeoffs=SQL(
            "" if with_writeoffs else "AND pay_move.utility_entry_kind IS DISTINCT FROM 'writeoff'"
        ),
    )


class UtilityCollectionRecovery(models.Model):
    """Collection (recovery) rate by supply station, channel, customer
    category and month, straight from the journal items: a "billed" row per
    bill (its receivable journal items) and a "collected" row per
    reconciliation of that bill with a payment (``account.partial.reconcile``
    amount). Summed over any grouping, billed and collected reconcile with the
    receivable account; the recovery rate of a group is its collected sum over
    its billed sum. Grouped by channel, the billed amount shows under no
    channel and each channel shows what it collected."""

    _name = "utility.collection.recovery"
    _description = "Recovery by Station, Channel, Category and Month"
    _auto = False
    _order = "bill_month desc, id"
    _rec_name = "bill_id"

    kind = fields.Selection(
        selection=[
            ("billed", "Billed"),
            ("collected", "Collected"),
            ("written_off", "Written Off"),
        ],
        readonly=True,
        help="Billed: the bill's receivable amount. Collected: an amount of a "
        "payment reconciled with the bill. Written off: the part of the bill written off "
        "as a bad debt and not recovered.",
    )
    bill_id = fields.Many2one(comodel_name="account.move", string="Bill", readonly=True)
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one(comodel_name="res.company", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    station_id = fields.Many2one(
        comodel_name="utility.supply.station", string="Supply Station", readonly=True
    )
    category = fields.Selection(
        selection=lambda self: (
            self.env["res.partner"]._fields["utility_category"]._description_selection(self.env)
        ),
        string="Customer Category",
        readonly=True,
    )
    bill_month = fields.Date(
        string="Billing Month",
        readonly=True,
        help="First day of the month of the bill's invoice date: the recovery "
        "rate of a month is what has been collected so far of that month's bills.",
    )
    collection_date = fields.Date(
        readonly=True,
        help="Collected rows: the day the payment was reconciled with the bill.",
    )
    channel = fields.Selection(
        selection=RECOVERY_CHANNEL_SELECTION,
        readonly=True,
        help="Collected rows: the payment's channel, or the kind of the "
        "collection point whose journal took it.",
    )
    collection_point_id = fields.Many2one(
        comodel_name="utility.collection.point", string="Collection Point", readonly=True
    )
    journal_id = fields.Many2one(comodel_name="account.journal", readonly=True)
    bill_count = fields.Integer(string="Bills", readonly=True)
    amount_billed = fields.Monetary(string="Billed", readonly=True)
    amount_collected = fields.Monetary(string="Collected", readonly=True)
    amount_written_off = fields.Monetary(string="Written Off", readonly=True)
    recovery_rate = fields.Float(
        string="Recovery Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Collected / billed, in percent; in grouped views computed from the group's sums.",
    )
    recovery_rate_net = fields.Float(
        string="Recovery Rate excl. Write-offs (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="Collected / (billed - written off), in percent: the recovery rate of the debt "
        "that is still to be collected; in grouped views computed from the group's sums.",
    )

    def _query(self):
        return SQL(
            """
            WITH billed AS (
                SELECT bill.id AS bill_id,
                       SUM(line.balance) AS amount
                  FROM account_move bill
                  JOIN account_move_line line ON line.move_id = bill.id
                  JOIN account_account acc ON acc.id = line.account_id
                 WHERE %(bill_scope)s
                   AND acc.account_type = 'asset_receivable'
              GROUP BY bill.id
            ),
            collected AS (%(collected)s),
            rows AS (
                SELECT 2 * b.bill_id AS id, 'billed' AS kind, b.bill_id,
                       NULL::date AS collection_date, NULL::varchar AS channel,
                       NULL::integer AS collection_point_id, NULL::integer AS journal_id,
                       1 AS bill_count, b.amount AS amount_billed, 0.0 AS amount_collected,
                       0.0 AS amount_written_off
                  FROM billed b
                UNION ALL
                SELECT 2 * c.partial_id + 1,
                       CASE WHEN c.entry_kind = 'writeoff' THEN 'written_off' ELSE 'collected' END,
                       c.bill_id,
                       c.collection_date,
                       CASE WHEN c.entry_kind = 'writeoff' THEN NULL ELSE c.channel END,
                       c.collection_point_id, c.journal_id,
                       0,
                       0.0,
                       CASE WHEN c.entry_kind = 'writeoff' THEN 0.0 ELSE c.amount END,
                       CASE WHEN c.entry_kind = 'writeoff' THEN c.amount ELSE 0.0 END
                  FROM collected c
            )
            SELECT r.id, r.kind, r.bill_id,
                   bill.partner_id,
                   bill.company_id,
                   company.currency_id,
                   COALESCE(bill.utility_station_id, partner.utility_station_id) AS station_id,
                   COALESCE(bill.utility_category, partner.utility_category) AS category,
                   date_trunc('month', bill.invoice_date)::date AS bill_month,
                   r.collection_date, r.channel, r.collection_point_id, r.journal_id,
                   r.bill_count, r.amount_billed, r.amount_collected, r.amount_written_off,
                   0.0 AS recovery_rate, 0.0 AS recovery_rate_net
              FROM rows r
              JOIN account_move bill ON bill.id = r.bill_id
              JOIN res_partner partner ON partner.id = bill.partner_id
              JOIN res_company company ON company.id = bill.company_id
            """,
            bill_scope=bill_scope_sql("bill"),
            collected=collection_rows_sql(with_writeoffs=True),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def _read_group_select(self, aggregate_spec, query):
        """A group's recovery rate is its collected sum over its billed sum
        (less its written-off sum for the net rate)."""
        if aggregate_spec not in ("recovery_rate:avg", "recovery_rate_net:avg"):
            return super()._read_group_select(aggregate_spec, query)
        billed = self._field_to_sql(self._table, "amount_billed", query)
        if aggregate_spec == "recovery_rate_net:avg":
            billed = SQL(
                "%s - %s", billed, self._field_to_sql(self._table, "amount_written_off", query)
            )
        return SQL(
            "COALESCE(ROUND(100.0 * SUM(%(collected)s) / NULLIF(SUM(%(billed)s), 0), 2), 0)",
            collected=self._field_to_sql(self._table, "amount_collected", query),
            billed=billed,
        )
