import json

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestHeadendDailyReviewTour(HttpCase):
    """A reading the demo head-end sends over the readings API and the API
    holds for review, approved by the billing officer from the menu, in
    Chinese, in Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = cls.env.ref("utility_billing.user_billing_officer", raise_if_not_found=False)
        cls.headend = cls.env.ref("utility_arrears.headend_county_hes", raise_if_not_found=False)
        if cls.officer and cls.headend:
            cls.env["res.lang"]._activate_lang("zh_CN")
            cls.env["ir.module.module"]._load_module_terms(
                ["base", "web", "utility_billing", "utility_arrears"], ["zh_CN"], overwrite=True
            )
            cls.officer.lang = "zh_CN"
            cls.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")

    def test_officer_approves_a_held_daily_reading(self):
        if not (self.officer and self.headend):
            self.skipTest("needs the demo data (make test installs it)")
        key = self.headend.action_generate_key()["params"]["message"]
        meter = self.env.ref("utility_billing.meter_03")
        readings = [
            {
                "meter_serial": "DB23000003",
                "register": "total",
                "read_at": read_at,
                "value": value,
            }
            for read_at, value in (
                ("2026-01-10T23:50:00+08:00", 4520),
                ("2026-01-11T23:50:00+08:00", 4480),
            )
        ]
        response = self.url_open(
            "/utility/api/v1/readings",
            data=json.dumps({"readings": readings}),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        statuses = [result["status"] for result in response.json()["results"]]
        self.assertEqual(statuses, ["accepted", "review"])
        self.start_tour("/odoo", "utility_headend_daily_review_tour", login="officer_cg")
        held = self.env["utility.meter.daily.reading"].search(
            [("meter_id", "=", meter.id), ("value", "=", 4480)]
        )
        self.assertEqual((held.state, held.reviewed_by_id), ("ok", self.officer))
        self.assertIn("重新对时", held.review_note)
