from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain


class UtilityFieldCollection(models.Model):
    """A door-to-door collection round (走收): open bills of a village or a
    route assigned to a collector, who books each collection into the
    collector's in-transit journal (the journal of a field collection point)
    and hands the cash in at a service hall. The hand-in moves the cash from
    the in-transit account to the hall's cash account; whatever was collected
    but not handed in stays on the in-transit account and on the round as the
    collector's open difference until it is handed in or written off."""

    _name = "utility.field.collection"
    _description = "Door-to-door Collection Round"
    _inherit = ["mail.thread", "mail.activity.mixin", "utility.protected.fields.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Round", required=True, readonly=True, copy=False, default="/")
    collector_id = fields.Many2one(
        comodel_name="res.users",
        string="Collector",
        required=True,
        index=True,
        tracking=True,
    )
    collection_point_id = fields.Many2one(
        comodel_name="utility.collection.point",
        string="Field Collection Point",
        required=True,
        check_company=True,
        domain="[('kind', '=', 'field')]",
        tracking=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        related="collection_point_id.company_id",
        store=True,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="In-transit Journal",
        related="collection_point_id.journal_id",
        store=True,
    )
    hall_id = fields.Many2one(
        comodel_name="utility.collection.point",
        string="Hand-in Hall",
        compute="_compute_hall_id",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('kind', '=', 'hall')]",
        help="Service hall whose cash journal receives the cash.",
    )
    date = fields.Date(default=fields.Date.context_today, required=True, tracking=True)
    village = fields.Char(help="Assign the open bills of the customers of this village.")
    route = fields.Char(help="Assign the open bills of the service points on this route.")
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("in_progress", "Collecting"),
            ("handed_in", "Handed In, Difference Open"),
            ("done", "Done"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many(
        comodel_name="utility.field.collection.line",
        inverse_name="collection_id",
        string="Bills",
    )
    assigned_total = fields.Monetary(
        string="Assigned",
        compute="_compute_totals",
        store=True,
        help="Amount due of the bills, with their late fees on the round's date.",
    )
    expected_total = fields.Monetary(
        string="Collected",
        compute="_compute_totals",
        store=True,
        help="What the collector booked, hence must hand in.",
    )
    hand_in_amount = fields.Monetary(
        string="Cash Handed In Now", help="Cash the collector hands in at the hall now."
    )
    handed_in_total = fields.Monetary(string="Handed In", readonly=True, copy=False, tracking=True)
    written_off_amount = fields.Monetary(
        readonly=True, copy=False, tracking=True, help="Missing cash a manager wrote off."
    )
    difference_amount = fields.Monetary(
        string="Open Difference",
        compute="_compute_difference",
        store=True,
        help="Collected but not handed in: the collector still owes this cash.",
    )
    difference_note = fields.Text(tracking=True)
    hand_in_move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="utility_field_collection_move_rel",
        column1="collection_id",
        column2="move_id",
        string="Hand-in Entries",
        readonly=True,
        copy=False,
    )

    @api.depends("collection_point_id")
    def _compute_hall_id(self):
        for round_ in self:
            round_.hall_id = round_.collection_point_id.hand_in_point_id

    @api.depends(
        "line_ids.amount_due",
        "line_ids.late_fee",
        "line_ids.payment_id.amount",
        "line_ids.payment_id.state",
    )
    def _compute_totals(self):
        for round_ in self:
            round_.assigned_total = sum(line.amount_due + line.late_fee for line in round_.line_ids)
            payments = round_.line_ids.payment_id.filtered(lambda p: p.state != "canceled")
            round_.expected_total = sum(payments.mapped("amount"))

    @api.depends("expected_total", "handed_in_total", "written_off_amount", "state")
    def _compute_difference(self):
        for round_ in self:
            if round_.state in ("handed_in", "done"):
                round_.difference_amount = round_.currency_id.round(
                    round_.expected_total - round_.handed_in_total - round_.written_off_amount
                )
            else:
                round_.difference_amount = 0.0

    @api.model
    def _utility_protected_fields(self):
        # the workflow and the money: the cash handed in, the amount written
        # off and their entries are written by the hand-in and write-off
        # actions only, from the entries they post
        return {"state", "handed_in_total", "written_off_amount", "hand_in_move_ids"}

    @api.model
    def _utility_create_only_fields(self):
        # the field collection point gives the in-transit journal of the
        # round's payments and hand-ins: it cannot change under them
        return {"name", "collection_point_id"}

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("utility.field.collection")
        return super().create(vals_list)

    # -- assignment -----------------------------------------------------------
    def _utility_bill_domain(self):
        self.ensure_one()
        if not (self.village or self.route):
            raise UserError(self.env._("Give a village or a route to assign bills."))
        domain = list(
            Domain("company_id", "=", self.company_id.id)
            & self.env["account.move"]._utility_open_bill_domain()
        )
        if self.village:
            domain += [
                "|",
                ("commercial_partner_id.utility_village", "=", self.village),
                ("commercial_partner_id.utility_service_point_ids.village", "=", self.village),
            ]
        if self.route:
            domain.append(
                ("commercial_partner_id.utility_service_point_ids.route", "=", self.route)
            )
        return domain

    def action_assign_bills(self):
        """Add the open bills of the village or route that no other round
        holds yet."""
        Line = self.env["utility.field.collection.line"]
        for round_ in self:
            if round_.state != "draft":
                raise UserError(self.env._("Bills are assigned to draft rounds only."))
            bills = self.env["account.move"].search(
                round_._utility_bill_domain(), order="invoice_date_due, id"
            )
            held = Line.search(
                [
                    ("bill_id", "in", bills.ids),
                    ("state", "=", "todo"),
                    ("collection_id.state", "in", ("draft", "in_progress")),
                ]
            ).bill_id
            bills -= held
            # the collector takes each bill with its late fee on the round's day
            fees = self.env["account.move"]._utility_late_fee_as_of(bills, round_.date)
            with Line.browse()._utility_protected_write():
                Line.create(
                    [
                        {
                            "collection_id": round_.id,
                            "bill_id": bill.id,
                            "amount_due": bill.amount_residual,
                            "late_fee": fees.get(bill.id, 0.0),
                            "amount_collected": round_.currency_id.round(
                                bill.amount_residual + fees.get(bill.id, 0.0)
                            ),
                        }
                        for bill in bills
                    ]
                )
        return True

    def action_start(self):
        if any(not round_.line_ids for round_ in self):
            raise UserError(self.env._("Assign bills to the round before starting it."))
        to_start = self.filtered(lambda r: r.state == "draft")
        with to_start._utility_protected_write():
            to_start.write({"state": "in_progress"})
        return True

    def action_print_sheet(self):
        return self.env.ref(
            "utility_payment_channels.action_report_utility_round_sheet"
        ).report_action(self)

    # -- hand-in -------------------------------------------------------------
    def _utility_check_collector(self):
        is_manager = self.env.user.has_group("utility_billing.group_utility_manager")
        for round_ in self:
            if round_.collector_id != self.env.user and not is_manager:
                raise AccessError(self.env._("Round %s belongs to another collector.", round_.name))

    def action_hand_in(self):
        """Hand in ``hand_in_amount`` of cash at the hall: the cash moves from
        the collector's in-transit account to the hall's cash account. A
        missing amount stays open on the round (and on the in-transit
        account) until it is handed in or written off."""
        self._utility_check_collector()
        for round_ in self:
            if round_.state not in ("in_progress", "handed_in"):
                raise UserError(self.env._("Round %s is not collecting.", round_.name))
            currency = round_.currency_id
            amount = round_.hand_in_amount
            if currency.compare_amounts(amount, 0.0) < 0:
                raise UserError(self.env._("The cash handed in cannot be negative."))
            if currency.compare_amounts(amount, round_.expected_total - round_.handed_in_total) > 0:
                raise UserError(
                    self.env._(
                        "Round %(round)s collected %(expected)s: more cash cannot be handed in.",
                        round=round_.name,
                        expected=round_.expected_total,
                    )
                )
            hall_journal = round_.hall_id.journal_id
            if not hall_journal:
                raise UserError(self.env._("Choose the hall where the cash is handed in."))
            vals = {"hand_in_amount": 0.0, "state": "handed_in"}
            if not currency.is_zero(amount):
                ref = self.env._("Hand-in of round %s", round_.name)
                move = self.env["utility.cashier.session"]._utility_liquidity_move(
                    hall_journal.sudo(),
                    ref,
                    hall_journal.sudo().default_account_id,
                    round_.journal_id.sudo().default_account_id,
                    amount,
                )
                vals["handed_in_total"] = round_.handed_in_total + amount
                vals["hand_in_move_ids"] = [fields.Command.link(move.id)]
            with round_._utility_protected_write():
                round_.write(vals)
            if currency.is_zero(round_.difference_amount):
                with round_._utility_protected_write():
                    round_.state = "done"
            else:
                round_.message_post(
                    body=self.env._(
                        "%(amount)s collected but not handed in: open on collector %(collector)s.",
                        amount=round_.difference_amount,
                        collector=round_.collector_id.name,
                    )
                )
        return True

    def action_write_off_difference(self):
        """Collection Manager: write the open difference off to the
        in-transit journal's loss account (with the note as reason)."""
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise AccessError(self.env._("Only a Collection Manager can write off a difference."))
        for round_ in self.filtered(lambda r: r.state == "handed_in"):
            if not (round_.difference_note or "").strip():
                raise UserError(self.env._("Write the reason in the difference note first."))
            journal = round_.journal_id.sudo()
            if not journal.loss_account_id:
                raise UserError(self.env._("Set a loss account on journal %s.", journal.name))
            ref = self.env._("Collector difference of round %s written off", round_.name)
            move = self.env["utility.cashier.session"]._utility_liquidity_move(
                journal,
                ref,
                journal.loss_account_id,
                journal.default_account_id,
                round_.difference_amount,
            )
            with round_._utility_protected_write():
                round_.write(
                    {
                        "written_off_amount": round_.written_off_amount + round_.difference_amount,
                        "hand_in_move_ids": [fields.Command.link(move.id)],
                        "state": "done",
                    }
                )
        return True
