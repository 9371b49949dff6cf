import json

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import UtilityArrearsCase

READINGS = "/utility/api/v1/readings"


@tagged("post_install", "-at_install")
class TestHeadendReadings(UtilityArrearsCase, HttpCase):
    """A head-end posts its meters' daily readings over real HTTP: stored
    once, held for review by the rules of meter readings, refused with a
    stable code when they are not its meters'."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")
        cls.Daily = cls.env["utility.meter.daily.reading"]
        cls.headend = cls.env["utility.headend"].create(
            {"name": "County HES", "code": "HES", "company_id": cls.company.id, "state": "test"}
        )
        cls.key = cls.headend.action_generate_key()["params"]["message"]
        cls.meter.write(
            {
                "install_date": "2024-01-01",
                "initial_reading": 1000,
                "headend_id": cls.headend.id,
                "remote_capable": True,
            }
        )
        other_headend = cls.env["utility.headend"].create(
            {"name": "Other HES", "code": "HES2", "company_id": cls.company.id}
        )
        cls.foreign_headend_meter = cls.env["utility.meter"].create(
            {
                "serial": "M0002",
                "service_point_id": cls.service_point.id,
                "headend_id": other_headend.id,
            }
        )
        other = cls.setup_other_company()["company"]
        station = cls.env["utility.supply.station"].create(
            {"name": "Other", "code": "OT", "company_id": other.id}
        )
        point = cls.env["utility.service.point"].create(
            {"name": "Other county house", "company_id": other.id, "station_id": station.id}
        )
        cls.env["utility.meter"].create({"serial": "M9999", "service_point_id": point.id})

    def _post(self, readings, key=None, raw=None):
        return self.url_open(
            READINGS,
            data=raw if raw is not None else json.dumps({"readings": readings}),
            headers={
                "Authorization": f"Bearer {key or self.key}",
                "Content-Type": "application/json",
            },
        )

    def _reading(self, value, read_at, serial="M0001", register="total"):
        return {"meter_serial": serial, "register": register, "read_at": read_at, "value": value}

    def _daily(self, read_at):
        return self.Daily.search([("meter_id", "=", self.meter.id), ("read_at", "=", read_at)])

    def test_accepted_then_duplicate_then_conflict_keeps_the_first_value(self):
        response = self._post([self._reading(1012.5, "2025-03-01T23:30:00+08:00")])
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(answer["totals"]["accepted"], 1)
        self.assertEqual(answer["results"][0]["status"], "accepted")
        daily = self._daily("2025-03-01 15:30:00")
        self.assertEqual((daily.state, daily.value, daily.consumption), ("ok", 1012.5, 12.5))
        self.assertEqual(daily.headend_id, self.headend)
        self.assertEqual(str(daily.read_day), "2025-03-01")
        self.headend.invalidate_recordset()
        self.assertTrue(self.headend.last_used_at)
        # the same reading again (the head-end retries): nothing more stored
        again = self._post([self._reading(1012.5, "2025-03-01T15:30:00Z")]).json()
        self.assertEqual(again["results"][0]["status"], "duplicate")
        # another value for the same meter, register and time: kept, flagged
        conflict = self._post([self._reading(1099, "2025-03-01T23:30:00+08:00")]).json()
        self.assertEqual(conflict["results"][0], {**conflict["results"][0], "status": "conflict"})
        self.assertEqual(conflict["results"][0]["code"], "conflicting_value")
        daily.invalidate_recordset()
        self.assertEqual(self._daily("2025-03-01 15:30:00"), daily)
        self.assertEqual(
            (daily.state, daily.value, daily.conflict_value), ("conflict", 1012.5, 1099)
        )

    def test_one_batch_answers_each_reading_in_order(self):
        answer = self._post(
            [
                self._reading(1010, "2025-03-01T23:00:00+08:00"),
                self._reading(5, "2025-03-01T23:00:00+08:00", serial="NOPE"),
                self._reading(5, "2025-03-01T23:00:00+08:00", serial="M9999"),
                self._reading(5, "2025-03-01T23:00:00+08:00", serial="M0002"),
                self._reading(-1, "2025-03-02T23:00:00+08:00"),
                self._reading("12", "2025-03-02T23:00:00+08:00"),
                self._reading(1020, "2025-03-02T23:00:00"),
                self._reading(1020, "2025-03-02T23:00:00+08:00", register="reactive"),
                self._reading(1020, "2099-03-02T23:00:00+08:00"),
                self._reading(1020, "2025-03-02T23:00:00+08:00", serial="M0001\x00"),
                "not an object",
                self._reading(1020, "2025-03-02T23:00:00+08:00"),
            ]
        ).json()
        self.assertEqual(
            [(r["index"], r["status"], r.get("code")) for r in answer["results"]],
            [
                (0, "accepted", None),
                (1, "refused", "unknown_meter"),
                # another company's meter is unknown to this head-end
                (2, "refused", "unknown_meter"),
                (3, "refused", "meter_not_on_headend"),
                (4, "refused", "invalid_value"),
                (5, "refused", "invalid_value"),
                (6, "refused", "invalid_read_at"),
                (7, "refused", "invalid_register"),
                (8, "refused", "invalid_read_at"),
                (9, "refused", "invalid_meter_serial"),
                (10, "refused", "invalid_reading"),
                (11, "accepted", None),
            ],
        )
        self.assertEqual(
            answer["totals"],
            {"accepted": 2, "review": 0, "duplicate": 0, "conflict": 0, "refused": 10},
        )
        second = self._daily("2025-03-02 15:00:00")
        # counted from the reading of the day before, in the same batch
        self.assertEqual((second.previous_value, second.consumption), (1010, 10))
        self.assertEqual(str(second.previous_read_at), "2025-03-01 15:00:00")
        self.assertEqual(self.Daily.search_count([("meter_id", "=", self.meter.id)]), 2)

    def test_roll_over_is_held_for_review_with_its_advance(self):
        self._post([self._reading(99990, "2025-03-01T23:00:00+08:00")])
        answer = self._post([self._reading(20, "2025-03-02T23:00:00+08:00")]).json()
        self.assertEqual(answer["results"][0]["status"], "review")
        self.assertIn("Roll-over", answer["results"][0]["reason"])
        daily = self._daily("2025-03-02 15:00:00")
        self.assertEqual((daily.state, daily.consumption), ("review", 30))

    def test_value_below_the_previous_one_is_negative_consumption_held_for_review(self):
        self._post([self._reading(1500, "2025-03-01T23:00:00+08:00")])
        answer = self._post([self._reading(1200, "2025-03-02T23:00:00+08:00")]).json()
        self.assertEqual(answer["results"][0]["status"], "review")
        self.assertIn("negative consumption", answer["results"][0]["reason"])
        self.assertEqual(self._daily("2025-03-02 15:00:00").consumption, -300)

    def test_abnormal_jump_is_held_for_review_never_dropped(self):
        week = [
            self._reading(1000 + 10 * day, f"2025-03-{day:02d}T23:00:00+08:00")
            for day in range(1, 9)
        ]
        self.assertEqual(self._post(week).json()["totals"]["accepted"], 8)
        answer = self._post([self._reading(1280, "2025-03-09T23:00:00+08:00")]).json()
        self.assertEqual(answer["results"][0]["status"], "review")
        self.assertIn("recent average", answer["results"][0]["reason"])
        daily = self._daily("2025-03-09 15:00:00")
        self.assertEqual((daily.state, daily.consumption), ("review", 200))

    def test_officer_approves_or_rejects_a_held_reading_with_a_note(self):
        self._post([self._reading(1500, "2025-03-01T23:00:00+08:00")])
        self._post([self._reading(1200, "2025-03-02T23:00:00+08:00")])
        held = self._daily("2025-03-02 15:00:00")
        officer = new_test_user(
            self.env,
            login="hes_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        reader = new_test_user(
            self.env,
            login="hes_reader",
            groups="utility_billing.group_utility_meter_reader",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with self.assertRaises(AccessError):
            held.with_user(reader).action_approve()
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            held.with_user(officer).write({"value": 1600})
        with self.assertRaises(UserError):
            held.with_user(officer).action_reject()
        held.with_user(officer).review_note = "电表更换后读数回退，作废"
        held.with_user(officer).action_reject()
        self.assertEqual((held.state, held.reviewed_by_id), ("rejected", officer))
        with self.assertRaises(UserError):
            held.with_user(officer).action_approve()

    def test_revoked_key_is_refused_401_and_nothing_stored(self):
        self.headend.action_revoke_key()
        response = self._post([self._reading(1010, "2025-03-01T23:00:00+08:00")])
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "unauthorized")
        self.assertFalse(self.Daily.search([("meter_id", "=", self.meter.id)]))

    def test_batch_of_1001_readings_is_refused_whole(self):
        batch = [
            self._reading(1000 + day, f"2025-03-01T{day // 60 % 24:02d}:{day % 60:02d}:00+08:00")
            for day in range(1001)
        ]
        response = self._post(batch)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["code"], "batch_too_large")
        self.assertFalse(self.Daily.search([("meter_id", "=", self.meter.id)]))
        for raw, code in (("{not json", "invalid_json"), ('{"readings": 3}', "invalid_body")):
            response = self._post(None, raw=raw)
            self.assertEqual((response.status_code, response.json()["code"]), (422, code))

    def test_month_of_daily_readings_bills_the_period_end_advance_once(self):
        self.Reading = self.env["utility.meter.reading"]
        start = self.Reading.create(
            {"meter_id": self.meter.id, "reading_date": "2025-02-28", "value": 1300}
        )
        start.action_validate()
        month = [
            self._reading(1300 + 10 * day, f"2025-03-{day:02d}T22:00:00+08:00")
            for day in range(1, 32)
        ]
        # the next day's reading is after the period end: not used
        month.append(self._reading(1700, "2025-04-01T00:30:00+08:00"))
        self.assertEqual(self._post(month).json()["totals"]["accepted"], 32)
        # the first counts from the monthly reading, the next ones from the day before
        first, second = self._daily("2025-03-01 14:00:00"), self._daily("2025-03-02 14:00:00")
        self.assertEqual((first.previous_value, first.previous_read_at), (1300, False))
        self.assertEqual(str(second.previous_read_at), "2025-03-01 14:00:00")
        cny = self.env.ref("base.CNY")
        cny.active = True
        self.company.currency_id = cny
        run_vals = {
            "company_id": self.company.id,
            "date_from": "2025-03-01",
            "date_to": "2025-03-31",
            "invoice_date": "2025-04-02",
        }
        no_delay = self.env(context=dict(self.env.context, queue_job__no_delay=True))
        run = self.env["utility.billing.run"].create(run_vals)
        run.action_preview()
        self.assertEqual(run.preview_bill_count, 1)
        self.assertEqual(run.preview_consumption, 310)
        run.with_env(no_delay).action_run()
        remote = self.Reading.search(
            [("meter_id", "=", self.meter.id), ("reading_type", "=", "remote")]
        )
        self.assertEqual(len(remote), 1)
        self.assertEqual((str(remote.reading_date), remote.value), ("2025-03-31", 1610))
        self.assertEqual((remote.state, remote.consumption), ("billed", 310))
        self.assertEqual(remote.move_id, run.move_ids)
        self.assertEqual(self._daily("2025-03-31 14:00:00").meter_reading_id, remote)
        # once a month, not once a day; and running again creates nothing
        self.assertEqual(
            self.Reading.search_count(
                [("meter_id", "=", self.meter.id), ("reading_date", ">=", "2025-03-01")]
            ),
            1,
        )
        created = self.Daily._create_period_end_readings(self.meter, run.date_from, run.date_to)
        self.assertFalse(created)
        run.with_env(no_delay).action_run()
        self.assertEqual(len(run.move_ids), 1)

    def test_transfer_in_the_month_gives_each_contract_its_own_closing_reading(self):
        """The old contract ends on 15 March and the new owner's starts the
        16th: the run reads the meter at the end of each contract's days,
        and the two bills share the month's 310 kWh."""
        reading_model = self.env["utility.meter.reading"]
        start = reading_model.create(
            {"meter_id": self.meter.id, "reading_date": "2025-02-28", "value": 1300}
        )
        start.action_validate()
        month = [
            self._reading(1300 + 10 * day, f"2025-03-{day:02d}T22:00:00+08:00")
            for day in range(1, 32)
        ]
        self.assertEqual(self._post(month).json()["totals"]["accepted"], 31)
        with self.contract._utility_protected_write():
            self.contract.write({"state": "terminated", "date_end": "2025-03-15"})
        owner = self.env["res.partner"].create(
            {
                "name": "New owner",
                "utility_customer_number": "0100000777",
                "utility_category": "residential",
                "company_id": self.company.id,
            }
        )
        contract_model = self.env["utility.contract"]
        with contract_model.browse()._utility_protected_write():
            new = contract_model.create(
                {
                    "partner_id": owner.id,
                    "service_point_id": self.service_point.id,
                    "tariff_id": self.contract.tariff_id.id,
                    "company_id": self.company.id,
                    "date_start": "2025-03-15",
                    "predecessor_id": self.contract.id,
                }
            )
        new.action_activate()
        run = self.env["utility.billing.run"].create(
            {
                "company_id": self.company.id,
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
                "invoice_date": "2025-04-02",
            }
        )
        run.with_context(queue_job__no_delay=True).action_run()
        remote = reading_model.search(
            [("meter_id", "=", self.meter.id), ("reading_type", "=", "remote")],
            order="reading_date",
        )
        self.assertEqual(
            [(str(r.reading_date), r.value, r.contract_id) for r in remote],
            [("2025-03-15", 1450, self.contract), ("2025-03-31", 1610, new)],
        )
        bills = {bill.utility_contract_id: bill for bill in run.move_ids}
        self.assertEqual(set(bills), {self.contract, new})
        self.assertEqual(bills[self.contract].utility_consumption, 150)
        self.assertEqual(bills[new].utility_consumption, 160)

    def test_latest_ok_reading_at_a_time_skips_held_readings(self):
        # the valuation's entry point: held readings do not count
        self._post(
            [
                self._reading(1010, "2025-03-01T23:00:00+08:00"),
                self._reading(900, "2025-03-02T23:00:00+08:00"),
            ]
        )
        at = fields.Datetime.to_datetime("2025-03-03 00:00:00")
        latest = self.Daily._get_latest_ok(self.meter, at)
        self.assertEqual(latest[self.meter.id].value, 1010)
