from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..tools.protected import protected_write
from .utility_deposit_rule import CONTRACT_KIND_SELECTION


class UtilityContract(models.Model):
    """Security deposits of a contract.

    A deposit is invoiced when the contract is activated, if a deposit rule
    matches (``utility.deposit.rule``): an ``out_invoice`` on the UDP journal
    whose one line credits the customer-deposits liability account, with
    ``utility_entry_kind = 'deposit'`` and ``utility_deposit_contract_id``
    (never ``utility_contract_id``: it is no consumption bill, prepaid
    credit does not pay it, it is not chased and gets no e-invoice). The
    customer pays it as any open item. At move-out,
    ``_utility_apply_deposit`` cancels its unpaid part and moves the paid
    part back to the receivable, where it pays the final bill; what is left
    is credit to refund."""

    _inherit = "utility.contract"

    contract_kind = fields.Selection(
        selection=CONTRACT_KIND_SELECTION,
        default="permanent",
        required=True,
        tracking=True,
        help="Temporary supply (临时用电: a building site, a fair) usually pays a "
        "higher security deposit.",
    )
    deposit_invoice_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="utility_deposit_contract_id",
        string="Deposit Entries",
        domain=[("utility_entry_kind", "=", "deposit")],
    )
    deposit_required = fields.Monetary(
        string="Deposit Invoiced",
        currency_field="currency_id",
        compute="_compute_deposit",
        help="Security deposit invoiced to the customer (posted deposit invoices).",
    )
    deposit_held = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_deposit",
        help="Part of the security deposit the customer paid and that is still held "
        "(not yet applied to a final bill nor refunded).",
    )
    deposit_unpaid = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_deposit",
        help="Part of the deposit invoices still to be paid.",
    )

    @api.model
    def _utility_protected_fields(self):
        # the deposit entries are linked by the actions that post them
        return super()._utility_protected_fields() | {"deposit_invoice_ids"}

    @api.depends("deposit_invoice_ids.amount_residual", "deposit_invoice_ids.state")
    def _compute_deposit(self):
        # sudo: the deposit is shown to whoever may read the contract, portal
        # customers and cashiers included, as the prepaid balance is
        figures = self.sudo()._utility_deposit_figures()
        for contract in self:
            required, held, unpaid = figures.get(contract.id, (0.0, 0.0, 0.0))
            contract.deposit_required = required
            contract.deposit_held = held
            contract.deposit_unpaid = unpaid

    def _utility_deposit_figures(self):
        """{contract id: (invoiced, held, unpaid)} from the posted deposit
        entries: held = paid part of the invoices − credit notes − applied."""
        moves = self.env["account.move"].search(
            [
                ("utility_deposit_contract_id", "in", self.ids),
                ("state", "=", "posted"),
            ]
        )
        result = {}
        for contract in self:
            own = moves.filtered(lambda m, c=contract: m.utility_deposit_contract_id == c)
            invoices = own.filtered(
                lambda m: m.move_type == "out_invoice" and m.utility_entry_kind == "deposit"
            )
            credit_notes = own.filtered(lambda m: m.move_type == "out_refund")
            applications = own.filtered(lambda m: m.utility_entry_kind == "deposit_application")
            deposit_account = contract.company_id.utility_deposit_account_id
            invoiced = sum(invoices.mapped("amount_total"))
            unpaid = sum(invoices.mapped("amount_residual"))
            applied = sum(
                applications.line_ids.filtered(
                    lambda line, account=deposit_account: line.account_id == account
                ).mapped("debit")
            )
            held = invoiced - unpaid - sum(credit_notes.mapped("amount_total")) - applied
            currency = contract.currency_id
            result[contract.id] = (
                currency.round(invoiced),
                currency.round(held),
                currency.round(unpaid),
            )
        return result

    # ------------------------------------------------------------------
    # issuing
    # ------------------------------------------------------------------

    def action_activate(self):
        result = super().action_activate()
        self._utility_issue_deposit_invoices()
        return result

    def _utility_issue_deposit_invoices(self):
        """Invoice the security deposit of the matching rule to every contract
        of ``self`` that has none yet. Returns the posted deposit invoices."""
        Move = self.env["account.move"]
        invoices = Move
        for contract in self:
            if contract.deposit_invoice_ids.filtered(lambda m: m.state != "cancel"):
                continue
            rule = self.env["utility.deposit.rule"]._utility_rule_for(contract)
            if not rule:
                continue
            company = contract.company_id
            vals = {
                "move_type": "out_invoice",
                "partner_id": contract.partner_id.id,
                "company_id": company.id,
                "journal_id": company._utility_deposit_journal().id,
                "invoice_date": fields.Date.context_today(self),
                "invoice_payment_term_id": self.env.ref(
                    "account.account_payment_term_immediate", raise_if_not_found=False
                ).id,
                "utility_entry_kind": "deposit",
                "utility_deposit_contract_id": contract.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": self.env._("Security deposit, contract %s", contract.name),
                            "quantity": 1.0,
                            "price_unit": rule.amount,
                            "account_id": company._utility_deposit_account().id,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
            with protected_write(Move):
                invoice = Move.create(vals)
            invoice.action_post()
            contract.message_post(
                body=self.env._(
                    "Security deposit of %(amount)s invoiced (%(invoice)s).",
                    amount=contract.currency_id.format(rule.amount),
                    invoice=invoice.name,
                )
            )
            invoices |= invoice
        return invoices

    # ------------------------------------------------------------------
    # applying at move-out
    # ------------------------------------------------------------------

    def _utility_apply_deposit(self, date):
        """Apply the deposit of this contract at its end on ``date``.

        1. The unpaid part of each deposit invoice is cancelled by a credit
           note on the deposit account, reconciled with the invoice.
        2. The held part is moved back to the customer's receivable by a ULC
           entry ``deposit_application`` (Dr deposits / Cr receivable).
        3. The customer's open consumption bills (the final bill first,
           oldest due first) are paid from that credit.

        Returns the application entry (empty when nothing was held)."""
        self.ensure_one()
        Move = self.env["account.move"]
        company = self.company_id
        currency = self.currency_id
        deposit_account = company._utility_deposit_account()
        partner = self.partner_id.commercial_partner_id
        for invoice in self.deposit_invoice_ids.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_invoice"
        ):
            if currency.is_zero(invoice.amount_residual):
                continue
            residual = invoice.amount_residual
            with protected_write(Move):
                credit_note = Move.create(
                    {
                        "move_type": "out_refund",
                        "partner_id": invoice.partner_id.id,
                        "company_id": company.id,
                        "journal_id": invoice.journal_id.id,
                        "invoice_date": date,
                        "date": date,
                        "reversed_entry_id": invoice.id,
                        "utility_entry_kind": "deposit",
                        "utility_deposit_contract_id": self.id,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": self.env._(
                                        "Unpaid security deposit cancelled, contract %s",
                                        self.name,
                                    ),
                                    "quantity": 1.0,
                                    "price_unit": residual,
                                    "account_id": deposit_account.id,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                )
            credit_note.action_post()
            (invoice + credit_note).line_ids.filtered(
                lambda line: line.account_type == "asset_receivable" and not line.reconciled
            ).reconcile()
        self.invalidate_recordset(["deposit_held", "deposit_unpaid", "deposit_required"])
        held = self.deposit_held
        if currency.compare_amounts(held, 0.0) <= 0:
            return Move
        receivable = partner.with_company(company).property_account_receivable_id
        label = self.env._("Security deposit applied, contract %s", self.name)
        with protected_write(Move):
            application = Move.create(
                {
                    "move_type": "entry",
                    "journal_id": company._utility_lifecycle_journal().id,
                    "company_id": company.id,
                    "date": date,
                    "ref": label,
                    "utility_entry_kind": "deposit_application",
                    "utility_deposit_contract_id": self.id,
                    "line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "account_id": deposit_account.id,
                                "partner_id": partner.id,
                                "debit": held,
                            }
                        ),
                        Command.create(
                            {
                                "name": label,
                                "account_id": receivable.id,
                                "partner_id": partner.id,
                                "credit": held,
                            }
                        ),
                    ],
                }
            )
        application.action_post()
        bills = Move.search(
            Move._utility_open_bill_domain(partner)
            & Domain("company_id", "=", company.id)
            & Domain("utility_contract_id", "!=", False)
        )
        Move._utility_apply_prepaid(bills)
        self.message_post(
            body=self.env._(
                "Security deposit of %(amount)s applied (%(entry)s).",
                amount=currency.format(held),
                entry=application.name,
            )
        )
        return application

    def action_view_deposit_invoices(self):
        self.ensure_one()
        if not self.deposit_invoice_ids:
            raise UserError(self.env._("Contract %s has no security deposit.", self.name))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("utility_deposit_contract_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # refunds in progress
    # ------------------------------------------------------------------

    refund_in_progress_amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_refund_in_progress",
        help="Credit of the customer reserved by refund requests awaiting approval or payment.",
    )
    refund_in_progress_ids = fields.Many2many(
        comodel_name="utility.refund.request",
        compute="_compute_refund_in_progress",
        string="Refunds in Progress",
    )

    @api.depends("partner_id", "company_id")
    def _compute_refund_in_progress(self):
        # sudo: shown to whoever may read the contract (portal customers and
        # cashiers), as the prepaid balance is; only amounts and names are read
        requests = (
            self.env["utility.refund.request"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.partner_id.commercial_partner_id.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("state", "in", ("to_approve", "approved")),
                ]
            )
        )
        for contract in self:
            own = requests.filtered(
                lambda r, c=contract: (
                    r.partner_id == c.partner_id.commercial_partner_id
                    and r.company_id == c.company_id
                )
            )
            contract.refund_in_progress_ids = own.sudo(False)
            contract.refund_in_progress_amount = contract.currency_id.round(
                sum(own.mapped("amount"))
            )
