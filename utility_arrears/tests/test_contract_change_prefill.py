from odoo.tests import new_test_user, tagged

from odoo.addons.utility_billing.tests.test_prepaid import UtilityPrepaidCase


@tagged("post_install", "-at_install")
class TestContractChangePrefill(UtilityPrepaidCase):
    """A move-out of a point whose meter a head-end reads every day: the
    final reading is prefilled with the last accepted daily reading at the
    end of the move-out day (Beijing time), for the officer to check."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.headend = cls.env["utility.headend"].create(
            {"name": "County HES", "code": "HES", "company_id": cls.company.id, "state": "test"}
        )
        cls.meter.write({"install_date": "2024-01-01", "initial_reading": 1000})
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.officer = new_test_user(
            cls.env,
            login="prefill_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def _daily(self, value, read_at, state="ok"):
        Daily = self.env["utility.meter.daily.reading"]
        with Daily._utility_protected_write():
            return Daily.create(
                {
                    "meter_id": self.meter.id,
                    "register": "total",
                    "read_at": read_at,
                    "read_day": read_at[:10],
                    "value": value,
                    "state": state,
                    "headend_id": self.headend.id,
                    "company_id": self.company.id,
                    "received_at": read_at,
                }
            )

    def _move_out(self):
        return (
            self.env["utility.contract.change"]
            .with_user(self.officer)
            .create(
                {
                    "kind": "move_out",
                    "contract_id": self.contract.id,
                    "change_date": "2025-03-10",
                }
            )
        )

    def test_final_reading_is_prefilled_from_the_head_end(self):
        self.meter.headend_id = self.headend
        self._daily(1350, "2025-03-09 14:00:00")
        # 22:00 on 10 March in Beijing is still the move-out day
        self._daily(1360, "2025-03-10 14:00:00")
        # a rejected reading and the next day's reading are not taken
        self._daily(9999, "2025-03-10 15:00:00", state="rejected")
        self._daily(1370, "2025-03-10 16:30:00")
        change = self._move_out()
        self.assertEqual(change.reading_line_ids.meter_id, self.meter)
        self.assertEqual(change.reading_line_ids.value, 1360)

    def test_meter_without_head_end_is_left_to_the_officer(self):
        self._daily(1360, "2025-03-10 14:00:00")
        change = self._move_out()
        self.assertEqual(change.reading_line_ids.meter_id, self.meter)
        self.assertEqual(change.reading_line_ids.value, 0.0)
