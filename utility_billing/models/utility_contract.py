from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.utility_billing.tools.new_name import is_new_name


class UtilityContract(models.Model):
    """A supply contract (供用電合同) between the company and a customer for a
    service point: the tariff it is billed at, how the customer pays, the
    property boundary point, and whether (and when) the written contract was
    signed. Bills are issued per contract and billing period."""

    _name = "utility.contract"
    _description = "Supply Contract"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "name desc"

    name = fields.Char(
        string="Contract Number",
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: self.env._("New"),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
    )
    customer_number = fields.Char(
        related="partner_id.utility_customer_number", store=True, index=True
    )
    category = fields.Selection(related="partner_id.utility_category", store=True, index=True)
    service_point_id = fields.Many2one(
        comodel_name="utility.service.point",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    station_id = fields.Many2one(
        comodel_name="utility.supply.station",
        related="service_point_id.station_id",
        store=True,
        index=True,
    )
    village = fields.Char(related="service_point_id.village", store=True)
    meter_id = fields.Many2one(
        comodel_name="utility.meter",
        related="service_point_id.current_meter_id",
        string="Current Meter",
    )
    tariff_id = fields.Many2one(
        comodel_name="utility.tariff",
        required=True,
        tracking=True,
        check_company=True,
    )
    billing_mode = fields.Selection(
        selection=[("postpaid", "Postpaid"), ("prepaid", "Prepaid")],
        default="postpaid",
        required=True,
        tracking=True,
        help="Prepaid customers buy electricity in advance; bills draw on their balance.",
    )
    payment_method = fields.Selection(
        selection=[
            ("counter", "Service-hall counter"),
            ("agency", "Post office / bank agency"),
            ("bank_debit", "Bank direct debit"),
            ("terminal", "Self-service terminal"),
            ("online", "Online"),
            ("field", "Door-to-door collection"),
        ],
        default="counter",
        required=True,
        tracking=True,
        help="How the customer usually pays.",
    )
    payment_term_id = fields.Many2one(
        comodel_name="account.payment.term",
        tracking=True,
        help="Gives the bills' due date. Without it bills fall due on the invoice date.",
    )
    boundary_point = fields.Char(
        string="Property Boundary Point",
        help="Where the company's and the customer's installations meet "
        "(產權分界點): who maintains what.",
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(string="End Date", tracking=True)
    predecessor_id = fields.Many2one(
        comodel_name="utility.contract",
        string="Previous Contract",
        index="btree_not_null",
        copy=False,
        readonly=True,
        check_company=True,
        help="The contract of the same service point this one follows (transfer of "
        "ownership): set by the account change that created this contract.",
    )
    successor_id = fields.Many2one(
        comodel_name="utility.contract",
        string="Next Contract",
        compute="_compute_successor_id",
        help="The contract of the same service point that follows this one.",
    )
    billed_from = fields.Date(
        compute="_compute_billed_from",
        store=True,
        help="First day billed to this contract: its start date, or the day after it "
        "when the previous contract of the point ended that day (the handover day is "
        "billed to the previous contract).",
    )
    final_bill_id = fields.Many2one(
        comodel_name="account.move",
        string="Final Bill",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The bill up to the contract's end date, made by its move-out or transfer: "
        "periodic billing runs leave the contract out, and its end date is frozen.",
    )
    change_ids = fields.One2many(
        comodel_name="utility.contract.change",
        inverse_name="contract_id",
        string="Account Changes",
    )
    change_count = fields.Integer(compute="_compute_change_count")
    signed_date = fields.Date(tracking=True)
    signed_document = fields.Binary(attachment=True, copy=False)
    signed_document_name = fields.Char()
    is_signed = fields.Boolean(
        compute="_compute_is_signed",
        store=True,
        help="The written supply contract has been signed.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("active", "Active"),
            ("terminated", "Terminated"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    note = fields.Html()

    _name_company_uniq = models.Constraint(
        "UNIQUE(name, company_id)", "A contract number must be unique per company."
    )
    _one_active_per_point = models.UniqueIndex(
        "(service_point_id) WHERE state = 'active'",
        "A service point can have only one active supply contract.",
    )

    @api.model
    def _utility_protected_fields(self):
        # the contract's workflow: Activate and Terminate
        # predecessor, final bill: set by the account change only
        return {"state", "predecessor_id", "final_bill_id", "change_ids"}

    def write(self, vals):
        if "date_end" in vals and not self._utility_has_protected_write():
            closed = self.filtered("final_bill_id")
            if closed:
                self._utility_raise_protected({"date_end"})
        return super().write(vals)

    def _compute_change_count(self):
        # the changes ending the contract and the one that opened it
        Change = self.env["utility.contract.change"]
        ended = dict(
            Change._read_group([("contract_id", "in", self.ids)], ["contract_id"], ["__count"])
        )
        opened = dict(
            Change._read_group(
                [("new_contract_id", "in", self.ids)], ["new_contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.change_count = ended.get(contract, 0) + opened.get(contract, 0)

    @api.depends("date_start", "predecessor_id.date_end")
    def _compute_billed_from(self):
        for contract in self:
            start = contract.date_start
            if start and contract.predecessor_id.date_end == start:
                start += timedelta(days=1)
            contract.billed_from = start

    def _compute_successor_id(self):
        successors = self.search_fetch(
            [("predecessor_id", "in", self.ids)], ["predecessor_id"], order="id"
        )
        by_predecessor = {succ.predecessor_id.id: succ for succ in successors}
        for contract in self:
            contract.successor_id = by_predecessor.get(contract.id, self.browse())

    @api.depends("signed_date")
    def _compute_is_signed(self):
        for contract in self:
            contract.is_signed = bool(contract.signed_date)

    @api.constrains("tariff_id", "partner_id")
    def _check_tariff_category(self):
        for contract in self:
            category = contract.partner_id.utility_category
            if category and contract.tariff_id.category != category:
                raise ValidationError(
                    self.env._(
                        "Tariff %(tariff)s is for another customer category than "
                        "customer %(customer)s: bill each category only at its own "
                        "approved tariff.",
                        tariff=contract.tariff_id.name,
                        customer=contract.partner_id.display_name,
                    )
                )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if contract.date_end and contract.date_end < contract.date_start:
                raise ValidationError(
                    self.env._("A contract cannot end before it starts (%s).", contract.name)
                )

    @api.constrains("service_point_id", "state", "billed_from", "date_end")
    def _check_point_periods(self):
        """Two contracts in force of one service point never bill the same
        day: each reading is then billed to one contract only."""
        for contract in self.filtered(lambda c: c.state != "draft"):
            overlapping = self.search(
                [
                    ("id", "!=", contract.id),
                    ("service_point_id", "=", contract.service_point_id.id),
                    ("state", "!=", "draft"),
                    ("billed_from", "<=", contract.date_end or date.max),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", contract.billed_from),
                ],
                limit=1,
            )
            if overlapping:
                raise ValidationError(
                    self.env._(
                        "Contracts %(contract)s and %(other)s of service point %(point)s "
                        "would both be billed for the same days: end the earlier one "
                        "before the later one starts.",
                        contract=contract.name,
                        other=overlapping.name,
                        point=contract.service_point_id.display_name,
                    )
                )

    def _utility_next_billing_date(self):
        """First day of this contract not billed yet: the day after the
        period of its last bill in force, else its first billed day."""
        self.ensure_one()
        last = self.env["account.move"].search(
            [
                ("utility_contract_id", "=", self.id),
                ("move_type", "=", "out_invoice"),
                ("state", "!=", "cancel"),
                ("utility_credited", "=", False),
            ],
            order="utility_period_end desc",
            limit=1,
        )
        if last.utility_period_end:
            return last.utility_period_end + timedelta(days=1)
        return self.billed_from

    @api.model_create_multi
    def create(self, vals_list):
        new_label = self.env._("New")
        seq = self.env["ir.sequence"]
        for vals in vals_list:
            if is_new_name(self, vals.get("name")):
                vals["name"] = seq.next_by_code("utility.contract") or new_label
        return super().create(vals_list)

    @api.depends("name", "partner_id")
    def _compute_display_name(self):
        for contract in self:
            contract.display_name = f"{contract.name} {contract.partner_id.name or ''}".strip()

    def action_activate(self):
        """Put draft contracts into force."""
        if self.filtered(lambda c: c.state != "draft"):
            raise UserError(self.env._("Only a draft contract can be activated."))
        with self._utility_protected_write():
            self.write({"state": "active"})
        return True

    def action_terminate(self):
        """End active contracts today (or at their end date if earlier)."""
        today = fields.Date.context_today(self)
        for contract in self:
            if contract.state != "active":
                raise UserError(self.env._("Only an active contract can be terminated."))
            with contract._utility_protected_write():
                contract.write({"state": "terminated", "date_end": contract.date_end or today})
        return True

    # ------------------------------------------------------------------
    # account changes (utility.contract.change)
    # ------------------------------------------------------------------

    def _utility_open_change(self, kind):
        self.ensure_one()
        if self.state != "active":
            raise UserError(self.env._("Only an active contract can be moved out or transferred."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "utility.contract.change",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_kind": kind,
                "default_contract_id": self.id,
                "default_service_point_id": self.service_point_id.id,
                "default_company_id": self.company_id.id,
                "default_new_tariff_id": self.tariff_id.id,
                "default_new_billing_mode": self.billing_mode,
                "default_new_contract_kind": self.contract_kind,
                "default_new_payment_term_id": self.payment_term_id.id,
            },
        }

    def action_move_out(self):
        """Open a draft move-out (销户) of the contract."""
        return self._utility_open_change("move_out")

    def action_transfer(self):
        """Open a draft transfer of ownership (过户) of the contract."""
        return self._utility_open_change("transfer")

    def action_view_changes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_billing.action_utility_contract_change"
        )
        action["domain"] = [
            "|",
            ("contract_id", "=", self.id),
            ("new_contract_id", "=", self.id),
        ]
        action["context"] = {"create": False}
        return action
