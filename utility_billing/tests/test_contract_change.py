from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_deposit import UtilityDepositCase


@tagged("post_install", "-at_install")
class TestContractChange(UtilityDepositCase):
    """Move-out (销户), transfer of ownership (过户) and move-in (入户), by
    hand: Henan residential blocks 0-180 kWh at 0.56, 181-260 at 0.61, above
    at 0.86 a month; 1-15 November is half a month (limits 90 and 130).

    The customer's meter reads 1000 on 1 November (its contract starts that
    day) and 1150 on the 15th, the move-out day: 150 kWh, billed
    90 x 0.56 + 40 x 0.61 + 20 x 0.86 = 92.00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.CNY").active = True
        cls.company.currency_id = cls.env.ref("base.CNY")
        users = {}
        for login, group in (
            ("change_officer", "utility_billing.group_utility_billing_officer"),
            ("change_manager", "utility_billing.group_utility_manager"),
            ("change_manager2", "utility_billing.group_utility_manager"),
        ):
            users[login] = new_test_user(
                cls.env,
                login=login,
                groups=group,
                company_id=cls.company.id,
                company_ids=cls.company.ids,
            )
        cls.officer = users["change_officer"]
        cls.manager = users["change_manager"]
        cls.manager2 = users["change_manager2"]
        cls.old, cls.meter_old = cls._november_customer("0100000201")
        cls.zhang = cls.old.partner_id
        cls.li = cls.env["res.partner"].create(
            {
                "name": "Li Na",
                "utility_customer_number": "0100000202",
                "utility_category": "residential",
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _november_customer(cls, number):
        """A customer whose contract starts on 1 November 2025 with a meter
        reading 1000, and no deposit rule at activation."""
        partner = cls.env["res.partner"].create(
            {
                "name": f"Zhang {number}",
                "utility_customer_number": number,
                "utility_category": "residential",
                "company_id": cls.company.id,
            }
        )
        point = cls.env["utility.service.point"].create(
            {
                "name": f"House {number}",
                "station_id": cls.station.id,
                "partner_id": partner.id,
                "company_id": cls.company.id,
            }
        )
        meter = cls.env["utility.meter"].create(
            {
                "serial": f"M{number}",
                "service_point_id": point.id,
                "initial_reading": 1000,
                "install_date": "2024-01-01",
            }
        )
        contract = cls.env["utility.contract"].create(
            {
                "partner_id": partner.id,
                "service_point_id": point.id,
                "tariff_id": cls.tariff.id,
                "company_id": cls.company.id,
                "date_start": "2025-11-01",
            }
        )
        cls.rule.active = False
        contract.action_activate()
        cls.rule.active = True
        return contract, meter

    def _read(self, value, date, meter=None):
        reading = self.env["utility.meter.reading"].create(
            {
                "meter_id": (meter or self.meter_old).id,
                "reading_date": date,
                "value": value,
                "reading_type": "manual",
            }
        )
        reading.action_validate()
        return reading

    def _change(self, kind, value=1150, contract=None, user=None, **vals):
        contract = contract or self.old
        Change = self.env["utility.contract.change"].with_user(user or self.officer)
        change = Change.create(
            {
                "kind": kind,
                "contract_id": contract.id,
                "change_date": "2025-11-15",
            }
            | vals
        )
        self.assertEqual(change.service_point_id, contract.service_point_id)
        self.assertEqual(len(change.reading_line_ids), 1, "one line per installed meter")
        change.reading_line_ids.value = value
        return change

    def _transfer(self, user=None, **vals):
        return self._change(
            "transfer",
            user=user,
            new_partner_id=self.li.id,
            new_tariff_id=self.tariff.id,
            **vals,
        )

    def _partner_account_balance(self, partner, account):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_id", "=", account.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return round(sum(lines.mapped("balance")), 2)

    def _blocks(self, bill):
        return [
            (line.name, line.quantity, line.price_subtotal)
            for line in bill.invoice_line_ids.sorted("sequence")
        ]

    # ------------------------------------------------------------------
    def test_move_out_final_bill_deposit_and_refund_add_up_to_zero(self):
        deposit = self.old._utility_issue_deposit_invoices()
        self._pay(deposit)
        # an earlier over-payment of 20.00
        self._topup(20.0, partner=self.zhang)
        change = self._change("move_out", refund_journal_id=self.bank_journal.id)
        self.assertTrue(change.name.startswith("HB/"))
        self.assertEqual(change.partner_id, self.zhang)
        self.assertEqual(change.deposit_held, 300.0)
        change.action_record_readings()
        reading = change.reading_line_ids.reading_id
        self.assertEqual(
            (reading.reading_type, reading.state, reading.consumption),
            ("move_out", "validated", 150),
        )
        change.action_confirm()
        self.assertEqual(change.state, "done")
        self.assertEqual(change.done_by_id, self.officer)
        # the final bill: 1-15 November, 150 kWh
        bill = change.final_bill_id
        self.assertEqual(str(bill.utility_period_start), "2025-11-01")
        self.assertEqual(str(bill.utility_period_end), "2025-11-15")
        self.assertEqual(
            self._blocks(bill),
            [("Block 1", 90, 50.40), ("Block 2", 40, 24.40), ("Block 3", 20, 17.20)],
        )
        self.assertEqual(bill.amount_total, 92.00)
        self.assertEqual(bill.utility_billing_run_id.kind, "final")
        # paid by the 20.00 of credit and 72.00 of the deposit
        self.assertEqual(bill.payment_state, "paid")
        self.assertEqual(change.deposit_move_id.utility_entry_kind, "deposit_application")
        self.assertEqual(change.deposit_applied_amount, 300.0)
        # 320 paid - 92 billed: 228.00 to refund
        request = change.refund_request_id
        self.assertEqual((request.amount, request.state), (228.0, "to_approve"))
        self.assertEqual(request.reason, "move_out")
        self.assertEqual(request.contract_id, self.old)
        self.assertEqual(self.old.state, "terminated")
        self.assertEqual(str(self.old.date_end), "2025-11-15")
        self.assertEqual(self.old.final_bill_id, bill)
        self.assertEqual(self.old.change_count, 1)
        request.with_user(self.manager).action_approve()
        request.with_user(self.accountant).action_pay()
        self.assertEqual(request.state, "paid")
        # +300 - 300 - 20 + 92 - 300 + 228 on the receivable
        receivable = self.zhang.property_account_receivable_id
        self.assertEqual(self._partner_account_balance(self.zhang, receivable), 0.0)
        self.assertEqual(
            self._partner_account_balance(self.zhang, self.company.utility_deposit_account_id),
            0.0,
        )
        payable = self.company._utility_refund_payable_account()
        self.assertEqual(self._partner_account_balance(self.zhang, payable), 0.0)

    def test_move_out_keeps_the_credit_when_asked(self):
        self._topup(100.0, partner=self.zhang)
        change = self._change("move_out", credit_action="keep")
        with self.assertRaisesRegex(UserError, "Enter the readings"):
            change.action_confirm()
        change.action_record_readings()
        change.action_confirm()
        self.assertFalse(change.refund_request_id)
        self.assertFalse(change.deposit_move_id, "no deposit was held")
        with self.assertRaises(UserError):
            change.reading_line_ids.unlink()
        self.assertEqual(change.final_bill_id.payment_state, "paid")
        change.invalidate_recordset(["customer_credit"])
        self.assertEqual(change.customer_credit, 8.0)

    def test_next_periodic_run_does_not_bill_the_closed_contract(self):
        change = self._change("move_out", credit_action="keep")
        change.action_record_readings()
        change.action_confirm()
        run = self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "date_from": "2025-11-01",
                "date_to": "2025-11-30",
                "invoice_date": "2025-12-02",
            }
        )
        self.assertNotIn(self.old, run._get_scope_contracts())
        run.with_context(queue_job__no_delay=True).action_run()
        self.assertFalse(run.move_ids.filtered(lambda m: m.utility_contract_id == self.old))
        self.assertFalse(run.skip_ids.filtered(lambda s: s.contract_id == self.old))
        # the end date of a contract closed with its final bill is frozen
        with self.assertRaises(AccessError):
            self.old.write({"date_end": "2025-11-30"})
        with self.assertRaises(AccessError):
            self.old.with_user(self.manager).write({"final_bill_id": False})

    def test_reading_held_for_review_stops_the_move_out(self):
        self._read(1030, "2025-11-05")
        self._read(1040, "2025-11-10")
        # 400 kWh in 5 days against 2 a day: held for review
        change = self._change("move_out", value=1440, credit_action="keep")
        change.action_record_readings()
        reading = change.reading_line_ids.reading_id
        self.assertEqual(reading.state, "to_review")
        with self.assertRaisesRegex(UserError, "held for review"):
            change.action_confirm()
        self.assertEqual(change.state, "draft")
        self.assertEqual(self.old.state, "active")
        self.assertFalse(
            self.env["account.move"].search([("utility_contract_id", "=", self.old.id)])
        )
        reading.with_user(self.officer).action_approve_review()
        change.action_confirm()
        self.assertEqual(change.state, "done")
        self.assertEqual(change.final_bill_id.utility_consumption, 440)

    def test_transfer_blocked_by_arrears_until_a_manager_overrides_with_a_reason(self):
        overdue = self._bill(50.0, contract=self.old, due="2025-11-10", date="2025-10-31")
        change = self._transfer()
        self.assertEqual(change.arrears_amount, 50.0)
        change.action_record_readings()
        with self.assertRaisesRegex(UserError, "overdue"):
            change.action_confirm()
        self.assertEqual(self.old.state, "active")
        as_manager = change.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "reason"):
            as_manager.action_override_arrears()
        as_manager.arrears_override_reason = "Old owner pays by instalments, agreed in writing"
        as_manager.action_override_arrears()
        self.assertEqual(change.arrears_override_by_id, self.manager)
        change.action_confirm()
        self.assertEqual(change.state, "done")
        new = change.new_contract_id
        self.assertEqual(
            (new.partner_id, new.state, new.predecessor_id), (self.li, "active", self.old)
        )
        self.assertEqual(str(new.date_start), "2025-11-15")
        self.assertEqual(str(new.billed_from), "2025-11-16")
        self.assertEqual(self.old.successor_id, new)
        self.assertEqual((self.old.change_count, new.change_count), (1, 1))
        self.assertEqual(self.old.service_point_id.partner_id, self.li)
        # the arrears stay with the old customer
        self.assertEqual(overdue.partner_id, self.zhang)
        self.assertEqual(overdue.amount_residual, 50.0)
        # every kWh once: 1000 -> 1150 on the old bill, 1150 -> 1270 on the new
        self._read(1270, "2025-11-30")
        run = self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "date_from": "2025-11-01",
                "date_to": "2025-11-30",
                "invoice_date": "2025-12-02",
            }
        )
        run.with_context(queue_job__no_delay=True).action_run()
        new_bill = run.move_ids.filtered(lambda m: m.utility_contract_id == new)
        self.assertEqual(new_bill.partner_id, self.li)
        self.assertEqual(new_bill.amount_total, 68.70)
        self.assertFalse(run.move_ids.filtered(lambda m: m.utility_contract_id == self.old))
        self.assertEqual(change.final_bill_id.amount_total, 92.00)
        self.assertEqual(
            change.final_bill_id.utility_consumption + new_bill.utility_consumption, 270
        )

    def test_billing_officer_cannot_override_arrears(self):
        self._bill(50.0, contract=self.old, due="2025-11-10", date="2025-10-31")
        change = self._transfer()
        change.arrears_override_reason = "I say so"
        with self.assertRaises(AccessError):
            change.action_override_arrears()
        with self.assertRaises(AccessError):
            change.write({"arrears_override_by_id": self.officer.id})
        with self.assertRaises(AccessError):
            change.sudo().write({"arrears_override_by_id": self.manager.id})
        self.assertFalse(change.arrears_override_by_id)
        change.action_record_readings()
        with self.assertRaisesRegex(UserError, "overdue"):
            change.action_confirm()

    def test_credit_transfer_needs_both_consents_and_reconciles_both_receivables(self):
        # the old customer paid 212.00 ahead: 120.00 are left after the
        # final bill of 92.00
        self._topup(212.0, partner=self.zhang)
        # Li already has a shop with a bill of 50.00 open
        shop = self.env["utility.service.point"].create(
            {"name": "Li shop", "station_id": self.station.id, "partner_id": self.li.id}
        )
        li_contract = self.env["utility.contract"].create(
            {
                "partner_id": self.li.id,
                "service_point_id": shop.id,
                "tariff_id": self.tariff.id,
                "company_id": self.company.id,
                "date_start": "2025-01-01",
            }
        )
        li_bill = self._bill(50.0, contract=li_contract)
        change = self._transfer(credit_action="transfer")
        change.action_record_readings()
        change.consent_old = True
        with self.assertRaisesRegex(UserError, "consent"):
            change.action_confirm()
        change.consent_new = True
        with self.assertRaisesRegex(UserError, "consent"):
            change.action_confirm()
        attachment = (
            self.env["ir.attachment"]
            .with_user(self.officer)
            .create(
                {"name": "consent.pdf", "raw": b"%PDF-1.4 signed", "mimetype": "application/pdf"}
            )
        )
        change.consent_attachment_ids = [Command.set(attachment.ids)]
        self.assertEqual(self.old.state, "active", "nothing was done")
        change.action_confirm()
        move = change.credit_transfer_move_id
        self.assertEqual(move.utility_entry_kind, "credit_transfer")
        self.assertEqual(change.credit_transferred_amount, 120.0)
        receivable = self.zhang.property_account_receivable_id
        entries = sorted(
            (line.partner_id.name, line.account_id.id, line.debit, line.credit)
            for line in move.line_ids
        )
        self.assertEqual(
            entries,
            sorted(
                [
                    (self.zhang.name, receivable.id, 120.0, 0.0),
                    (self.li.name, receivable.id, 0.0, 120.0),
                ]
            ),
        )
        old_line = move.line_ids.filtered(lambda line: line.partner_id == self.zhang)
        new_line = move.line_ids - old_line
        self.assertTrue(old_line.reconciled, "reconciled with the old customer's credit")
        # Li's open bill of 50.00 is paid from the new side, 70.00 left
        self.assertEqual(new_line.amount_residual, -70.0)
        self.assertEqual(self._partner_account_balance(self.zhang, receivable), 0.0)
        self.assertEqual(li_bill.payment_state, "paid")
        # 50.00 bill + 300.00 deposit of her new contract (activation) - 120.00
        deposit = change.new_contract_id.deposit_invoice_ids
        self.assertEqual((deposit.amount_total, deposit.amount_residual), (300.0, 300.0))
        self.assertEqual(self._partner_account_balance(self.li, receivable), 230.0)
        self.assertFalse(change.refund_request_id)

    def test_move_in_opening_reading_is_never_billed(self):
        out = self._change("move_out", credit_action="keep")
        out.action_record_readings()
        out.action_confirm()
        point = self.old.service_point_id
        self.assertFalse(point.has_active_contract)
        action = point.with_user(self.officer).action_move_in()
        Change = self.env["utility.contract.change"].with_user(self.officer)
        move_in = Change.with_context(**action["context"]).create(
            {
                "change_date": "2025-11-20",
                "new_partner_id": self.li.id,
                "new_tariff_id": self.tariff.id,
            }
        )
        self.assertEqual(move_in.kind, "move_in")
        move_in.reading_line_ids.value = 1160
        move_in.action_record_readings()
        self.assertEqual(move_in.vacant_consumption, 10)
        move_in.action_confirm()
        new = move_in.new_contract_id
        self.assertEqual((new.state, str(new.billed_from)), ("active", "2025-11-20"))
        self.assertFalse(new.predecessor_id)
        opening = move_in.reading_line_ids.reading_id
        self.assertEqual(opening.reading_type, "move_in")
        self.assertEqual(opening.contract_id, new)
        self.assertEqual(opening.partner_id, self.li)
        # a second move-in while the contract is active is refused
        with self.assertRaises(UserError):
            point.action_move_in()
        self._read(1220, "2025-11-30")
        run = self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "date_from": "2025-11-01",
                "date_to": "2025-11-30",
                "invoice_date": "2025-12-02",
            }
        )
        run.with_context(queue_job__no_delay=True).action_run()
        bill = run.move_ids.filtered(lambda m: m.utility_contract_id == new)
        # 1160 -> 1220 only: the 10 kWh of the vacant days are billed to nobody
        self.assertEqual(bill.utility_consumption, 60)
        self.assertNotIn(opening, bill.utility_reading_ids)

    def test_move_out_refused_inside_a_billed_period(self):
        self._read(1200, "2025-11-20")
        run = self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "kind": "final",
                "contract_ids": [Command.set(self.old.ids)],
                "date_from": "2025-11-01",
                "date_to": "2025-11-20",
                "invoice_date": "2025-11-20",
            }
        )
        run.action_run()
        self.assertEqual(self.old._utility_next_billing_date().isoformat(), "2025-11-21")
        change = self._change("move_out", credit_action="keep")
        change.reading_line_ids.unlink()
        change.reading_line_ids = [Command.create({"meter_id": self.meter_old.id, "value": 1200})]
        with self.assertRaises(UserError):
            change.action_record_readings()
            change.action_confirm()
        self.assertEqual(self.old.state, "active")
        done = self._change("move_out", credit_action="keep", change_date="2025-11-25")
        done.reading_line_ids.value = 1230
        done.action_record_readings()
        done.action_confirm()
        self.assertEqual(str(done.final_bill_id.utility_period_start), "2025-11-21")
        with self.assertRaisesRegex(UserError, "confirmed or cancelled"):
            done.change_date = "2025-11-14"

    def test_protected_fields_of_a_change_are_refused(self):
        change = self._change("move_out")
        for vals in (
            {"state": "done"},
            {"final_bill_id": self.env["account.move"].search([], limit=1).id},
            {"done_by_id": self.officer.id},
            {"kind": "transfer"},
            {"contract_id": self.contract.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                change.with_user(self.manager).write(vals)
        with self.assertRaises(AccessError):
            change.reading_line_ids.write(
                {"reading_id": self.env["utility.meter.reading"].search([], limit=1).id}
            )
        with self.assertRaises(AccessError):
            self.env["utility.contract.change"].with_user(self.officer).create(
                {"kind": "move_out", "contract_id": self.old.id, "state": "done"}
            )

    def test_portal_new_owner_does_not_see_old_owner_readings(self):
        before = self._read(1100, "2025-11-10")
        change = self._transfer()
        change.action_record_readings()
        change.action_confirm()
        after = self._read(1270, "2025-11-30")
        final = change.reading_line_ids.reading_id
        self.assertEqual((before + final).mapped("partner_id"), self.zhang)
        self.assertEqual(after.partner_id, self.li)
        li_user = self._portal_user("li_portal", self.li)
        zhang_user = self._portal_user("zhang_portal", self.zhang)
        Reading = self.env["utility.meter.reading"]
        self.assertEqual(
            Reading.with_user(li_user).search([("meter_id", "=", self.meter_old.id)]), after
        )
        self.assertEqual(
            Reading.with_user(zhang_user).search([("meter_id", "=", self.meter_old.id)]),
            before + final,
        )
