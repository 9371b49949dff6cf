from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import formatLang

from odoo.addons.utility_billing.models.res_currency import AmountError


class UtilityFieldCollectionLine(models.Model):
    """One bill to collect on a door-to-door round; the collector books the
    cash taken with one tap (phone-friendly list)."""

    _name = "utility.field.collection.line"
    _description = "Door-to-door Round Bill"
    _inherit = ["utility.protected.fields.mixin"]
    _order = "collection_id, village, partner_id, date_due, id"

    collection_id = fields.Many2one(
        comodel_name="utility.field.collection",
        string="Round",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="collection_id.company_id", store=True)
    currency_id = fields.Many2one(related="collection_id.currency_id")
    bill_id = fields.Many2one(
        comodel_name="account.move",
        string="Bill",
        required=True,
        index=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        related="bill_id.commercial_partner_id",
        store=True,
    )
    customer_number = fields.Char(related="partner_id.utility_customer_number")
    village = fields.Char(related="partner_id.utility_village", store=True)
    street = fields.Char(related="partner_id.street")
    phone = fields.Char(related="partner_id.phone")
    date_due = fields.Date(related="bill_id.invoice_date_due")
    amount_due = fields.Monetary(help="Open amount of the bill when it was assigned.")
    late_fee = fields.Monetary(
        help="Late fee of the bill if paid on the round's date, when it was assigned: "
        "collected with the bill, it is invoiced and settled right before it.",
    )
    amount_collected = fields.Monetary(
        help="Cash taken from the customer for this bill (by default the bill and its late fee)."
    )
    payment_id = fields.Many2one(
        comodel_name="account.payment", string="Payment", readonly=True, copy=False
    )
    state = fields.Selection(
        selection=[("todo", "To Collect"), ("paid", "Collected"), ("absent", "Not Collected")],
        default="todo",
        required=True,
        readonly=True,
    )
    note = fields.Char(help="Why it was not collected (absent, refused...).")

    @api.model
    def _utility_protected_fields(self):
        # the bills of a round come from its assignment action only; the
        # payment and the paid state from the collect action only
        return {"bill_id", "amount_due", "late_fee", "payment_id", "state"}

    @api.model
    def _utility_create_only_fields(self):
        return {"collection_id"}

    def _utility_check_collectable(self):
        """The line's bill is an open bill of the round's company, and the
        cash taken is positive and at most what the customer owes on it
        (open amount plus late fee on the round's date)."""
        self.ensure_one()
        round_ = self.collection_id
        bill = self.bill_id
        currency = round_.currency_id
        if (
            bill.move_type != "out_invoice"
            or bill.state != "posted"
            or bill.company_id != round_.company_id
        ):
            raise UserError(
                self.env._("Bill %s is not an open bill of this round's company.", bill.name)
            )
        fee = self.env["account.move"]._utility_late_fee_as_of(bill, round_.date).get(bill.id, 0.0)
        ceiling = bill.amount_residual + max(fee, self.late_fee)
        if currency.compare_amounts(self.amount_collected, 0.0) <= 0:
            raise UserError(self.env._("Enter the cash taken for bill %s.", bill.name))
        if currency.compare_amounts(self.amount_collected, ceiling) > 0:
            raise UserError(
                self.env._(
                    "%(amount)s is more than customer %(customer)s owes on bill %(bill)s "
                    "(%(ceiling)s with the late fee).",
                    amount=self.amount_collected,
                    customer=self.partner_id.display_name,
                    bill=bill.name,
                    ceiling=currency.round(ceiling),
                )
            )

    @api.constrains("amount_collected", "amount_due", "late_fee")
    def _check_amount_collected(self):
        """A collector takes at most the bill and its late fee: no credit is
        taken at the door (a top-up is paid at the hall)."""
        for line in self:
            currency = line.currency_id
            if currency.compare_amounts(line.amount_collected, 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        "Bill %s: the amount collected cannot be negative.", line.bill_id.name
                    )
                )
            line._utility_check_ceiling(line.amount_due + line.late_fee)

    def _utility_check_ceiling(self, ceiling):
        self.ensure_one()
        currency = self.currency_id
        if currency.compare_amounts(self.amount_collected, ceiling) > 0:
            raise ValidationError(
                self.env._(
                    "Bill %(bill)s: %(amount)s is more than the %(due)s it owes with its late "
                    "fee; a collector takes no more than is due.",
                    bill=self.bill_id.name,
                    amount=formatLang(self.env, self.amount_collected, currency_obj=currency),
                    due=formatLang(self.env, ceiling, currency_obj=currency),
                )
            )

    def action_collect(self):
        """Book the cash taken into the collector's in-transit journal."""
        for line in self:
            round_ = line.collection_id
            round_._utility_check_collector()
            if round_.state != "in_progress":
                raise UserError(self.env._("Round %s is not collecting.", round_.name))
            if line.state == "paid":
                raise UserError(self.env._("Bill %s is already collected.", line.bill_id.name))
            if not line.bill_id._utility_is_open_bill():
                raise UserError(
                    self.env._(
                        "Bill %s was paid through another channel meanwhile.", line.bill_id.name
                    )
                )
            # a round collects its own bills only: open bills of its company
            # and of its village or route (whatever a client wrote on the line)
            bill = line.bill_id.sudo()
            if bill.company_id != round_.company_id or not bill.filtered_domain(
                round_._utility_bill_domain()
            ):
                raise UserError(
                    self.env._(
                        "Bill %(bill)s is not a bill of round %(round)s.",
                        bill=bill.name,
                        round=round_.name,
                    )
                )
            try:
                round_.currency_id._utility_parse_amount(line.amount_collected, round_floats=True)
            except AmountError as error:
                raise UserError(error.args[0]) from error
            # at most what the bill owes now with its late fee on the round's day
            fee = self.env["account.move"]._utility_late_fee_as_of(bill, round_.date)
            line._utility_check_ceiling(bill.amount_residual + fee.get(bill.id, 0.0))
            line._utility_check_collectable()
            point = round_.collection_point_id
            self.env["account.payment"].sudo()._utility_lock_open_bills(
                line.partner_id, line.bill_id
            )
            # sudo: collectors have no accounting rights; the checks above keep
            # them to their own round's bills and in-transit journal
            payment = (
                self.env["account.payment"]
                .sudo()
                ._utility_pay(
                    line.partner_id,
                    line.amount_collected,
                    point,
                    bills=line.bill_id,
                    operator=round_.collector_id,
                    journal=point.journal_id,
                    memo=round_.name,
                )
            )
            payment.utility_field_collection_id = round_.id
            payment._utility_store_balance_after()
            with line._utility_protected_write():
                line.write({"payment_id": payment.id, "state": "paid"})
        return True

    def action_mark_absent(self):
        lines = self.filtered(lambda line: line.state == "todo")
        with lines._utility_protected_write():
            lines.write({"state": "absent"})
        return True

    def action_reset(self):
        lines = self.filtered(lambda line: line.state == "absent")
        with lines._utility_protected_write():
            lines.write({"state": "todo"})
        return True
