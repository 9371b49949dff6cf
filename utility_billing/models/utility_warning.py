from odoo import api, fields, models
from odoo.fields import Domain

from .account_move import OPEN_PAYMENT_STATES


class UtilityWarning(models.Model):
    """One crossing of a warning rule by a contract (or one of its bills).

    A warning is open from ``crossed_at`` until ``cleared_at`` — when the
    balance is back above the threshold or the bill is paid. While it is
    open the same crossing is never notified again; the portal shows open
    warnings as a banner."""

    _name = "utility.warning"
    _description = "Utility Warning"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "crossed_at desc, id desc"
    _rec_name = "rule_id"

    rule_id = fields.Many2one(
        comodel_name="utility.warning.rule",
        required=True,
        index=True,
        ondelete="cascade",
    )
    kind = fields.Selection(related="rule_id.kind", store=True)
    contract_id = fields.Many2one(
        comodel_name="utility.contract",
        required=True,
        index=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        related="contract_id.partner_id",
        store=True,
        index=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="contract_id.company_id",
        store=True,
        index=True,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Bill",
        index="btree_not_null",
        ondelete="cascade",
    )
    crossed_at = fields.Datetime(
        required=True,
        default=fields.Datetime.now,
        help="When the threshold was crossed and the customer notified.",
    )
    cleared_at = fields.Datetime(
        index=True,
        help="When the condition ended (balance topped up, bill paid). A new "
        "crossing after this date is notified again.",
    )
    state = fields.Selection(
        selection=[("open", "Open"), ("cleared", "Cleared")],
        compute="_compute_state",
        store=True,
    )
    value = fields.Float(
        digits=(16, 2),
        help="Measured value at the crossing: balance, days left or amount due.",
    )
    message = fields.Char(
        compute="_compute_message",
        help="Text shown to the customer on the portal banner.",
    )

    @api.model
    def _utility_protected_fields(self):
        # a crossing is recorded by the warning rules and cleared by them or by Clear
        return {"cleared_at"}

    @api.model
    def _utility_create_only_fields(self):
        return {"contract_id", "crossed_at", "move_id", "rule_id", "value"}

    @api.depends("cleared_at")
    def _compute_state(self):
        for warning in self:
            warning.state = "cleared" if warning.cleared_at else "open"

    @api.depends("kind", "value", "move_id", "contract_id", "cleared_at")
    def _compute_message(self):
        for warning in self:
            warning.message = warning._get_message()

    def _get_message(self):
        self.ensure_one()
        value = self.value
        if not self.cleared_at and self.kind in ("balance_amount", "balance_days"):
            # an open balance warning tells today's balance, the figure the
            # contract card beside it shows, not the one of its crossing
            contract = self.contract_id
            if self.kind == "balance_amount":
                value = contract.prepaid_balance
            elif contract.estimated_days_left >= 0:
                value = contract.estimated_days_left
        amount = self.currency_id.format(value) if self.currency_id else value
        if self.kind == "balance_amount":
            return self.env._(
                "The prepaid balance of contract %(contract)s is low: %(amount)s. Please top up.",
                contract=self.contract_id.name,
                amount=amount,
            )
        if self.kind == "balance_days":
            return self.env._(
                "The prepaid balance of contract %(contract)s lasts about %(days)s more "
                "days. Please top up.",
                contract=self.contract_id.name,
                days=int(value),
            )
        if self.kind == "bill_due":
            return self.env._(
                "Bill %(bill)s (%(amount)s) falls due on %(date)s.",
                bill=self.move_id.name,
                amount=amount,
                date=self.move_id.invoice_date_due,
            )
        return self.env._(
            "Bill %(bill)s (%(amount)s) is overdue since %(date)s. Please pay it.",
            bill=self.move_id.name,
            amount=amount,
            date=self.move_id.invoice_date_due,
        )

    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["partner_id"]

    def _phone_get_number_fields(self):
        # the number is the customer's: no phone field on the warning itself
        return []

    # ------------------------------------------------------------------
    # notification, per channel
    # ------------------------------------------------------------------

    def _notify(self):
        """Notify new warnings through the channels of their rule."""
        for rule in self.rule_id:
            warnings = self.filtered(lambda w, r=rule: w.rule_id == r)
            if rule.notify_activity:
                warnings._notify_activity()
            if rule.notify_sms and rule.sms_template_id:
                warnings._notify_sms()
            if rule.notify_email and rule.mail_template_id:
                warnings._notify_email()

    def _notify_activity(self):
        """One to-do activity per warning on its contract, for the rule's
        responsible, else the customer's salesperson, else the current user."""
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        model_id = self.env["ir.model"]._get_id("utility.contract")
        today = fields.Date.context_today(self)
        vals_list = []
        for warning in self:
            user = (
                warning.rule_id.responsible_user_id
                or warning.partner_id.user_id
                or warning.partner_id.commercial_partner_id.user_id
                or self.env.user
            )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": warning.contract_id.id,
                    "activity_type_id": activity_type.id if activity_type else False,
                    # read by the staff member: in their language, not the cron's
                    "summary": warning.rule_id.with_context(lang=user.lang).name,
                    "note": warning.with_context(lang=user.lang)._get_message(),
                    "user_id": user.id,
                    "date_deadline": today,
                }
            )
        return self.env["mail.activity"].sudo().create(vals_list)

    def _notify_sms(self):
        """Queue one SMS per warning to the customer's number (sent by the
        SMS queue cron), keeping a log on the warning."""
        template = self.rule_id.sms_template_id
        return self._message_sms_schedule_mass(template=template, mass_keep_log=True)

    def _notify_email(self):
        """Queue one e-mail per warning to the customer."""
        template = self.rule_id.mail_template_id
        return template.send_mail_batch(self.ids)

    # ------------------------------------------------------------------
    # clearing at the payment (every channel)
    # ------------------------------------------------------------------

    @api.model
    def _utility_clear_settled(self, bills=None, partners=None):
        """Clear at once the open warnings that a payment settled, instead of
        waiting for the next scheduled evaluation: the warnings of ``bills``
        no longer open (paid or in payment), and the prepaid-balance warnings
        of ``partners``' contracts whose balance is back above the threshold.

        Called by the reconciliation of bills (``account.move``'s
        ``_invoice_paid_hook``) and the posting of payments, so every channel
        — counter, agency file, terminal, online, field round — clears them
        with the payment. One search per batch of bills or payments.

        :returns: the warnings cleared
        """
        domain = Domain.FALSE
        if bills:
            settled = bills.filtered(lambda m: m.payment_state not in OPEN_PAYMENT_STATES)
            if settled:
                domain |= Domain("move_id", "in", settled.ids)
        if partners:
            domain |= Domain("kind", "in", ("balance_amount", "balance_days")) & Domain(
                "partner_id", "in", partners.commercial_partner_id.ids
            )
        if domain.is_false():
            return self.browse()
        warnings = self.search(Domain("cleared_at", "=", False) & domain)
        balance_warnings = warnings.filtered(lambda w: w.kind in ("balance_amount", "balance_days"))
        if balance_warnings:
            balance_warnings.contract_id.invalidate_recordset(
                ["prepaid_balance", "estimated_days_left"]
            )
        cleared = warnings.filtered(lambda w: w.move_id or not w._utility_still_crossed())
        if cleared:
            # the payment that settles them clears them, whoever books it
            with cleared._utility_protected_write():
                cleared.write({"cleared_at": fields.Datetime.now()})
        return cleared

    def _utility_still_crossed(self):
        """Whether the contract of this balance warning is still below its
        rule's threshold (same test as the rule's ``_get_crossings_*``)."""
        self.ensure_one()
        contract, rule = self.contract_id, self.rule_id
        if self.kind == "balance_amount":
            return (
                contract.currency_id.compare_amounts(
                    contract.prepaid_balance, rule.threshold_amount
                )
                < 0
            )
        days = contract.estimated_days_left
        return 0 <= days < rule.threshold_days

    def action_clear(self):
        """Clear open warnings by hand (e.g. the customer was reached)."""
        warnings = self.filtered(lambda w: not w.cleared_at)
        with warnings._utility_protected_write():
            warnings.write({"cleared_at": fields.Datetime.now()})
        return True
