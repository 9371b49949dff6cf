from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round

REGISTERS = ("peak", "flat", "valley")


# time-of-use prices, stored with the "Product Price" precision
REGISTER_PRICES = ("price_peak", "price_flat", "price_valley")

# The price components whose taxes each kind of charge line bears: kWh
# priced lines the energy tax (output VAT) and every fund (per kWh); a tier
# surcharge (its kWh are already on the register lines) and the fixed charge
# the energy tax only; the allowance offset (reimbursed by the government)
# none. A module adding a kind of line adds it here.
LINE_COMPONENT_KINDS = {
    "block": ("energy", "fund"),
    "register": ("energy", "fund"),
    "allowance": ("energy", "fund"),
    "surcharge": ("energy",),
    "fixed": ("energy",),
    "allowance_offset": (),
}


class UtilityTariffVersion(models.Model):
    """A dated version of a tariff. It is drafted, then approved by a
    Collection Manager; an approved version is frozen (who approved it and when
    is recorded) and is superseded by approving a newer version, never edited.
    A version is in force from ``date_from`` until the day before the next
    approved version starts."""

    _name = "utility.tariff.version"
    _description = "Tariff Version"
    _inherit = ["mail.thread", "utility.protected.fields.mixin"]
    _order = "tariff_id, date_from desc"

    # Fields that may still change once a version is approved.
    _UNLOCKED_FIELDS = {"date_to", "message_main_attachment_id", "state"}

    tariff_id = fields.Many2one(
        comodel_name="utility.tariff", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(compute="_compute_name", store=True, help="Tariff and start date.")
    company_id = fields.Many2one(
        comodel_name="res.company", related="tariff_id.company_id", store=True
    )
    currency_id = fields.Many2one(comodel_name="res.currency", related="tariff_id.currency_id")
    date_from = fields.Date(required=True, tracking=True)
    date_to = fields.Date(
        compute="_compute_date_to",
        store=True,
        help="Last day in force: the day before the next approved version starts.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("approved", "Approved"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    approval_reference = fields.Char(
        help="Reference of the price authority's approval document.",
        tracking=True,
    )
    approved_by_id = fields.Many2one(
        comodel_name="res.users", readonly=True, copy=False, tracking=True
    )
    approved_date = fields.Datetime(readonly=True, copy=False, tracking=True)
    block_basis = fields.Selection(
        selection=[("monthly", "Monthly consumption"), ("annual", "Annual consumption")],
        default="monthly",
        required=True,
        help="Monthly blocks apply to each bill's consumption; annual blocks "
        "accumulate the consumption of the calendar year.",
    )
    block_ids = fields.One2many(
        comodel_name="utility.tariff.block",
        inverse_name="version_id",
        copy=True,
        string="Blocks",
        help="Prices by block of consumption. With time-of-use prices too, a "
        "time-of-use meter is billed at its register prices, and the kWh falling "
        "in each block above the first pay that block's price above the first "
        "block's (tier surcharge).",
    )
    price_peak = fields.Float(
        string="Peak Price", digits="Product Price", help="Price per kWh on the peak register."
    )
    price_flat = fields.Float(
        string="Flat Price", digits="Product Price", help="Price per kWh on the flat register."
    )
    price_valley = fields.Float(
        string="Valley Price",
        digits="Product Price",
        help="Price per kWh on the valley register.",
    )
    fixed_charge = fields.Monetary(
        currency_field="currency_id",
        help="Fixed charge per month (basic charge, meter rental), billed pro "
        "rata for a partial month.",
    )
    component_ids = fields.One2many(
        comodel_name="utility.tariff.component",
        inverse_name="version_id",
        copy=True,
        string="Price Components",
        help="What the tax-included prices are made of: energy (revenue and output "
        "VAT) and government funds and surcharges (per kWh, on liability accounts, "
        "outside the VAT base). Without components the prices are billed whole to "
        "revenue, without tax.",
    )

    @api.depends("tariff_id.name", "date_from")
    def _compute_name(self):
        for version in self:
            version.name = f"{version.tariff_id.name or ''} {version.date_from or ''}".strip()

    @api.depends("tariff_id.name", "date_from")
    @api.depends_context("lang")
    def _compute_display_name(self):
        # 'name' is stored in the language of whoever created the version; the
        # title follows the tariff's name in the reader's language
        for version in self:
            version.display_name = (
                f"{version.tariff_id.name or ''} {version.date_from or ''}".strip()
            )

    @api.depends("tariff_id.version_ids.date_from", "tariff_id.version_ids.state")
    def _compute_date_to(self):
        for version in self:
            later = version.tariff_id.version_ids.filtered(
                lambda v, ver=version: (
                    v.state == "approved"
                    and v.date_from
                    and ver.date_from
                    and v.date_from > ver.date_from
                )
            ).sorted("date_from")
            version.date_to = fields.Date.subtract(later[0].date_from, days=1) if later else False

    @api.constrains("block_ids")
    def _check_blocks(self):
        for version in self:
            previous_to = 0.0
            blocks = version.block_ids.sorted("sequence")
            for index, block in enumerate(blocks):
                if block.limit_to and block.limit_to <= previous_to:
                    raise ValidationError(
                        self.env._(
                            "The blocks of %(version)s must rise: each block ends above "
                            "the previous one.",
                            version=version.display_name,
                        )
                    )
                if not block.limit_to and index != len(blocks) - 1:
                    raise ValidationError(
                        self.env._(
                            "Only the last block of %(version)s may be open-ended.",
                            version=version.display_name,
                        )
                    )
                previous_to = block.limit_to

    @api.model
    def _utility_protected_fields(self):
        # approving is the Collection Manager's action, which checks the
        # version first; an approved version is frozen (see write)
        return {"state", "approved_by_id", "approved_date"}

    @api.model_create_multi
    def create(self, vals_list):
        self.env["utility.tariff"]._ensure_price_precision(
            [vals[name] for vals in vals_list for name in REGISTER_PRICES if name in vals]
        )
        return super().create(vals_list)

    def write(self, vals):
        self.env["utility.tariff"]._ensure_price_precision(
            [vals[name] for name in REGISTER_PRICES if name in vals]
        )
        if set(vals) - self._UNLOCKED_FIELDS:
            locked = self.filtered(lambda v: v.state == "approved")
            if locked:
                raise UserError(
                    self.env._(
                        "Tariff version %(version)s is approved and cannot be changed. "
                        "Create a new version with a later start date instead.",
                        version=locked[0].name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        if self.filtered(lambda v: v.state == "approved"):
            raise UserError(self.env._("An approved tariff version cannot be deleted."))

    def action_approve(self):
        """Approve draft versions: freeze their prices and record the approver."""
        if not self.env.user.has_group("utility_billing.group_utility_manager"):
            raise UserError(self.env._("Only a Collection Manager can approve a tariff."))
        for version in self:
            if version.state != "draft":
                raise UserError(
                    self.env._("Only a draft version can be approved (%s).", version.display_name)
                )
            if not version.block_ids and not (
                version.price_flat or version.price_peak or version.price_valley
            ):
                raise UserError(
                    self.env._(
                        "Version %s has no prices: add blocks or time-of-use prices.",
                        version.display_name,
                    )
                )
            blocks = version.block_ids.sorted(lambda b: (b.sequence, b.id))
            if blocks and blocks[-1].limit_to:
                raise UserError(
                    self.env._(
                        "The last block of %s must have no upper limit: consumption above "
                        "it would otherwise not be billed.",
                        version.display_name,
                    )
                )
            issue = version._get_component_issue(approving=True)
            if issue:
                raise UserError(issue)
            clash = version.tariff_id.version_ids.filtered(
                lambda v, ver=version: v.state == "approved" and v.date_from == ver.date_from
            )
            if clash:
                raise UserError(
                    self.env._(
                        "Another approved version of %(tariff)s already starts on %(date)s.",
                        tariff=version.tariff_id.name,
                        date=version.date_from,
                    )
                )
        components = self.component_ids
        with components._utility_protected_write():
            # the rates the prices were approved with (see _get_component_issue)
            for component in components.sudo():
                component.rate = component.tax_id.amount
        with self._utility_protected_write():
            self.sudo().with_context(tracking_disable=False).write(
                # sudo: the group check above is the authorization; approval
                # fields are protected for everybody else.
                {
                    "state": "approved",
                    "approved_by_id": self.env.uid,
                    "approved_date": fields.Datetime.now(),
                }
            )
        for version in self:
            version.message_post(
                body=self.env._("Tariff version approved by %s.", self.env.user.name)
            )
        return True

    def _get_component_issue(self, approving=False):
        """Why the price components of this version cannot split its bills,
        or False. A version with components has exactly one energy
        component; each component's tax must split a tax-included price as
        its kind says (``utility.tariff.component._get_tax_issue``); the
        funds per kWh must stay below every kWh price. Once approved, each
        tax must still have the rate it was approved with."""
        self.ensure_one()
        components = self.component_ids
        if not components:
            return False
        energy = components.filtered(lambda c: c.kind == "energy")
        if len(energy) != 1:
            return self.env._(
                "Version %s must have exactly one energy price component.", self.display_name
            )
        for component in components:
            issue = component._get_tax_issue() if approving else component._get_billing_issue()
            if issue:
                return self.env._(
                    "Price component %(component)s of %(version)s cannot bill: %(issue)s.",
                    component=component.name,
                    version=self.display_name,
                    issue=issue,
                )
        funds = sum(components.filtered(lambda c: c.kind == "fund").tax_id.mapped("amount"))
        prices = self.block_ids.mapped("price") + [
            self[name] for name in REGISTER_PRICES if self[name]
        ]
        if funds and any(price < funds for price in prices):
            return self.env._(
                "The funds of %(version)s (%(funds)s per kWh) exceed one of its kWh prices.",
                version=self.display_name,
                funds=funds,
            )
        return False

    def _utility_component_taxes(self, kind):
        """The taxes (sorted as Odoo orders a line's taxes) of the components
        a charge line of ``kind`` bears (``LINE_COMPONENT_KINDS``), before
        any fiscal position."""
        self.ensure_one()
        kinds = LINE_COMPONENT_KINDS[kind]
        return self.component_ids.filtered(lambda c: c.kind in kinds).tax_id.sorted()

    def action_cancel(self):
        """Withdraw a draft version."""
        if self.filtered(lambda v: v.state != "draft"):
            raise UserError(self.env._("Only a draft version can be cancelled."))
        with self._utility_protected_write():
            self.write({"state": "cancelled"})
        return True

    def action_new_version(self):
        """Open a draft copy of this version to supersede it."""
        self.ensure_one()
        new = self.copy({"date_from": fields.Date.add(self.date_from, years=1)})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Tariff arithmetic
    # ------------------------------------------------------------------
    def _has_tou_prices(self):
        self.ensure_one()
        return bool(self.price_peak or self.price_flat or self.price_valley)

    def _register_label(self, register):
        labels = {
            "peak": self.env._("Peak"),
            "flat": self.env._("Flat"),
            "valley": self.env._("Valley"),
        }
        return labels[register]

    def _prepare_charge_line(self, name, kind, quantity, price_unit, block=None, register=None):
        """A charge line of this version. Besides the amounts it carries the
        taxes of the components it bears (``tax_ids``: ids, before the
        bill's fiscal position maps them) and its account (``account_id``:
        the energy component's revenue account, False for the bill
        journal's default); a caller may set another ``account_id``."""
        self.ensure_one()
        taxes = self._utility_component_taxes(kind)
        energy = self.component_ids.filtered(lambda c: c.kind == "energy")[:1]
        bears_energy = "energy" in LINE_COMPONENT_KINDS[kind]
        return {
            "tax_ids": taxes.ids,
            "account_id": energy.account_id.id if bears_energy else False,
            "name": name,
            "kind": kind,
            "block_id": block.id if block else False,
            "register": register or False,
            "quantity": quantity,
            "price_unit": price_unit,
            "amount": self.currency_id.round(quantity * price_unit),
            "version_id": self.id,
        }

    def _get_energy_lines(self, quantity, registers=None, limit_factor=1.0, offset=0.0):
        """Energy charge lines of this version for ``quantity`` kWh.

        A time-of-use meter is billed at the register prices when the version
        has them; if the version also has blocks, the kWh falling in each
        block above the first pay that block's price above the first block's
        (tier surcharge), as the tiered residential tariffs combined with
        time-of-use prices are priced.

        :param quantity: kWh to bill on this version
        :param registers: for a time-of-use meter, ``{"peak": kWh, "flat": kWh,
            "valley": kWh}``; billed at the register prices when the version has them
        :param limit_factor: months covered by the quantity; monthly block limits
            are scaled by it (a half month has half the block widths)
        :param offset: kWh of the calendar year billed before this quantity; annual
            blocks start counting there
        :return: list of charge line dicts (see :meth:`utility.tariff._compute_charge_lines`)
        """
        self.ensure_one()
        qty_digits = self.env["decimal.precision"].precision_get("Product Unit")

        def qround(value):
            return float_round(value, precision_digits=qty_digits)

        blocks = self.block_ids.sorted(lambda b: (b.sequence, b.id))
        if registers and any(registers.values()) and self._has_tou_prices():
            lines = [
                self._prepare_charge_line(
                    self.env._("%s energy", self._register_label(register)),
                    "register",
                    qround(registers.get(register) or 0.0),
                    self[f"price_{register}"],
                    register=register,
                )
                for register in REGISTERS
                if registers.get(register)
            ]
            base_price = blocks[:1].price
            price_digits = self.env["decimal.precision"].precision_get("Product Price")
            for block, in_block in self._split_into_blocks(
                blocks, quantity, limit_factor, offset, qround
            ):
                surcharge = float_round(block.price - base_price, precision_digits=price_digits)
                # (the first block's surcharge is 0)
                if surcharge > 0 and in_block > 0:
                    lines.append(
                        self._prepare_charge_line(
                            self.env._("%s surcharge", block.name),
                            "surcharge",
                            in_block,
                            surcharge,
                            block=block,
                        )
                    )
            return lines
        if not blocks:
            # a time-of-use price list billing a single-register meter: flat price
            return [
                self._prepare_charge_line(
                    self.env._("Energy"),
                    "register",
                    qround(quantity),
                    self.price_flat,
                    register="flat",
                )
            ]
        lines = [
            self._prepare_charge_line(block.name, "block", in_block, block.price, block=block)
            for block, in_block in self._split_into_blocks(
                blocks, quantity, limit_factor, offset, qround
            )
            if in_block > 0
        ]
        if not lines:
            # nothing consumed: keep a zero line so the bill shows the reading
            lines.append(
                self._prepare_charge_line(
                    blocks[0].name, "block", 0.0, blocks[0].price, block=blocks[0]
                )
            )
        return lines

    def _split_into_blocks(self, blocks, quantity, limit_factor, offset, qround):
        """``[(block, kWh)]``: how ``quantity`` kWh fall into ``blocks`` (in
        order), monthly limits scaled by ``limit_factor``, annual ones
        counted from the ``offset`` kWh billed earlier in the year."""
        if self.block_basis == "annual":
            start, factor = offset, 1.0
        else:
            start, factor = 0.0, limit_factor
        end = start + quantity
        split = []
        lower = 0.0
        for block in blocks:
            upper = qround(block.limit_to * factor) if block.limit_to else None
            in_block = (min(end, upper) if upper is not None else end) - max(start, lower)
            split.append((block, qround(in_block)))
            if upper is None or upper >= end:
                break
            lower = upper
        return split

    def _get_fixed_charge_line(self, months):
        """Fixed monthly charge for ``months`` (a fraction for a partial month)."""
        self.ensure_one()
        if not self.fixed_charge or not months:
            return []
        if float_round(months, precision_digits=6) == int(months):
            return [
                self._prepare_charge_line(
                    self.env._("Fixed monthly charge"), "fixed", int(months), self.fixed_charge
                )
            ]
        # a partial month: one line at the pro-rated price, so that the line
        # shows exactly the amount charged
        return [
            self._prepare_charge_line(
                self.env._("Fixed monthly charge (pro rata)"),
                "fixed",
                1.0,
                self.currency_id.round(self.fixed_charge * months),
            )
        ]
