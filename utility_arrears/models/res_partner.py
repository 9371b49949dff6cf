from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.utility_billing.models.account_move_lifecycle import chased_bill_sql

# ids of the customers whose arrears changed in the current transaction, stamped
# again right before it commits (``_utility_stamp_arrears_change``)
ARREARS_CHANGED_KEY = "utility_arrears.changed_partner_ids"


class ResPartner(models.Model):
    """Arrears facts on the customer: the overdue amount and oldest due date as
    of the last refresh (with the time they last changed, which drives the
    TV-operator feed), the TV account and opt-out, whether the customer is
    important (notices copied to the authority) and their caring profile."""

    _inherit = "res.partner"

    utility_important = fields.Boolean(
        string="Important Customer",
        tracking=True,
        help="Disconnection notices of important customers are copied to the "
        "power administration authority set on the company.",
    )
    utility_tv_account = fields.Char(
        string="TV Account",
        copy=False,
        help="Digital-TV account of the customer at the cable-TV operator: "
        "arrears notices are shown on that screen.",
    )
    utility_tv_opt_out = fields.Boolean(
        string="No TV Notices",
        tracking=True,
        help="The customer refused arrears notices on the TV screen.",
    )
    utility_amount_overdue = fields.Monetary(
        string="Amount Overdue",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Overdue bills of the customer as of the last arrears refresh.",
    )
    utility_oldest_due_date = fields.Date(string="Oldest Due Date", readonly=True, copy=False)
    utility_arrears_changed_at = fields.Datetime(
        string="Arrears Changed At",
        readonly=True,
        copy=False,
        index=True,
        help="When the overdue amount or the oldest due date last changed.",
    )
    utility_care_profile_ids = fields.One2many(
        comodel_name="utility.care.profile",
        inverse_name="partner_id",
        string="Caring Profiles",
    )
    utility_is_care = fields.Boolean(
        string="Caring Service",
        compute="_compute_utility_is_care",
        store=True,
        help="The customer is in the caring service: only gentle reminders, and "
        "no disconnection without a manager's approval and a recorded visit.",
    )

    @api.depends("utility_care_profile_ids.active")
    def _compute_utility_is_care(self):
        for partner in self:
            partner.utility_is_care = bool(partner.utility_care_profile_ids)

    @api.model
    def _utility_refresh_arrears(self, partners=None, on_date=None):
        """Recompute the overdue amount and oldest due date of ``partners``
        (all customers when None) in one SQL statement; stamp the customers
        whose figures changed. Returns the changed partners."""
        on_date = on_date or fields.Date.context_today(self)
        self.env.flush_all()
        partner_filter = SQL("")
        bill_filter = SQL("")
        if partners is not None:
            if not partners:
                return self.browse()
            partner_filter = SQL("AND p.id IN %s", tuple(partners.ids))
            bill_filter = SQL("AND m.partner_id IN %s", tuple(partners.ids))
        self.env.cr.execute(
            SQL(
                """
                WITH overdue AS (
                    SELECT m.partner_id,
                           SUM(m.amount_residual_signed) AS amount,
                           MIN(m.invoice_date_due) AS oldest
                      FROM account_move m
                     WHERE m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND %(chased)s
                       AND m.amount_residual_signed > 0
                       AND m.invoice_date_due < %(on_date)s
                       %(bill_filter)s
                  GROUP BY m.partner_id
                ), target AS (
                    SELECT p.id, COALESCE(o.amount, 0) AS amount, o.oldest
                      FROM res_partner p
                 LEFT JOIN overdue o ON o.partner_id = p.id
                     WHERE (o.partner_id IS NOT NULL
                            OR COALESCE(p.utility_amount_overdue, 0) != 0)
                       %(partner_filter)s
                )
                UPDATE res_partner p
                   SET utility_amount_overdue = t.amount,
                       utility_oldest_due_date = t.oldest,
                       utility_arrears_changed_at = %(now)s
                  FROM target t
                 WHERE p.id = t.id
                   AND (COALESCE(p.utility_amount_overdue, 0) != t.amount
                        OR p.utility_oldest_due_date IS DISTINCT FROM t.oldest)
             RETURNING p.id
                """,
                on_date=on_date,
                now=fields.Datetime.now(),
                bill_filter=bill_filter,
                partner_filter=partner_filter,
                # a bill held by an installment plan or written off is not
                # overdue arrears (TV feed, utility_amount_overdue)
                chased=chased_bill_sql("m"),
            )
        )
        changed = self.browse([row[0] for row in self.env.cr.fetchall()])
        changed.invalidate_recordset(
            ["utility_amount_overdue", "utility_oldest_due_date", "utility_arrears_changed_at"]
        )
        changed._utility_stamp_arrears_change()
        return changed

    def _utility_stamp_arrears_change(self):
        """Stamp the arrears change of these customers again, with the
        database's clock, right before the transaction commits (a precommit
        hook: Odoo also runs them when a savepoint is passed).

        The TV-operator feed lists the customers whose arrears changed since
        a time, and a poll made while the change is not yet committed cannot
        see it. Stamped only when made, a change of a long transaction (a
        dunning run, a batch of an agency file) would carry a time the
        operator may already have polled past, and never be sent. Stamped at
        the commit, it is later than every poll that could not see it, but
        for the last moments of the transaction. The stamp made with the
        change stays until then: the rest of the transaction sees it."""
        if not self:
            return
        cr = self.env.cr
        pending = cr.precommit.data.get(ARREARS_CHANGED_KEY)
        if pending is None:
            pending = cr.precommit.data[ARREARS_CHANGED_KEY] = set()
            partners = self.env["res.partner"]

            def stamp():
                ids = sorted(cr.precommit.data.pop(ARREARS_CHANGED_KEY, ()))
                if not ids:
                    return
                # seconds, as the ORM stores datetimes (the feed compares to
                # the second as well)
                cr.execute(
                    SQL(
                        "UPDATE res_partner SET utility_arrears_changed_at = "
                        "date_trunc('second', clock_timestamp() AT TIME ZONE 'UTC') "
                        "WHERE id = ANY(%s)",
                        ids,
                    )
                )
                partners.browse(ids).invalidate_recordset(["utility_arrears_changed_at"])

            cr.precommit.add(stamp)
        pending.update(self.ids)

    @api.model
    def _cron_utility_refresh_arrears(self):
        """Daily: bills falling overdue change their customers' arrears."""
        self._utility_refresh_arrears()
