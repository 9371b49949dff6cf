from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import http
from odoo.tests import HttpCase, tagged

from .test_prepaid import UtilityPrepaidCase

# what attackers and clumsy fingers type into an amount field
HOSTILE_AMOUNTS = [
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e308",
    "1" + "0" * 400,
    "5e1",
    "+5",
    " 5.00 ",
    "١٢٣",
    "１２",
    "12,5",
    "0x10",
    "5.",
    ".5",
    "5.001",
    "\x00",
]
BOUNDED = settings(
    max_examples=20,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@tagged("post_install", "-at_install")
class TestPortalHostileInput(UtilityPrepaidCase, HttpCase):
    """The portal's forms answer any amount or register value with a form
    error, never a server error, and change nothing unless the value is an
    amount of the one amount grammar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_user("portal_hostile", cls.customer)

    def setUp(self):
        super().setUp()
        self.authenticate("portal_hostile", "portal_hostile")

    def _readings(self):
        return self.env["utility.meter.reading"].search_count([("meter_id", "=", self.meter.id)])

    def _self_read(self, value):
        return self.url_open(
            f"/my/utility/meters/{self.meter.id}/reading",
            data={"value": value, "csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )

    def _topup(self, amount):
        return self.url_open(
            f"/my/utility/contracts/{self.contract.id}/topup",
            params={"amount": amount},
            allow_redirects=False,
        )

    def test_self_reading_of_nan_or_huge_values_is_a_form_error(self):
        for value in HOSTILE_AMOUNTS:
            with self.subTest(value=value[:12]):
                response = self._self_read(value)
                self.assertEqual(response.status_code, 303, response.text[:300])
                self.assertIn("error=value", response.headers["Location"])
        self.assertEqual(self._readings(), 0, "no reading is recorded")
        response = self._self_read("1234.5")
        self.assertIn("saved=1", response.headers["Location"])
        self.assertEqual(self._readings(), 1)

    def test_top_up_of_nan_or_huge_amounts_is_a_form_error(self):
        for value in HOSTILE_AMOUNTS:
            with self.subTest(value=value[:12]):
                response = self._topup(value)
                self.assertEqual(response.status_code, 400, response.text[:300])
                self.assertIn("o_utility_topup_error", response.text)
                self.assertIn("o_utility_topup_amount", response.text, "the form is shown again")
        response = self._topup("50.00")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_utility_topup_error", response.text)

    @BOUNDED
    @given(value=st.one_of(st.text(max_size=12), st.sampled_from(HOSTILE_AMOUNTS)))
    def test_any_text_in_the_portal_forms_is_an_answer_not_a_crash(self, value):
        value = value.replace("\x00", "")  # requests refuses NUL in a URL
        strict = self.env.company.currency_id
        try:
            strict._utility_parse_amount(value, decimals=2, allow_zero=True)
            valid = True
        except Exception:
            valid = False
        before = self._readings()
        reading = self._self_read(value)
        self.assertEqual(reading.status_code, 303)
        self.assertEqual(
            "error=value" in reading.headers["Location"], not valid, reading.headers["Location"]
        )
        if not valid:
            self.assertEqual(self._readings(), before)
        topup = self._topup(value)
        self.assertLess(topup.status_code, 500)
