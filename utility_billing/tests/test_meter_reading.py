from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestMeterReading(UtilityBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meter.write({"install_date": "2024-01-01", "initial_reading": 1000})
        cls.Reading = cls.env["utility.meter.reading"]

    def _read(self, date, value, meter=None, **vals):
        return self.Reading.create(
            {"meter_id": (meter or self.meter).id, "reading_date": date, "value": value, **vals}
        )

    def _history(self, *date_values, meter=None):
        """Create and validate a series of readings (date, value)."""
        readings = self.Reading.create(
            [
                {"meter_id": (meter or self.meter).id, "reading_date": d, "value": v}
                for d, v in date_values
            ]
        )
        readings.action_validate()
        return readings

    # consumption --------------------------------------------------------
    def test_first_reading_counts_from_initial_reading(self):
        reading = self._read("2024-01-31", 1300)
        self.assertFalse(reading.previous_reading_id)
        self.assertEqual(reading.previous_value, 1000)
        self.assertEqual(reading.consumption, 300)
        self.assertEqual(reading.period_days, 30)
        self.assertEqual(reading.contract_id, self.contract)
        self.assertEqual(reading.partner_id, self.customer)
        self.assertEqual(reading.station_id, self.station)

    def test_consumption_is_register_advance_times_multiplier(self):
        ct_meter = self.env["utility.meter"].create(
            {
                "serial": "CT40",
                "service_point_id": self.service_point.id,
                "multiplier": 40,
                "install_date": "2024-01-01",
                "initial_reading": 100,
            }
        )
        jan, feb = self._history(("2024-01-31", 150), ("2024-02-29", 162.5), meter=ct_meter)
        self.assertEqual(jan.consumption, 2000.0)  # (150 - 100) x 40
        self.assertEqual(feb.previous_reading_id, jan)
        self.assertEqual(feb.consumption, 500.0)  # 12.5 x 40
        self.assertEqual(feb.state, "validated")

    def test_register_roll_over_is_consumption_not_an_error(self):
        # the 5-digit register passes 99999 and starts again at 0
        self.meter.initial_reading = 99900
        jan, feb = self._history(("2024-01-31", 99950), ("2024-02-29", 30))
        self.assertEqual(jan.consumption, 50)
        self.assertEqual(feb.consumption, 80)  # 99950 -> 100000 -> 30
        self.assertEqual(feb.state, "validated")

    def test_reading_inserted_between_two_readings_becomes_the_previous(self):
        jan = self._read("2024-01-31", 1100)
        mar = self._read("2024-03-31", 1300)
        self.assertEqual(mar.consumption, 200)
        feb = self._read("2024-02-29", 1250)
        self.assertEqual(mar.previous_reading_id, feb)
        self.assertEqual(mar.consumption, 50)
        feb.action_cancel()
        self.assertEqual(mar.previous_reading_id, jan)
        self.assertEqual(mar.consumption, 200)

    def test_meter_change_keeps_both_meters_readings(self):
        old_jan, old_feb = self._history(("2024-01-31", 1150), ("2024-02-29", 1290))
        final = self._read("2024-03-10", 1330, reading_type="final")
        final.action_validate()
        self.meter.write({"state": "removed", "remove_date": "2024-03-10"})
        new_meter = self.env["utility.meter"].create(
            {
                "serial": "M0002",
                "service_point_id": self.service_point.id,
                "digits": 6,
                "install_date": "2024-03-10",
                "initial_reading": 5,
                "replaced_meter_id": self.meter.id,
            }
        )
        new_mar = self._read("2024-03-31", 65, meter=new_meter)
        new_mar.action_validate()
        # the new meter starts from its own initial reading, not from 1330
        self.assertFalse(new_mar.previous_reading_id)
        self.assertEqual(new_mar.consumption, 60)
        self.assertEqual(final.consumption, 40)
        history = self.Reading.search([("service_point_id", "=", self.service_point.id)])
        self.assertEqual(history, old_jan | old_feb | final | new_mar)
        self.assertEqual(sum(history.mapped("consumption")), 150 + 140 + 40 + 60)
        billable = self.Reading._get_billable(self.contract, "2024-03-01", "2024-03-31")
        self.assertEqual(billable, final | new_mar)

    # rejection ------------------------------------------------------------
    def test_reading_below_previous_that_is_no_roll_over_is_rejected(self):
        self._history(("2024-01-31", 1500))
        feb = self._read("2024-02-29", 1480)
        self.assertEqual(feb.consumption, -20)
        with self.assertRaisesRegex(UserError, "below the previous value 1500"):
            feb.action_validate()
        self.assertEqual(feb.state, "draft")

    def test_negative_value_is_rejected(self):
        reading = self._read("2024-01-31", -5)
        with self.assertRaisesRegex(UserError, "cannot be negative"):
            reading.action_validate()

    def test_value_beyond_register_digits_is_rejected(self):
        reading = self._read("2024-01-31", 123456)
        with self.assertRaisesRegex(UserError, "exceeds the 5 digits"):
            reading.action_validate()

    def test_readings_of_removed_meter_are_rejected(self):
        self.meter.write({"state": "removed", "remove_date": "2024-03-10"})
        after = self._read("2024-03-31", 1400)
        with self.assertRaisesRegex(UserError, "removed on"):
            after.action_validate()
        before = self._read("2024-03-05", 1300)
        with self.assertRaisesRegex(UserError, "only its final reading"):
            before.action_validate()
        before.reading_type = "final"
        before.action_validate()
        self.assertEqual(before.state, "validated")

    def test_batch_validation_is_all_or_nothing_and_lists_every_reason(self):
        other_meter = self.env["utility.meter"].create(
            {
                "serial": "M0009",
                "service_point_id": self.service_point.id,
                "install_date": "2024-01-01",
            }
        )
        good = self._read("2024-01-31", 1100)
        bad = self._read("2024-01-31", -1, meter=other_meter)
        with self.assertRaises(UserError) as err:
            (good | bad).action_validate()
        self.assertIn("M0009", str(err.exception))
        self.assertEqual((good | bad).mapped("state"), ["draft", "draft"])

    def test_second_reading_of_a_meter_on_the_same_date_is_refused(self):
        self._read("2024-01-31", 1100)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._read("2024-01-31", 1120)
            self.env.flush_all()

    def test_cancelled_reading_frees_its_date(self):
        first = self._read("2024-01-31", 1100)
        first.action_cancel()
        second = self._read("2024-01-31", 1120)
        self.assertEqual(second.consumption, 120)

    # abnormal consumption --------------------------------------------------
    def test_abnormal_jump_goes_to_review_and_officer_approves(self):
        self._history(("2024-01-31", 1100), ("2024-03-01", 1200), ("2024-03-31", 1300))
        # ~100 kWh a month, then 1000 kWh in 30 days: more than 3x the average
        jump = self._read("2024-04-30", 2300)
        jump.action_validate()
        self.assertEqual(jump.state, "to_review")
        self.assertIn("more than 3 times", jump.review_reason)
        self.assertFalse(self.Reading._get_billable(self.contract, "2024-04-01", "2024-04-30"))
        reader = new_test_user(
            self.env,
            login="reader_review",
            groups="utility_billing.group_utility_meter_reader",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            jump.with_user(reader).action_approve_review()
        jump.action_approve_review()
        self.assertEqual(jump.state, "validated")
        self.assertEqual(
            self.Reading._get_billable(self.contract, "2024-04-01", "2024-04-30"), jump
        )

    def test_abnormal_factor_is_configurable(self):
        self.env["ir.config_parameter"].set_param("utility_billing.abnormal_factor", "12")
        self._history(("2024-01-31", 1100), ("2024-03-01", 1200))
        jump = self._read("2024-03-31", 2200)
        jump.action_validate()
        self.assertEqual(jump.state, "validated")

    # billed lock -----------------------------------------------------------
    def test_billed_reading_is_locked(self):
        reading = self._history(("2024-01-31", 1150))
        bill = self.init_invoice("out_invoice", partner=self.customer, amounts=[84.0])
        self.Reading._mark_billed({reading: bill})
        self.assertEqual(reading.state, "billed")
        self.assertEqual(reading.move_id, bill)
        with self.assertRaisesRegex(UserError, "locked"):
            reading.value = 1200
        with self.assertRaisesRegex(UserError, "locked"):
            reading.note = "re-read"
        with self.assertRaises(UserError):
            reading.unlink()
        with self.assertRaises(UserError):
            reading.action_cancel()
        # nor can a reading be slipped in before it
        with self.assertRaisesRegex(UserError, "before a billed reading"):
            self._read("2024-01-15", 1100)
        # only the billing may release it, when the bill is cancelled
        with self.assertRaises(AccessError):
            reading.write({"state": "validated", "move_id": False})
        with reading._utility_protected_write():
            reading.write({"state": "validated", "move_id": False})
        self.assertEqual(reading.state, "validated")

    def test_billable_readings_are_validated_and_unbilled_in_the_period(self):
        jan, feb, mar = self._history(
            ("2024-01-31", 1100), ("2024-02-29", 1200), ("2024-03-31", 1300)
        )
        self._read("2024-04-30", 1400)  # draft: not billable
        bill = self.init_invoice("out_invoice", partner=self.customer, amounts=[56.0])
        self.Reading._mark_billed({jan: bill})
        billable = self.Reading._get_billable(self.contract, "2024-01-01", "2024-04-30")
        self.assertEqual(billable, feb | mar)

    # estimates -------------------------------------------------------------
    def test_estimate_then_actual_reading_adds_up_to_the_real_advance(self):
        self._history(("2024-01-31", 1300), ("2024-03-01", 1600))  # 10 kWh/day
        estimates, skipped = self.Reading._create_estimates(self.meter, "2024-03-31")
        self.assertFalse(skipped)
        self.assertEqual(estimates.reading_type, "estimated")
        self.assertEqual(estimates.value, 1900)  # 1600 + 30 days x 10 kWh
        self.assertEqual(estimates.consumption, 300)
        estimates.action_validate()
        # the actual reading is lower than the estimate: it corrects it
        actual = self._read("2024-04-30", 1850)
        actual.action_validate()
        self.assertEqual(actual.state, "validated")
        self.assertEqual(actual.previous_reading_id, estimates)
        self.assertEqual(actual.consumption, -50)
        self.assertEqual(estimates.consumption + actual.consumption, 1850 - 1600)

    def test_meter_without_history_is_not_estimated(self):
        estimates, skipped = self.Reading._create_estimates(self.meter, "2024-03-31")
        self.assertFalse(estimates)
        self.assertIn(self.meter, skipped)

    # wizards and access ----------------------------------------------------
    def test_reading_round_prepares_one_draft_line_per_installed_meter_of_the_route(self):
        self.service_point.route = "CG-East"
        self.env["utility.meter"].create(
            {"serial": "GONE", "service_point_id": self.service_point.id, "state": "removed"}
        )
        action = (
            self.env["utility.reading.round"]
            .create({"route": "CG-East", "reading_date": "2024-01-31"})
            .action_prepare()
        )
        lines = self.Reading.search(action["domain"])
        self.assertEqual(lines.meter_id, self.meter)
        self.assertEqual(lines.previous_value, 1000)
        lines.value = 1180
        lines.action_validate()
        self.assertEqual(lines.consumption, 180)

    def test_estimate_wizard_fills_meters_without_reading_in_the_period(self):
        self._history(("2024-01-31", 1300), ("2024-03-01", 1600))
        self.env["utility.reading.estimate"].create(
            {
                "date_from": "2024-03-02",
                "reading_date": "2024-03-31",
                "station_ids": [(6, 0, self.station.ids)],
            }
        ).action_estimate()
        estimate = self.Reading.search(
            [("meter_id", "=", self.meter.id), ("reading_type", "=", "estimated")]
        )
        self.assertEqual(estimate.state, "validated")
        self.assertEqual(estimate.consumption, 300)

    def test_meter_reader_enters_readings_but_cannot_delete_or_approve(self):
        reader = new_test_user(
            self.env,
            login="reader_rights",
            groups="utility_billing.group_utility_meter_reader",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        reading = self.Reading.with_user(reader).create(
            {"meter_id": self.meter.id, "reading_date": "2024-01-31", "value": 1120}
        )
        reading.action_validate()
        self.assertEqual(reading.state, "validated")
        with self.assertRaises(AccessError):
            reading.action_approve_review()
        draft = self.Reading.with_user(reader).create(
            {"meter_id": self.meter.id, "reading_date": "2024-02-29", "value": 1200}
        )
        with self.assertRaises(AccessError):
            draft.unlink()
        cashier = new_test_user(
            self.env,
            login="cashier_rights",
            groups="utility_billing.group_utility_cashier",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.Reading.with_user(cashier).create(
                {"meter_id": self.meter.id, "reading_date": "2024-03-31", "value": 1300}
            )
