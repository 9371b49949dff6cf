from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from .utility_deposit_rule import CONTRACT_KIND_SELECTION

CHANGE_KIND_SELECTION = [
    ("move_out", "Move-out"),
    ("transfer", "Transfer of ownership"),
    ("move_in", "Move-in"),
]


class UtilityContractChange(models.Model):
    """An account change of a service point (户务变更): a move-out (销户), a
    transfer of ownership (过户) or a move-in (入户), on day D.

    One model with a ``kind`` and one step method per kind
    (``_utility_confirm_<kind>``), as ``payment.provider`` does:

    * move-out: the final readings dated D, the final bill up to D (a
      ``kind='final'`` billing run), the deposit applied to it, the credit
      left refunded (a submitted ``utility.refund.request``) or kept, the
      contract terminated on D with its ``final_bill_id``;
    * transfer: the same for the old contract (D belongs to it), after the
      arrears check, then a new contract for the new customer on the same
      point, started on D (billed from D + 1) and activated; the old
      customer's credit may also be transferred to the new one, with both
      consents (a ULC ``credit_transfer`` entry);
    * move-in: the opening reading dated D (never billed: the vacant
      consumption is billed to nobody), a new contract started on D.

    Readings are entered by their own button (``action_record_readings``),
    so that a reading held for review stays held when the confirmation
    stops: the confirmation runs in one transaction and undoes everything
    on any error."""

    _name = "utility.contract.change"
    _description = "Account Change"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "id desc"

    name = fields.Char(
        required=True, copy=False, readonly=True, default=lambda self: self.env._("New")
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="company_id.currency_id")
    kind = fields.Selection(
        selection=CHANGE_KIND_SELECTION,
        required=True,
        default="move_out",
        tracking=True,
    )
    state = fields.Selection(
        selection=[("draft", "Draft"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    contract_id = fields.Many2one(
        comodel_name="utility.contract",
        string="Contract",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        help="The contract that ends (move-out, transfer).",
    )
    service_point_id = fields.Many2one(
        comodel_name="utility.service.point",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        index="btree_not_null",
        help="The customer of the contract that ends.",
    )
    change_date = fields.Date(
        string="Change Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Day of the move-out, transfer or move-in. A contract that ends is billed "
        "up to and including this day; a new contract of a transfer is billed from the "
        "next day, that of a move-in from this day.",
    )
    reading_line_ids = fields.One2many(
        comodel_name="utility.contract.change.reading",
        inverse_name="change_id",
        string="Readings",
    )
    readings_entered = fields.Boolean(compute="_compute_readings_state")
    readings_validated = fields.Boolean(compute="_compute_readings_state")
    # -- final bill, deposit, credit --------------------------------------
    final_run_id = fields.Many2one(
        comodel_name="utility.billing.run", string="Final Billing Run", readonly=True, copy=False
    )
    final_bill_id = fields.Many2one(
        comodel_name="account.move", string="Final Bill", readonly=True, copy=False
    )
    final_bill_amount = fields.Monetary(
        related="final_bill_id.amount_total", string="Final Bill Amount"
    )
    deposit_held = fields.Monetary(
        related="contract_id.deposit_held",
        string="Deposit Held",
        help="Security deposit the customer paid and that is still held.",
    )
    deposit_move_id = fields.Many2one(
        comodel_name="account.move", string="Deposit Applied Entry", readonly=True, copy=False
    )
    deposit_applied_amount = fields.Monetary(
        related="deposit_move_id.amount_total", string="Deposit Applied"
    )
    customer_credit = fields.Monetary(
        compute="_compute_customer_credit",
        string="Customer Credit",
        help="The customer's credit not applied to any bill yet (over-payments, the "
        "deposit applied), less the refunds in progress.",
    )
    credit_action = fields.Selection(
        selection=[
            ("refund", "Refund it"),
            ("keep", "Keep it on the account"),
            ("transfer", "Transfer it to the new customer"),
        ],
        string="Credit Left",
        default="refund",
        required=True,
        tracking=True,
        help="What becomes of the customer's credit once the final bill is paid from it "
        "and from the deposit: a refund request (approved by a Collection Manager, then "
        "paid), kept on the account, or (transfer) moved to the new customer with both "
        "customers' written consent.",
    )
    refund_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Refund From",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        help="Bank or cash journal the refund will be paid from.",
    )
    refund_partner_bank_id = fields.Many2one(
        comodel_name="res.partner.bank",
        string="Customer Bank Account",
        domain="[('partner_id', '=', partner_id)]",
    )
    refund_request_id = fields.Many2one(
        comodel_name="utility.refund.request", string="Refund Request", readonly=True, copy=False
    )
    refund_amount = fields.Monetary(related="refund_request_id.amount", string="Refund Amount")
    # -- the new contract (transfer, move-in) -------------------------------
    new_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="New Customer",
        domain="[('utility_customer_number', '!=', False)]",
        tracking=True,
    )
    new_tariff_id = fields.Many2one(
        comodel_name="utility.tariff",
        string="New Tariff",
        check_company=True,
    )
    new_contract_kind = fields.Selection(
        selection=CONTRACT_KIND_SELECTION, string="New Contract Kind", default="permanent"
    )
    new_billing_mode = fields.Selection(
        selection=[("postpaid", "Postpaid"), ("prepaid", "Prepaid")],
        string="New Billing Mode",
        default="postpaid",
    )
    new_payment_term_id = fields.Many2one(
        comodel_name="account.payment.term", string="New Payment Terms"
    )
    new_contract_id = fields.Many2one(
        comodel_name="utility.contract", string="New Contract", readonly=True, copy=False
    )
    # -- credit transfer (transfer) -----------------------------------------
    consent_old = fields.Boolean(
        string="Old Customer Consents",
        help="The old customer agreed in writing to hand his credit to the new customer.",
    )
    consent_new = fields.Boolean(
        string="New Customer Consents",
        help="The new customer agreed in writing to take over the credit.",
    )
    consent_attachment_ids = fields.Many2many(
        comodel_name="ir.attachment",
        string="Signed Consents",
        help="The scanned consents of both customers.",
    )
    credit_transfer_move_id = fields.Many2one(
        comodel_name="account.move", string="Credit Transfer Entry", readonly=True, copy=False
    )
    credit_transferred_amount = fields.Monetary(
        related="credit_transfer_move_id.amount_total", string="Credit Transferred"
    )
    # -- arrears (transfer) ----------------------------------------------------
    arrears_amount = fields.Monetary(
        string="Arrears",
        compute="_compute_arrears_amount",
        help="Overdue open bills of the contract that ends: they block a transfer unless "
        "a Collection Manager overrides; they stay with the old customer.",
    )
    arrears_override_reason = fields.Text(
        string="Override Reason",
        help="Why the transfer goes on with arrears (Collection Manager).",
    )
    arrears_override_by_id = fields.Many2one(
        comodel_name="res.users", string="Arrears Overridden By", readonly=True, copy=False
    )
    # -- move-in ------------------------------------------------------------
    vacant_consumption = fields.Float(
        string="Vacant Consumption (kWh)",
        compute="_compute_vacant_consumption",
        digits=(16, 2),
        help="Consumption since the last reading before the move-in, billed to nobody.",
    )
    done_by_id = fields.Many2one(
        comodel_name="res.users", string="Confirmed By", readonly=True, copy=False
    )
    done_at = fields.Datetime(string="Confirmed On", readonly=True, copy=False)
    note = fields.Text()

    # ------------------------------------------------------------------
    # protection
    # ------------------------------------------------------------------

    @api.model
    def _utility_protected_fields(self):
        return {
            "name", "state", "final_run_id", "final_bill_id", "deposit_move_id",
            "refund_request_id", "credit_transfer_move_id", "new_contract_id",
            "arrears_override_by_id", "done_by_id", "done_at",
        }  # fmt: skip

    @api.model
    def _utility_create_only_fields(self):
        # what the change is about: given when it is created
        return {"kind", "contract_id", "service_point_id", "company_id"}

    @api.model_create_multi
    def create(self, vals_list):
        Contract = self.env["utility.contract"]
        for vals in vals_list:
            contract = Contract.browse(vals.get("contract_id"))
            if contract:
                vals.setdefault("service_point_id", contract.service_point_id.id)
                vals.setdefault("company_id", contract.company_id.id)
        vals_list = self._utility_numbered_vals(vals_list, "utility.contract.change")
        with self.browse()._utility_protected_write():
            changes = super().create(vals_list)
        changes._utility_check_kind()
        for change in changes.filtered(lambda c: not c.reading_line_ids):
            change.reading_line_ids = [
                Command.create(vals)
                for vals in self._utility_prefill_readings(
                    change.service_point_id, change.change_date
                )
            ]
        return changes

    def write(self, vals):
        editable = set(vals) - {"message_main_attachment_id"}
        if editable and not self._utility_has_protected_write():
            self._utility_check_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda c: c.state != "draft"):
            raise UserError(self.env._("Only a draft account change can be deleted."))

    def _utility_check_draft(self):
        closed = self.filtered(lambda c: c.state != "draft")
        if closed:
            raise UserError(
                self.env._(
                    "Account change %s is confirmed or cancelled: it cannot be changed.",
                    closed[0].name,
                )
            )

    def _utility_check_kind(self):
        for change in self:
            if change.kind in ("move_out", "transfer") and not change.contract_id:
                raise UserError(
                    self.env._("A move-out or a transfer names the contract that ends.")
                )
            if change.contract_id and change.contract_id.service_point_id != (
                change.service_point_id
            ):
                raise UserError(
                    self.env._(
                        "Contract %(contract)s is not of service point %(point)s.",
                        contract=change.contract_id.name,
                        point=change.service_point_id.display_name,
                    )
                )

    @api.model
    def _utility_readings_entered_error(self, lines):
        return UserError(
            self.env._(
                "The reading of meter %s is entered: cancel that reading (Readings) to "
                "enter another value.",
                lines[0].meter_id.serial,
            )
        )

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------

    @api.depends("contract_id.partner_id")
    def _compute_partner_id(self):
        for change in self:
            change.partner_id = change.contract_id.partner_id

    @api.depends("reading_line_ids.reading_id.state")
    def _compute_readings_state(self):
        for change in self:
            readings = change.reading_line_ids.reading_id
            change.readings_entered = bool(change.reading_line_ids) and all(
                line.reading_id for line in change.reading_line_ids
            )
            change.readings_validated = change.readings_entered and all(
                state in ("validated", "billed") for state in readings.mapped("state")
            )

    @api.depends("partner_id", "state", "final_bill_id", "deposit_move_id")
    def _compute_customer_credit(self):
        for change in self:
            if not change.partner_id:
                change.customer_credit = 0.0
                continue
            credit = -sum(
                change._utility_open_credit_lines(change.partner_id).mapped("amount_residual")
            )
            change.customer_credit = change.currency_id.round(credit)

    def _utility_arrears_bills(self):
        """Overdue open bills of the contract that ends."""
        self.ensure_one()
        if not self.contract_id:
            return self.env["account.move"]
        Move = self.env["account.move"].sudo()
        today = fields.Date.context_today(self)
        return Move.search(
            Move._utility_open_bill_domain(self.contract_id.partner_id)
            & Domain("utility_contract_id", "=", self.contract_id.id)
            & Domain("invoice_date_due", "<", today)
        )

    @api.depends("contract_id", "state")
    def _compute_arrears_amount(self):
        for change in self:
            bills = change._utility_arrears_bills()
            change.arrears_amount = change.currency_id.round(sum(bills.mapped("amount_residual")))

    @api.depends("reading_line_ids.reading_id.consumption", "kind")
    def _compute_vacant_consumption(self):
        for change in self:
            change.vacant_consumption = (
                sum(change.reading_line_ids.reading_id.mapped("consumption"))
                if change.kind == "move_in"
                else 0.0
            )

    # ------------------------------------------------------------------
    # readings
    # ------------------------------------------------------------------

    @api.model
    def _utility_prefill_readings(self, service_point, change_date):
        """Hook: values of the reading lines of a new change of
        ``service_point`` on ``change_date``, one per installed meter (a
        smart-meter add-on fills in the values it read remotely)."""
        meters = service_point.meter_ids.filtered(lambda m: m.state == "installed")
        return [{"meter_id": meter.id} for meter in meters]

    @api.model
    def default_get(self, fields):
        defaults = super().default_get(fields)
        if "reading_line_ids" in fields and not defaults.get("reading_line_ids"):
            point = self.env["utility.service.point"].browse(defaults.get("service_point_id"))
            if not point and defaults.get("contract_id"):
                point = (
                    self.env["utility.contract"].browse(defaults["contract_id"]).service_point_id
                )
            if point:
                defaults["reading_line_ids"] = [
                    Command.create(vals)
                    for vals in self._utility_prefill_readings(point, defaults.get("change_date"))
                ]
        return defaults

    def _utility_reading_type(self):
        return "move_in" if self.kind == "move_in" else "move_out"

    def action_record_readings(self):
        """Enter the readings of the lines as meter readings dated the
        change's day and validate them. A consumption far above the usual
        one is held for review (Readings > To Review) and stops the
        confirmation until a billing officer approves it."""
        self._utility_check_draft()
        Reading = self.env["utility.meter.reading"]
        for change in self:
            if not change.reading_line_ids:
                raise UserError(
                    self.env._("Add the reading of each meter of the service point first.")
                )
            todo = change.reading_line_ids.filtered(
                lambda line: not line.reading_id or line.reading_id.state == "cancelled"
            )
            if not todo:
                raise UserError(self.env._("The readings of %s are entered.", change.name))
            for line in todo:
                reading = Reading.create(
                    {
                        "meter_id": line.meter_id.id,
                        "reading_date": change.change_date,
                        "value": line.value,
                        "value_peak": line.value_peak,
                        "value_flat": line.value_flat,
                        "value_valley": line.value_valley,
                        "reading_type": change._utility_reading_type(),
                    }
                )
                reading.action_validate()
                with line._utility_protected_write():
                    line.reading_id = reading
        return True

    def _utility_check_readings(self):
        self.ensure_one()
        if not self.reading_line_ids or not self.readings_entered:
            raise UserError(
                self.env._("Enter the readings of %s first (Enter Readings).", self.name)
            )
        for line in self.reading_line_ids:
            reading = line.reading_id
            if reading.state == "to_review":
                raise UserError(
                    self.env._(
                        "The reading of meter %(meter)s is held for review (%(reason)s): "
                        "approve it (Readings > To Review) and confirm again.",
                        meter=line.meter_id.serial,
                        reason=reading.review_reason or "",
                    )
                )
            if reading.state not in ("validated", "billed"):
                raise UserError(
                    self.env._(
                        "The reading of meter %s is not validated: enter it again.",
                        line.meter_id.serial,
                    )
                )
            if reading.reading_date != self.change_date:
                raise UserError(
                    self.env._(
                        "The reading of meter %s is not dated the day of the change.",
                        line.meter_id.serial,
                    )
                )

    # ------------------------------------------------------------------
    # confirmation
    # ------------------------------------------------------------------

    def action_confirm(self):
        """Carry the change out: see the steps of each kind."""
        if not self.env.user.has_group("utility_billing.group_utility_billing_officer"):
            raise AccessError(self.env._("Only a billing officer confirms account changes."))
        self._utility_check_draft()
        for change in self:
            if change.change_date > fields.Date.context_today(change):
                raise UserError(self.env._("An account change cannot be dated in the future."))
            change._utility_check_readings()
            getattr(change, f"_utility_confirm_{change.kind}")()
            with change._utility_protected_write():
                change.write(
                    {
                        "state": "done",
                        "done_by_id": self.env.user.id,
                        "done_at": fields.Datetime.now(),
                    }
                )
            change.message_post(body=change._utility_done_message())
        return True

    def _utility_done_message(self):
        parts = [self.env._("Account change confirmed.")]
        currency = self.currency_id
        if self.final_bill_id:
            parts.append(
                self.env._(
                    "Final bill %(bill)s: %(amount)s.",
                    bill=self.final_bill_id.name,
                    amount=currency.format(self.final_bill_id.amount_total),
                )
            )
        if self.deposit_move_id:
            parts.append(
                self.env._(
                    "Deposit applied: %s.", currency.format(self.deposit_move_id.amount_total)
                )
            )
        if self.refund_request_id:
            parts.append(
                self.env._(
                    "Refund requested: %(amount)s (%(request)s).",
                    amount=currency.format(self.refund_request_id.amount),
                    request=self.refund_request_id.name,
                )
            )
        if self.credit_transfer_move_id:
            parts.append(
                self.env._(
                    "Credit transferred: %s.",
                    currency.format(self.credit_transfer_move_id.amount_total),
                )
            )
        if self.new_contract_id:
            parts.append(self.env._("New contract %s.", self.new_contract_id.name))
        return " ".join(parts)

    def _utility_confirm_move_out(self):
        self._utility_close_contract()
        self._utility_settle_credit()

    def _utility_confirm_transfer(self):
        self._utility_check_arrears()
        self._utility_check_new_contract_values()
        if self.credit_action == "transfer":
            self._utility_check_consents()
        self._utility_close_contract()
        if self.credit_action == "transfer":
            self._utility_transfer_credit()
        else:
            self._utility_settle_credit()
        self._utility_open_contract(predecessor=self.contract_id)

    def _utility_confirm_move_in(self):
        active = self.service_point_id.contract_ids.filtered(lambda c: c.state == "active")
        if active:
            raise UserError(
                self.env._(
                    "Service point %(point)s has an active contract (%(contract)s): move "
                    "that customer out, or transfer the contract.",
                    point=self.service_point_id.display_name,
                    contract=active[0].name,
                )
            )
        self._utility_check_new_contract_values()
        self._utility_open_contract()

    # -- steps ---------------------------------------------------------------

    def _utility_check_arrears(self):
        if self.currency_id.compare_amounts(self.arrears_amount, 0.0) <= 0:
            return
        if self.arrears_override_by_id:
            return
        raise UserError(
            self.env._(
                "Contract %(contract)s has %(amount)s of overdue bills: collect them first, "
                "or ask a Collection Manager to override (with a reason).",
                contract=self.contract_id.name,
                amount=self.currency_id.format(self.arrears_amount),
            )
        )

    def action_override_arrears(self):
        """A Collection Manager lets a transfer go on with arrears: they stay
        with the old customer."""
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(
                self.env._("Only a Collection Manager can let a transfer go on with arrears.")
            )
        self._utility_check_draft()
        for change in self:
            if not (change.arrears_override_reason or "").strip():
                raise UserError(self.env._("Give the reason for overriding the arrears."))
            with change._utility_protected_write():
                change.arrears_override_by_id = self.env.user
            change.message_post(
                body=self.env._(
                    "Arrears of %(amount)s overridden: %(reason)s",
                    amount=change.currency_id.format(change.arrears_amount),
                    reason=change.arrears_override_reason,
                )
            )
        return True

    def _utility_check_new_contract_values(self):
        if not (self.new_partner_id and self.new_tariff_id):
            raise UserError(
                self.env._("Choose the new customer and the tariff of the new contract.")
            )
        if self.new_partner_id.commercial_partner_id == self.partner_id.commercial_partner_id:
            raise UserError(self.env._("The new customer is the customer of the contract."))

    def _utility_check_consents(self):
        if not (self.consent_old and self.consent_new and self.consent_attachment_ids):
            raise UserError(
                self.env._(
                    "A credit transfer needs the written consent of both customers: tick "
                    "both consents and attach the signed document."
                )
            )

    def _utility_close_contract(self):
        """Bill the contract up to the change's day (a final billing run),
        apply its deposit, and terminate it on that day."""
        contract = self.contract_id
        day = self.change_date
        if contract.state != "active":
            raise UserError(self.env._("Contract %s is not active.", contract.name))
        if contract.billed_from and day < contract.billed_from:
            raise UserError(
                self.env._(
                    "Contract %(contract)s is billed from %(date)s: the change cannot be "
                    "dated before.",
                    contract=contract.name,
                    date=contract.billed_from,
                )
            )
        next_day = contract._utility_next_billing_date()
        vals = {"state": "terminated", "date_end": day}
        if next_day > day + timedelta(days=1):
            raise UserError(
                self.env._(
                    "Contract %(contract)s is billed up to %(date)s: cancel that bill first, "
                    "or date the change on or after that day.",
                    contract=contract.name,
                    date=next_day - timedelta(days=1),
                )
            )
        if next_day <= day:
            run = self.env["utility.billing.run"].create(
                {
                    "name": self.env._("Final bill %s", self.name),
                    "company_id": contract.company_id.id,
                    "kind": "final",
                    "contract_ids": [Command.set(contract.ids)],
                    "date_from": next_day,
                    "date_to": day,
                    "invoice_date": day,
                }
            )
            run.action_run()
            bill = run.move_ids.filtered(
                lambda m: m.utility_contract_id == contract and m.state == "posted"
            )
            if not bill:
                skip = run.skip_ids.filtered(lambda s: s.contract_id == contract)[:1]
                raise UserError(
                    self.env._(
                        "The final bill of %(contract)s could not be made: %(reason)s",
                        contract=contract.name,
                        reason=skip.detail
                        or dict(skip._fields["reason"]._description_selection(self.env)).get(
                            skip.reason, ""
                        ),
                    )
                )
            with self._utility_protected_write():
                self.write({"final_run_id": run.id, "final_bill_id": bill.id})
            vals["final_bill_id"] = bill.id
        with contract._utility_protected_write():
            contract.write(vals)
        application = contract._utility_apply_deposit(day)
        if application:
            with self._utility_protected_write():
                self.deposit_move_id = application

    def _utility_open_contract(self, predecessor=None):
        """Create and activate the new customer's contract on the point,
        started on the change's day."""
        Contract = self.env["utility.contract"]
        vals = {
            "partner_id": self.new_partner_id.id,
            "service_point_id": self.service_point_id.id,
            "company_id": self.company_id.id,
            "tariff_id": self.new_tariff_id.id,
            "contract_kind": self.new_contract_kind or "permanent",
            "billing_mode": self.new_billing_mode or "postpaid",
            "payment_term_id": self.new_payment_term_id.id,
            "date_start": self.change_date,
        }
        if predecessor:
            vals["predecessor_id"] = predecessor.id
            vals["payment_method"] = predecessor.payment_method
        with Contract.browse()._utility_protected_write():
            contract = Contract.create(vals)
        contract.action_activate()
        self.service_point_id.partner_id = self.new_partner_id
        # the move-in's opening reading belongs to the new contract
        readings = self.reading_line_ids.reading_id
        self.env.add_to_compute(readings._fields["contract_id"], readings)
        with self._utility_protected_write():
            self.new_contract_id = contract
        return contract

    def action_cancel(self):
        self._utility_check_draft()
        with self._utility_protected_write():
            self.write({"state": "cancelled"})
        return True

    # ------------------------------------------------------------------
    # navigation
    # ------------------------------------------------------------------

    def action_view_final_bill(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.final_bill_id.id,
            "view_mode": "form",
        }
