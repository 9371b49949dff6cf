from odoo import Command, api, models

from odoo.addons.utility_billing.tools.protected import protected_write


class AccountPayment(models.Model):
    """What a payment has left once its bills are paid recovers the payer's
    written-off bills (账销案存: the debt stays on record)."""

    _inherit = "account.payment"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _utility_recover_written_off(self, settlements):
        """For each settlement whose payment settles its bills in order
        (``parts is None``), the amount left after its bills recovers the
        customer's written-off register lines still outstanding (each
        written-off bill's late fee first, the oldest bills first): a UWR
        entry (``writeoff_reversal``) Dr receivable / Cr allowance puts the
        amount back on the bill, which is then paid by the payment like any
        other bill (it is appended to ``settlement.bills``).

        Nothing here commits nor queues anything: in an agency batch the
        hook may run in a savepoint that is rolled back and run again."""
        res = super()._utility_recover_written_off(settlements)
        Line = self.env["utility.writeoff.line"].sudo()
        # the settlements with money left after their bills
        leftovers = []
        for settlement in settlements:
            if not settlement.payment or settlement.parts is not None:
                continue
            currency = settlement.currency
            owed = sum(max(bill.amount_residual, 0.0) for bill in settlement.bills)
            left = currency.round(settlement.amount - owed)
            if currency.compare_amounts(left, 0.0) > 0:
                leftovers.append((settlement, left))
        if not leftovers:
            return res
        # their payers' outstanding register lines, in one query for a whole
        # agency batch (most payers have none)
        payments = self.env["account.payment"].concat(*(s.payment for s, _left in leftovers))
        outstanding = Line.search(
            [
                ("partner_id", "in", payments.partner_id.commercial_partner_id.ids),
                ("company_id", "in", payments.company_id.ids),
                ("state", "=", "posted"),
                ("amount_outstanding", ">", 0.0),
            ]
        ).grouped(lambda line: (line.partner_id.id, line.company_id.id))
        for settlement, left in leftovers:
            payment = settlement.payment
            currency = settlement.currency
            key = (payment.partner_id.commercial_partner_id.id, payment.company_id.id)
            lines = outstanding.get(key, Line)
            if not lines:
                continue
            recovered = {}
            for line in lines.sorted(self._utility_recovery_order):
                if currency.compare_amounts(left, 0.0) <= 0:
                    break
                # recovered by an earlier settlement of the same call
                if currency.is_zero(line.amount_outstanding):
                    continue
                amount = min(left, line.amount_outstanding)
                recovered[line] = amount
                left = currency.round(left - amount)
            self._utility_recover_lines(recovered, settlement.date)
            settlement.bills = settlement.bills | Line.browse(
                [line.id for line in recovered]
            ).bill_id.with_env(self.env)
        return res

    @api.model
    def _utility_recovery_order(self, line):
        """Sort key of the register lines a payment recovers: by the
        written-off bill (oldest due first), its late fee before it."""
        bill = line.bill_id
        origin = bill.utility_late_fee_bill_id or bill
        return (origin.invoice_date_due or origin.date, origin.id, 0 if line.is_late_fee else 1)

    @api.model
    def _utility_recover_lines(self, recovered, on_date):
        """Recover ``recovered`` ({register line: amount}) on ``on_date``:
        one UWR entry, then each bill re-opened for exactly its amount."""
        if not recovered:
            return
        lines = self.env["utility.writeoff.line"].sudo().browse([line.id for line in recovered])
        company = lines.company_id
        company.ensure_one()
        Move = self.env["account.move"].sudo()
        currency = company.currency_id
        allowance = company._utility_bad_debt_allowance_account()
        total = currency.round(sum(recovered.values()))
        label = self.env._("Written-off debt recovered")
        debit_vals = [
            Command.create(
                {
                    "name": self.env._(
                        "%(label)s: %(bill)s (%(batch)s)",
                        label=label,
                        bill=line.bill_id.name,
                        batch=line.batch_id.name,
                    ),
                    "account_id": line.writeoff_aml_id.account_id.id,
                    "partner_id": line.partner_id.id,
                    "debit": amount,
                }
            )
            for line, amount in recovered.items()
        ]
        credit_vals = [
            Command.create(
                {
                    "name": label,
                    "account_id": allowance.id,
                    "partner_id": lines.partner_id[:1].id,
                    "credit": total,
                }
            )
        ]
        with protected_write(Move):
            move = Move.create(
                {
                    "move_type": "entry",
                    "journal_id": company._utility_writeoff_journal().id,
                    "company_id": company.id,
                    "date": on_date,
                    "ref": label,
                    "utility_entry_kind": "writeoff_reversal",
                    "line_ids": debit_vals + credit_vals,
                }
            )
        move.action_post()
        plan = []
        debits = move.line_ids.filtered(lambda aml: aml.debit)
        for (line, amount), reversal in zip(recovered.items(), debits, strict=True):
            line = line.sudo()
            writeoff = line.writeoff_aml_id
            bill_lines = line.bill_id.line_ids.filtered(
                lambda aml, account=writeoff.account_id: aml.account_id == account
            )
            # the write-off's part of the bill is undone, then what is not
            # recovered is matched with the bill again: the bill is open for
            # exactly ``amount``
            writeoff.matched_debit_ids.filtered(
                lambda partial, bill_lines=bill_lines: partial.debit_move_id in bill_lines
            ).unlink()
            plan.append(writeoff + reversal)
            if currency.compare_amounts(line.amount_outstanding, amount) > 0:
                plan.append(writeoff + bill_lines)
            with line._utility_protected_write():
                line.write(
                    {
                        "amount_recovered": currency.round(line.amount_recovered + amount),
                        "reversal_move_ids": [Command.link(move.id)],
                    }
                )
        self.env["account.move.line"].sudo()._reconcile_plan(plan)
        for line in lines:
            line.batch_id.message_post(
                body=self.env._(
                    "%(amount)s of bill %(bill)s recovered (entry %(move)s).",
                    amount=currency.format(recovered[line]),
                    bill=line.bill_id.name,
                    move=move.name,
                )
            )
