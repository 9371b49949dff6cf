from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestBillingPartPeriod(UtilityBillingCase):
    """Each contract is billed for its own days of the period: a contract
    starting or ending in the month gets the fixed charge and the block
    limits of its days only, and two contracts of one service point in one
    month (a transfer of ownership on day D: the old contract ends on D, the
    new one is billed from D + 1) bill every kWh exactly once.

    Henan residential blocks: 0-180 kWh at 0.56, 181-260 at 0.61, above at
    0.86 per month; November has 30 days, so half a month is 0-90, 91-130,
    above 130."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.CNY").active = True
        cls.company.currency_id = cls.env.ref("base.CNY")
        cls.meter.write({"install_date": "2024-01-01", "initial_reading": 1000})
        cls.Reading = cls.env["utility.meter.reading"]
        cls.Run = cls.env["utility.billing.run"]
        cls.new_owner = cls.env["res.partner"].create(
            {
                "name": "Li Na",
                "utility_customer_number": "0100000002",
                "utility_category": "residential",
                "company_id": cls.company.id,
            }
        )

    def _read(self, value, date, reading_type="manual", meter=None):
        reading = self.Reading.create(
            {
                "meter_id": (meter or self.meter).id,
                "reading_date": date,
                "value": value,
                "reading_type": reading_type,
            }
        )
        reading.action_validate()
        self.assertEqual(reading.state, "validated")
        return reading

    def _end(self, contract, date):
        with contract._utility_protected_write():
            contract.write({"state": "terminated", "date_end": date})

    def _successor(self, date_start, predecessor=None, activate=True):
        vals = {
            "partner_id": self.new_owner.id,
            "service_point_id": self.service_point.id,
            "tariff_id": self.tariff.id,
            "company_id": self.company.id,
            "date_start": date_start,
        }
        if predecessor:
            vals["predecessor_id"] = predecessor.id
        Contract = self.env["utility.contract"]
        with Contract.browse()._utility_protected_write():
            contract = Contract.create(vals)
        if activate:
            contract.action_activate()
        return contract

    def _final_run(self, contract, date_from, date_to):
        run = self.Run.create(
            {
                "company_id": self.company.id,
                "kind": "final",
                "contract_ids": [(6, 0, contract.ids)],
                "date_from": date_from,
                "date_to": date_to,
                "invoice_date": date_to,
            }
        )
        run.action_run()
        return run

    def _november_run(self):
        run = self.Run.create(
            {
                "company_id": self.company.id,
                "date_from": "2025-11-01",
                "date_to": "2025-11-30",
                "invoice_date": "2025-12-02",
            }
        )
        run.with_context(queue_job__no_delay=True).action_run()
        self.assertEqual(run.state, "done")
        return run

    def _blocks(self, bill):
        return [
            (line.name, line.quantity, line.price_subtotal)
            for line in bill.invoice_line_ids.sorted("sequence")
        ]

    # ------------------------------------------------------------------
    def test_contract_starting_mid_month_is_billed_its_days_only(self):
        contract, meter = self._new_customer("0100000031", activate=False, initial_reading=500)
        contract.date_start = "2025-11-16"
        contract.action_activate()
        self.assertEqual(str(contract.billed_from), "2025-11-16")
        self._read(620, "2025-11-30", meter=meter)
        run = self._november_run()
        bill = run.move_ids.filtered(lambda m: m.utility_contract_id == contract)
        self.assertEqual(str(bill.utility_period_start), "2025-11-16")
        self.assertEqual(str(bill.utility_period_end), "2025-11-30")
        self.assertEqual(bill.utility_consumption, 120)
        # 16-30 November is half a month: 90 x 0.56 + 30 x 0.61
        self.assertEqual(self._blocks(bill), [("Block 1", 90, 50.40), ("Block 2", 30, 18.30)])
        self.assertEqual(bill.amount_total, 68.70)

    def test_final_run_bills_one_contract_up_to_the_move_out_day(self):
        _other, other_meter = self._new_customer("0100000032", initial_reading=0)
        self._read(100, "2025-11-15", meter=other_meter)
        reading = self._read(1150, "2025-11-15", reading_type="move_out")
        # the move-out bills first, then closes the contract
        run = self._final_run(self.contract, "2025-11-01", "2025-11-15")
        self._end(self.contract, "2025-11-15")
        self.assertEqual(run.state, "done")
        self.assertFalse(run.skip_ids)
        bill = run.move_ids
        self.assertEqual(len(bill), 1, "the final run bills its own contract only")
        self.assertEqual(bill.utility_contract_id, self.contract)
        self.assertEqual(bill.state, "posted")
        self.assertEqual(str(bill.utility_period_start), "2025-11-01")
        self.assertEqual(str(bill.utility_period_end), "2025-11-15")
        self.assertEqual(bill.utility_reading_ids, reading)
        # half a month: 90 x 0.56 + 40 x 0.61 + 20 x 0.86
        self.assertEqual(
            self._blocks(bill),
            [("Block 1", 90, 50.40), ("Block 2", 40, 24.40), ("Block 3", 20, 17.20)],
        )
        self.assertEqual(bill.amount_total, 92.00)
        self.assertEqual(run.contract_count, 1)
        self.assertEqual(self.contract._utility_next_billing_date().isoformat(), "2025-11-16")

    def test_closed_contract_is_neither_billed_nor_skipped_by_the_next_run(self):
        self._read(1150, "2025-11-15", reading_type="move_out")
        self._end(self.contract, "2025-11-15")
        final = self._final_run(self.contract, "2025-11-01", "2025-11-15")
        run = self._november_run()
        self.assertNotIn(self.contract, run._get_scope_contracts())
        self.assertFalse(run.move_ids)
        self.assertFalse(run.skip_ids)
        self.assertEqual(
            self.env["account.move"].search_count([("utility_contract_id", "=", self.contract.id)]),
            1,
        )
        self.assertEqual(final.move_ids.amount_total, 92.00)

    def test_transfer_bills_every_kwh_exactly_once(self):
        self._read(1150, "2025-11-15", reading_type="move_out")
        self._end(self.contract, "2025-11-15")
        final = self._final_run(self.contract, "2025-11-01", "2025-11-15")
        new = self._successor("2025-11-15", predecessor=self.contract)
        self.assertEqual(str(new.billed_from), "2025-11-16")
        self.assertEqual(self.contract.successor_id, new)
        self._read(1270, "2025-11-30")
        run = self._november_run()
        self.assertFalse(run.skip_ids)
        self.assertEqual(run.move_ids.utility_contract_id, new)
        bill = run.move_ids
        self.assertEqual(str(bill.utility_period_start), "2025-11-16")
        self.assertEqual(bill.partner_id, self.new_owner)
        self.assertEqual(self._blocks(bill), [("Block 1", 90, 50.40), ("Block 2", 30, 18.30)])
        self.assertEqual(bill.amount_total, 68.70)
        old_bill = final.move_ids
        self.assertEqual(old_bill.amount_total, 92.00)
        # 1270 - 1000: every kWh once, on one bill or the other
        self.assertEqual(old_bill.utility_consumption + bill.utility_consumption, 270)
        self.assertFalse(old_bill.utility_reading_ids & bill.utility_reading_ids)

    def test_two_contracts_of_one_point_never_share_a_reading(self):
        """Without a final bill, the periodic run bills both contracts of a
        transfer, each its own readings and days."""
        old_reading = self._read(1150, "2025-11-15", reading_type="move_out")
        self._end(self.contract, "2025-11-15")
        new = self._successor("2025-11-15", predecessor=self.contract)
        new_reading = self._read(1270, "2025-11-30")
        run = self._november_run()
        self.assertFalse(run.skip_ids)
        by_contract = {bill.utility_contract_id: bill for bill in run.move_ids}
        self.assertEqual(set(by_contract), {self.contract, new})
        old_bill, new_bill = by_contract[self.contract], by_contract[new]
        self.assertEqual(old_bill.utility_reading_ids, old_reading)
        self.assertEqual(new_bill.utility_reading_ids, new_reading)
        self.assertEqual((old_bill.amount_total, new_bill.amount_total), (92.00, 68.70))
        self.assertEqual(str(old_bill.utility_period_end), "2025-11-15")
        self.assertEqual(str(new_bill.utility_period_start), "2025-11-16")
        self.assertEqual(old_bill.utility_consumption + new_bill.utility_consumption, 270)

    def test_opening_reading_of_a_move_in_is_never_billed(self):
        self._read(1100, "2025-11-10", reading_type="move_out")
        self._end(self.contract, "2025-11-10")
        self._final_run(self.contract, "2025-11-01", "2025-11-10")
        # the house stood empty; the meter turned 30 kWh before the move-in
        new = self._successor("2025-11-20")
        self.assertEqual(str(new.billed_from), "2025-11-20")
        opening = self._read(1130, "2025-11-20", reading_type="move_in")
        self._read(1190, "2025-11-30")
        run = self._november_run()
        bill = run.move_ids
        self.assertEqual(bill.utility_contract_id, new)
        self.assertNotIn(opening, bill.utility_reading_ids)
        self.assertFalse(opening.move_id)
        self.assertEqual(bill.utility_consumption, 60)
        # 20-30 November, 11 days: 180 x 11/30 = 66 kWh at 0.56
        self.assertEqual(self._blocks(bill), [("Block 1", 60, 33.60)])

    def test_contracts_of_one_point_cannot_overlap(self):
        self._end(self.contract, "2025-11-15")
        early = self._successor("2025-11-10", activate=False)
        with self.assertRaises(ValidationError):
            early.action_activate()
        # the handover day itself, without the predecessor, is billed twice
        same_day = self._successor("2025-11-15", activate=False)
        with self.assertRaises(ValidationError):
            same_day.action_activate()
        follower = self._successor("2025-11-15", predecessor=self.contract)
        self.assertEqual(follower.state, "active")

    def test_final_bill_refused_inside_a_billed_period(self):
        self._read(1300, "2025-11-30")
        self._november_run()
        self._read(1350, "2025-12-05", reading_type="move_out")
        self._end(self.contract, "2025-12-05")
        run = self._final_run(self.contract, "2025-11-16", "2025-12-05")
        self.assertFalse(run.move_ids)
        self.assertEqual(run.skip_ids.reason, "already_billed")
        self.assertEqual(self.contract._utility_next_billing_date().isoformat(), "2025-12-01")

    def test_final_run_names_its_contracts_and_keeps_them(self):
        with self.assertRaises(ValidationError):
            self.Run.create(
                {
                    "company_id": self.company.id,
                    "kind": "final",
                    "date_from": "2025-11-01",
                    "date_to": "2025-11-15",
                }
            )
        run = self.Run.create(
            {
                "company_id": self.company.id,
                "kind": "final",
                "contract_ids": [(6, 0, self.contract.ids)],
                "date_from": "2025-11-01",
                "date_to": "2025-11-15",
            }
        )
        other, _meter = self._new_customer("0100000033")
        for vals in ({"kind": "periodic"}, {"contract_ids": [(4, other.id)]}):
            with self.assertRaises(AccessError):
                run.write(vals)
        with self.assertRaises(AccessError):
            self.contract.write({"predecessor_id": other.id})

    def test_readings_of_a_transfer_stay_with_their_contract_and_customer(self):
        handover = self._read(1150, "2025-11-15", reading_type="move_out")
        self._end(self.contract, "2025-11-15")
        new = self._successor("2025-11-15", predecessor=self.contract)
        later = self._read(1270, "2025-11-30")
        # the handover day is the old contract's, even validated after the
        # new one is active
        self.assertEqual(handover.contract_id, self.contract)
        self.assertEqual(handover.partner_id, self.customer)
        self.assertEqual(later.contract_id, new)
        self.assertEqual(later.partner_id, self.new_owner)
        # the house now belongs to the new owner: the old readings do not
        self.service_point.partner_id = self.new_owner
        self.assertEqual(handover.partner_id, self.customer)
        portal = self.env["res.users"].create(
            {
                "name": "Li Na portal",
                "login": "li_na_portal",
                "partner_id": self.new_owner.id,
                "group_ids": [(6, 0, self.env.ref("base.group_portal").ids)],
            }
        )
        seen = self.Reading.with_user(portal).search([("meter_id", "=", self.meter.id)])
        self.assertEqual(seen, later)

    def test_reading_waiting_in_the_new_contract_days_does_not_hold_the_old_bill(self):
        self._read(1150, "2025-11-15", reading_type="move_out")
        self._end(self.contract, "2025-11-15")
        new = self._successor("2025-11-15", predecessor=self.contract)
        self.Reading.create(
            {"meter_id": self.meter.id, "reading_date": "2025-11-30", "value": 1270}
        )
        run = self._november_run()
        self.assertEqual(run.move_ids.utility_contract_id, self.contract)
        self.assertEqual(run.move_ids.amount_total, 92.00)
        self.assertEqual(run.skip_ids.contract_id, new)
        self.assertEqual(run.skip_ids.reason, "reading_to_review")
