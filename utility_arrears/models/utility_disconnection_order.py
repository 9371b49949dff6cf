from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain

from odoo.addons.utility_billing.tools.new_name import is_new_name

RESIDENTIAL_NOTICE_DAYS = 7
OTHER_NOTICE_DAYS = 3
SECOND_NOTICE_BEFORE = timedelta(hours=1)


class UtilityDisconnectionOrder(models.Model):
    """An order to disconnect a customer for arrears, or to reconnect them.

    Disconnection follows the Electricity Supply Business Rules: written
    notice at least 7 days before for residential customers, at least 3 days
    before and again one hour before for the others; important customers'
    notices are copied to the power administration authority. Caring-service
    customers are never scheduled without a manager's approval and a
    recorded visit. As soon as the bills that caused the order are paid, the
    order is cancelled, or, if already executed, a reconnection order is
    created."""

    _name = "utility.disconnection.order"
    _description = "Disconnection Order"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "id desc"

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: self.env._("New"),
    )
    kind = fields.Selection(
        selection=[("disconnection", "Disconnection"), ("reconnection", "Reconnection")],
        required=True,
        default="disconnection",
        readonly=True,
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("notified", "Notified"),
            ("scheduled", "Scheduled"),
            ("executed", "Executed"),
            ("cancelled", "Cancelled"),
            ("reconnected", "Reconnected"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
    )
    customer_number = fields.Char(related="partner_id.utility_customer_number")
    category = fields.Selection(related="partner_id.utility_category")
    station_id = fields.Many2one(related="partner_id.utility_station_id")
    is_important = fields.Boolean(related="partner_id.utility_important")
    is_care = fields.Boolean(related="partner_id.utility_is_care")
    level_id = fields.Many2one(
        comodel_name="utility.arrears.level",
        string="Dunning Level",
        readonly=True,
        help="The dunning level that gave rise to this order.",
    )
    bill_ids = fields.Many2many(
        comodel_name="account.move",
        string="Bills",
        # the browser's copy of account.move._utility_open_bill_domain(partner), overdue
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('commercial_partner_id', '=', partner_id),"
        " ('payment_state', 'in', ('not_paid', 'partial')),"
        " ('invoice_date_due', '<', context_today().strftime('%Y-%m-%d')),"
        " ('utility_collection_hold', '=', False), ('utility_entry_kind', '=', False)]",
        help="The overdue bills the order is for: the customer's overdue bills "
        "when it is created by hand. Paying them all cancels the order.",
    )
    amount_overdue = fields.Monetary(
        currency_field="currency_id", compute="_compute_amount_overdue"
    )
    notice_date = fields.Datetime(
        string="Written Notice Given",
        tracking=True,
        copy=False,
        help="When the written disconnection notice was given.",
    )
    scheduled_date = fields.Datetime(tracking=True, copy=False)
    second_notice_date = fields.Datetime(
        string="Second Notice Given",
        tracking=True,
        copy=False,
        help="Non-residential customers are notified again one hour before.",
    )
    authority_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Copied To Authority",
        readonly=True,
        copy=False,
    )
    care_approved_by_id = fields.Many2one(
        comodel_name="res.users",
        string="Approved By",
        readonly=True,
        copy=False,
        tracking=True,
    )
    care_visit_id = fields.Many2one(
        comodel_name="utility.care.visit",
        string="Caring Visit",
        domain="[('partner_id', '=', partner_id)]",
        tracking=True,
        help="Visit made before disconnecting a caring-service customer.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Field Staff",
        tracking=True,
    )
    executed_date = fields.Datetime(readonly=True, copy=False, tracking=True)
    executed_by_id = fields.Many2one(
        comodel_name="res.users", string="Executed By", readonly=True, copy=False
    )
    execution_note = fields.Text(help="What the field staff did and saw.")
    origin_order_id = fields.Many2one(
        comodel_name="utility.disconnection.order",
        string="Disconnection Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="For a reconnection: the disconnection it reverses.",
    )
    reconnection_order_id = fields.Many2one(
        comodel_name="utility.disconnection.order",
        readonly=True,
        copy=False,
    )

    @api.depends("bill_ids.amount_residual")
    def _compute_amount_overdue(self):
        for order in self:
            order.amount_overdue = sum(order.bill_ids.mapped("amount_residual"))

    def _notice_delay(self):
        """Minimum written notice before disconnection for this customer."""
        self.ensure_one()
        days = RESIDENTIAL_NOTICE_DAYS if self.category == "residential" else OTHER_NOTICE_DAYS
        return timedelta(days=days)

    def _needs_second_notice(self):
        self.ensure_one()
        return self.kind == "disconnection" and self.category != "residential"

    def _utility_check_care_cleared(self):
        """A caring-service customer is disconnected only with the approval
        of a user who is a Collection Manager now and a recorded visit of
        this very customer."""
        for order in self.filtered(lambda o: o.kind == "disconnection" and o.is_care):
            approver = order.care_approved_by_id
            visit = order.care_visit_id.exists()
            if not (
                approver
                and approver.has_group("utility_billing.group_utility_manager")
                and visit
                and visit.partner_id == order.partner_id
            ):
                raise UserError(
                    self.env._(
                        "%s is a caring-service customer: a manager's approval and a "
                        "recorded visit are required before scheduling a disconnection.",
                        order.partner_id.display_name,
                    )
                )

    @api.constrains("notice_date", "scheduled_date", "kind")
    def _check_notice_period(self):
        for order in self:
            if order.kind != "disconnection" or not order.scheduled_date:
                continue
            if not order.notice_date or (
                order.scheduled_date < order.notice_date + order._notice_delay()
            ):
                raise ValidationError(
                    self.env._(
                        "%(order)s: the written notice must be given at least "
                        "%(days)s days before the disconnection.",
                        order=order.name,
                        days=order._notice_delay().days,
                    )
                )

    @api.model
    def _utility_protected_fields(self):
        # the workflow and what proves it lawful: the notices are stamped by
        # the notify actions from the server's clock, the approval by a
        # manager's action, the execution by the field staff's action
        return {
            "kind",
            "state",
            "level_id",
            "notice_date",
            "scheduled_date",
            "second_notice_date",
            "authority_partner_id",
            "care_approved_by_id",
            "executed_date",
            "executed_by_id",
            "origin_order_id",
            "reconnection_order_id",
        }

    @api.model
    def _utility_create_only_fields(self):
        # an order stays on the customer and the bills it was made for
        return {"name", "partner_id", "company_id", "bill_ids"}

    @api.constrains("bill_ids", "partner_id", "kind")
    def _check_bills(self):
        """A disconnection order names the overdue bills it is for, all of
        its customer: without them nothing tells what paying stops it."""
        for order in self.filtered(lambda o: o.kind == "disconnection"):
            if not order.bill_ids:
                raise ValidationError(
                    self.env._(
                        "%s: a disconnection order must name the overdue bills it is for.",
                        order.name,
                    )
                )
            customer = order.partner_id.commercial_partner_id
            if order.bill_ids.filtered(
                lambda b, c=customer: b.move_type != "out_invoice" or b.commercial_partner_id != c
            ):
                raise ValidationError(
                    self.env._(
                        "%(order)s: the bills must be customer bills of %(customer)s.",
                        order=order.name,
                        customer=customer.display_name,
                    )
                )

    @api.model
    def _overdue_bills(self, partner, on_date=None):
        """The customer's posted bills still open and past due on ``on_date``."""
        on_date = on_date or fields.Date.context_today(self)
        Move = self.env["account.move"]
        return Move.search(
            # a security deposit, a bill in an installment plan or written
            # off is no bill a supply is cut off for
            Move._utility_chased_bill_domain(partner) & Domain("invoice_date_due", "<", on_date),
            order="invoice_date_due, id",
        )

    @api.onchange("partner_id")
    def _onchange_partner_id_bills(self):
        """An order made by hand is for the customer's overdue bills."""
        if self.kind == "disconnection" and self.state == "draft":
            self.bill_ids = self._overdue_bills(self.partner_id) if self.partner_id else False

    @api.model_create_multi
    def create(self, vals_list):
        new_label = self.env._("New")
        for vals in vals_list:
            if is_new_name(self, vals.get("name")):
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("utility.disconnection.order") or new_label
                )
            if (
                vals.get("kind", "disconnection") == "disconnection"
                and not vals.get("bill_ids")
                and vals.get("partner_id")
            ):
                # made by hand or by import without bills: the customer's
                # overdue bills, as the form proposes
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["bill_ids"] = [Command.set(self._overdue_bills(partner).ids)]
        return super().create(vals_list)

    def _check_arrears_open(self):
        """Refuse to go on with a disconnection whose bills are all paid:
        there is nothing left to disconnect for."""
        for order in self.filtered(lambda o: o.kind == "disconnection"):
            # a bill held by an installment plan or written off is no
            # arrears to disconnect for either
            if not order.bill_ids or all(
                bill.currency_id.is_zero(bill.amount_residual) or bill.utility_collection_hold
                for bill in order.bill_ids
            ):
                raise UserError(
                    self.env._(
                        "%s: the bills of this order are paid, there are no arrears to "
                        "disconnect for. Cancel the order.",
                        order.name,
                    )
                )

    # notices -------------------------------------------------------------

    def _post_notice(self, template_xmlid, partners):
        """Post the rendered notice on the order and send it to ``partners``."""
        template = self.env.ref(template_xmlid)
        # one rendering for all the orders
        bodies = template._render_field("body_html", self.ids)
        subjects = template._render_field("subject", self.ids)
        for order in self:
            order.message_post(
                body=bodies[order.id],
                subject=subjects[order.id],
                partner_ids=partners.get(order, order.partner_id).ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def action_notify(self):
        """Give the written disconnection notice (copied to the authority for
        important customers) and plan the earliest lawful date."""
        now = fields.Datetime.now()
        recipients = {}
        for order in self:
            if order.kind != "disconnection" or order.state != "draft":
                raise UserError(self.env._("Only a draft disconnection order can be notified."))
            order._check_arrears_open()
            partners = order.partner_id
            if order.is_important:
                authority = order.company_id.utility_authority_partner_id
                if not authority:
                    raise UserError(
                        self.env._(
                            "%s is an important customer: set the power administration "
                            "authority on the company to copy the notice to it.",
                            order.partner_id.display_name,
                        )
                    )
                partners |= authority
                with order._utility_protected_write():
                    order.authority_partner_id = authority
            recipients[order] = partners
            with order._utility_protected_write():
                order.write(
                    {
                        "state": "notified",
                        "notice_date": now,
                        "scheduled_date": max(
                            order.scheduled_date or now, now + order._notice_delay()
                        ),
                    }
                )
        self._post_notice("utility_arrears.mail_template_disconnection_notice", recipients)
        return True

    def action_approve_care(self):
        """A Collection Manager allows disconnecting a caring-service customer."""
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(
                self.env._("Only a Collection Manager can approve this disconnection.")
            )
        for order in self:
            if order.kind != "disconnection" or order.state not in ("draft", "notified"):
                raise UserError(
                    self.env._("%s: only a pending disconnection can be approved.", order.name)
                )
        with self._utility_protected_write():
            self.write({"care_approved_by_id": self.env.user.id})
        return True

    def action_schedule(self):
        """Confirm the disconnection date (after the notice period)."""
        for order in self:
            if order.state != "notified":
                raise UserError(self.env._("Only a notified order can be scheduled."))
            order._check_arrears_open()
            if not order.scheduled_date:
                raise UserError(self.env._("Set the date of the disconnection first."))
            order._utility_check_care_cleared()
        with self._utility_protected_write():
            self.write({"state": "scheduled"})
        return True

    def action_send_second_notice(self):
        """Notify non-residential customers again before the disconnection."""
        orders = self.filtered(lambda o: o.state == "scheduled" and o._needs_second_notice())
        with orders._utility_protected_write():
            orders.write({"second_notice_date": fields.Datetime.now()})
        orders._post_notice(
            "utility_arrears.mail_template_disconnection_second_notice",
            {order: order.partner_id | order.authority_partner_id for order in orders},
        )
        return True

    @api.model
    def _cron_send_second_notices(self):
        """Send the second notice to customers disconnected within two hours."""
        soon = fields.Datetime.now() + 2 * SECOND_NOTICE_BEFORE
        orders = self.search(
            [
                ("state", "=", "scheduled"),
                ("kind", "=", "disconnection"),
                ("second_notice_date", "=", False),
                ("scheduled_date", "<=", soon),
            ]
        )
        orders.action_send_second_notice()

    def action_execute(self):
        """Field staff record that the supply was cut (or restored)."""
        user = self.env.user
        now = fields.Datetime.now()
        self._utility_check_executable(now)
        self._utility_mark_executed(now, user)
        return True

    def _utility_mark_executed(self, when, user):
        """Record that the supply was cut (or restored) at ``when``, by
        ``user``; a reconnection closes its disconnection order."""
        for order in self:
            with (order | order.origin_order_id)._utility_protected_write():
                order.write({"state": "executed", "executed_date": when, "executed_by_id": user.id})
                if order.kind == "reconnection" and order.origin_order_id:
                    order.origin_order_id.state = "reconnected"

    def _utility_check_executable(self, now):
        """Refuse to execute these orders at ``now`` unless the user is field
        staff and every rule that makes a disconnection lawful holds: the
        caring-service approval and visit, bills still open, the notice
        period over, the second notice of non-residential customers."""
        if not self.env.user.has_group("utility_billing.group_utility_field_collector"):
            raise AccessError(self.env._("Only field staff can record an execution."))
        for order in self:
            if order.state != "scheduled":
                raise UserError(self.env._("Only a scheduled order can be executed."))
            if order.kind == "disconnection":
                order._utility_check_care_cleared()
                order._check_arrears_open()
                if not order.notice_date or now < order.scheduled_date:
                    raise UserError(
                        self.env._(
                            "%(order)s is scheduled for %(date)s: it cannot be executed "
                            "before the notice period ends.",
                            order=order.name,
                            date=order.scheduled_date,
                        )
                    )
                if order._needs_second_notice() and (
                    not order.second_notice_date
                    or order.second_notice_date > now - SECOND_NOTICE_BEFORE
                ):
                    raise UserError(
                        self.env._(
                            "%s: a non-residential customer must be notified again at "
                            "least one hour before the disconnection.",
                            order.name,
                        )
                    )

    def action_cancel(self):
        if self.filtered(lambda o: o.state in ("executed", "reconnected")):
            raise UserError(self.env._("An executed order cannot be cancelled."))
        with self._utility_protected_write():
            self.write({"state": "cancelled"})
        return True

    # creation from dunning and reaction to payments ------------------------

    @api.model
    def _create_from_level(self, level, bills):
        """Disconnection orders for ``bills`` reaching ``level``: bills of a
        customer are added to their open order, else one order per customer
        is created and notified. Caring-service customers are left out, and
        so are bills no channel may chase (installment plan, write-off) and
        bills of a contract no longer active: after a transfer, the old
        owner's arrears never cut the supply the point's new contract gets."""
        bills = bills.filtered(
            lambda b: (
                not b.partner_id.utility_is_care
                and not b.utility_collection_hold
                and not b.utility_entry_kind
                and (not b.utility_contract_id or b.utility_contract_id.state == "active")
            )
        )
        open_orders = self.search(
            [
                ("partner_id", "in", bills.partner_id.ids),
                ("kind", "=", "disconnection"),
                ("state", "in", ("draft", "notified", "scheduled")),
            ]
        )
        by_partner = {order.partner_id: order for order in open_orders}
        vals_list = []
        for partner, partner_bills in bills.grouped("partner_id").items():
            if partner in by_partner:
                with by_partner[partner]._utility_protected_write():
                    by_partner[partner].bill_ids = [Command.link(bill.id) for bill in partner_bills]
                continue
            vals_list.append(
                {
                    "partner_id": partner.id,
                    "company_id": partner_bills[0].company_id.id,
                    "level_id": level.id,
                    "user_id": level.user_id.id,
                    "bill_ids": [Command.set(partner_bills.ids)],
                }
            )
        with self.browse()._utility_protected_write():
            orders = self.create(vals_list)
        orders.action_notify()
        return orders | open_orders

    def _utility_check_arrears_paid(self):
        """Bills of the order all paid: stop a pending disconnection, or
        create the reconnection order of an executed one."""
        paid = self.filtered(
            lambda o: (
                o.kind == "disconnection"
                and o.bill_ids
                and all(bill.currency_id.is_zero(bill.amount_residual) for bill in o.bill_ids)
            )
        )
        # a bill written off is settled by the write-off, not paid: a pending
        # order stops, but the supply cut for it is not given back
        written_off = paid.filtered(
            lambda o: any(bill.utility_collection_hold == "written_off" for bill in o.bill_ids)
        )
        pending = paid.filtered(lambda o: o.state in ("draft", "notified", "scheduled"))
        pending.write({"state": "cancelled"})
        for order in pending:
            if order in written_off:
                order.message_post(body=self.env._("Arrears written off: disconnection cancelled."))
            else:
                order.message_post(body=self.env._("Arrears paid: disconnection cancelled."))
        executed = paid.filtered(lambda o: o.state == "executed" and not o.reconnection_order_id)
        for order in executed & written_off:
            order.message_post(
                body=self.env._("Arrears written off, not paid: no reconnection order.")
            )
        executed -= written_off
        now = fields.Datetime.now()
        reconnections = self.create(
            [
                {
                    "kind": "reconnection",
                    "state": "scheduled",
                    "partner_id": order.partner_id.id,
                    "company_id": order.company_id.id,
                    "bill_ids": [Command.set(order.bill_ids.ids)],
                    "origin_order_id": order.id,
                    "user_id": order.user_id.id,
                    "scheduled_date": now,
                }
                for order in executed
            ]
        )
        for reconnection in reconnections:
            reconnection.origin_order_id.reconnection_order_id = reconnection
            reconnection.origin_order_id.message_post(
                body=self.env._("Arrears paid: reconnection order %s created.", reconnection.name)
            )
        return reconnections
