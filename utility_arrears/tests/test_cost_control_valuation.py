import json
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.sms.tests.common import MockSMS
from odoo.addons.utility_billing.tests.test_prepaid import UtilityPrepaidCase
from odoo.addons.utility_payment_channels.controllers.openapi import OPENAPI_DOCUMENT

API = "/utility/api/v1"
AT = fields.Datetime.to_datetime("2025-03-16 00:00:00")


@tagged("post_install", "-at_install")
class TestCostControlValuation(UtilityPrepaidCase, MockSMS, HttpCase):
    """The daily valuation of a prepaid contract whose meter a head-end
    reads every day and switches remotely: the consumption since the last
    bill priced by the Henan blocks, prorated to the days, taken from the
    credit and the open bills — and never booked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")
        cls.customer.phone = "+86 138 0371 0001"
        cls.headend = cls.env["utility.headend"].create(
            {"name": "County HES", "code": "HES", "company_id": cls.company.id, "state": "test"}
        )
        cls.meter.write(
            {
                "install_date": "2024-01-01",
                "initial_reading": 1000,
                "headend_id": cls.headend.id,
                "remote_capable": True,
            }
        )
        # the last bill read the meter at 1300 on 28 February
        reading = cls.env["utility.meter.reading"].create(
            {"meter_id": cls.meter.id, "reading_date": "2025-02-28", "value": 1300}
        )
        reading.action_validate()
        with reading._utility_protected_write():
            reading.state = "billed"
        cls.officer = new_test_user(
            cls.env,
            login="cc_officer",
            groups="utility_billing.group_utility_billing_officer",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.cashier = new_test_user(
            cls.env,
            login="cc_cashier",
            groups="utility_billing.group_utility_cashier",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    def _daily(self, value, day, meter=None, state="ok", hour=14):
        """A daily reading of the total register, read at 22:00 on ``day``
        (Shanghai time; ``hour`` in UTC)."""
        Daily = self.env["utility.meter.daily.reading"]
        with Daily._utility_protected_write():
            return Daily.create(
                {
                    "meter_id": (meter or self.meter).id,
                    "register": "total",
                    "read_at": f"{day} {hour}:00:00",
                    "read_day": day,
                    "value": value,
                    "state": state,
                    "headend_id": self.headend.id,
                    "company_id": self.company.id,
                    "received_at": f"{day} 14:05:00",
                }
            )

    def test_contract_is_cost_controlled_prepaid_remote_meter_with_headend(self):
        self.assertTrue(self.contract.cost_control)
        self.meter.remote_capable = False
        self.assertFalse(self.contract.cost_control)

    def test_unbilled_kwh_priced_by_blocks_prorated_to_the_days_since_the_bill(self):
        self._topup(500.0)
        self._daily(1550, "2025-03-14")
        self._daily(1600, "2025-03-15")
        # held for review: not valued
        self._daily(1900, "2025-03-15", state="review", hour=15)
        moves_before = self.env["account.move"].search_count([])
        lines_before = self.env["account.move.line"].search_count([])
        balances = self.contract._utility_value_balances(at=AT)
        # 300 kWh from 1 to 15 March: 15/31 of the monthly blocks, 180 kWh
        # -> 87.10 at 0.56 = 48.78; 260 kWh -> 125.81: 38.71 at 0.61 = 23.61;
        # the 174.19 kWh left at 0.86 = 149.80
        contract = self.contract
        self.assertEqual(contract.valued_unbilled_kwh, 300.0)
        self.assertAlmostEqual(contract.valued_unbilled_amount, 222.19, places=2)
        self.assertAlmostEqual(contract.valued_balance, 500.0 - 222.19, places=2)
        self.assertEqual(balances, {contract.id: contract.valued_balance})
        self.assertEqual(str(contract.valued_reading_at), "2025-03-15 14:00:00")
        self.assertEqual(contract.valued_at, AT)
        # no history in the last 90 days: 300 kWh / 15 days = 20 kWh a day, a
        # month of 600 kWh costs (180 * 0.56 + 80 * 0.61 + 340 * 0.86) / 600
        # = 0.7367 a kWh: 14.73 a day; 277.81 lasts 18 days
        self.assertEqual(contract.valued_days_left, 18)
        # nothing booked: the bill will
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertEqual(self.env["account.move.line"].search_count([]), lines_before)
        self.assertEqual(contract.prepaid_balance, 500.0)

    def test_pricing_many_contracts_gives_the_amounts_of_the_tariffs_charge_lines(self):
        tariff = self.tariff
        for date_from, date_to in (
            ("2025-03-01", "2025-03-15"),
            ("2025-02-01", "2025-03-31"),
            ("2024-12-20", "2025-01-10"),  # two calendar years: by the lines
        ):
            price = tariff._utility_unbilled_pricer(
                fields.Date.to_date(date_from), fields.Date.to_date(date_to)
            )
            for kwh in (0.0, 0.01, 42.5, 87.1, 87.11, 125.81, 300.0, 517.37, 4000.0):
                lines = tariff._compute_charge_lines(date_from, date_to, consumption=kwh)
                self.assertAlmostEqual(
                    price(kwh),
                    sum(line["amount"] for line in lines),
                    places=2,
                    msg=f"{kwh} kWh from {date_from} to {date_to}",
                )
        self.assertIsNone(
            tariff._utility_unbilled_pricer(
                fields.Date.to_date("2019-01-01"), fields.Date.to_date("2019-01-31")
            ),
            "no approved version then: not valued",
        )

    def test_open_bill_residual_comes_off_the_estimated_balance(self):
        contract, meter = self._new_customer("0100000077", initial_reading=2000)
        contract.billing_mode = "prepaid"
        meter.write({"headend_id": self.headend.id, "remote_capable": True})
        self._bill(80.0, contract=contract)
        # no bill read this meter yet: counted from its initial value, the
        # 100 kWh from 1 January 2024 well within the first block
        self._daily(2100, "2025-03-15", meter=meter)
        contract._utility_value_balances(at=AT)
        self.assertEqual(contract.valued_unbilled_kwh, 100.0)
        self.assertAlmostEqual(contract.valued_unbilled_amount, 56.0, places=2)
        self.assertAlmostEqual(contract.valued_balance, -136.0, places=2)
        self.assertEqual(contract.valued_days_left, 0)

    def test_no_daily_reading_since_the_bill_values_nothing_unbilled(self):
        self._topup(120.0)
        # read before the bill's reading day: already billed
        self._daily(1290, "2025-02-27")
        self.contract._utility_value_balances(at=AT)
        self.assertEqual(self.contract.valued_unbilled_kwh, 0.0)
        self.assertEqual(self.contract.valued_unbilled_amount, 0.0)
        self.assertFalse(self.contract.valued_reading_at)
        self.assertEqual(self.contract.valued_balance, 120.0)
        self.assertEqual(self.contract.valued_days_left, -1, "no consumption history")

    def test_daily_job_values_every_cost_controlled_contract_in_batches(self):
        self._daily(1400, "2025-03-15")
        postpaid, postpaid_meter = self._new_customer("0100000078")
        postpaid_meter.write({"headend_id": self.headend.id, "remote_capable": True})
        self.assertFalse(postpaid.cost_control)
        with patch.dict("os.environ", {"QUEUE_JOB__NO_DELAY": "1"}):
            self.env["utility.contract"]._cron_utility_value_balances()
        self.assertTrue(self.contract.valued_at)
        self.assertEqual(self.contract.valued_unbilled_kwh, 100.0)
        self.assertFalse(postpaid.valued_at)

    def test_balance_warning_fires_on_the_valued_balance_with_an_sms(self):
        rule = self.env["utility.warning.rule"].create(
            {
                "name": "Balance below 300",
                "kind": "balance_amount",
                "threshold_amount": 300.0,
                "company_id": self.company.id,
                "notify_email": False,
                "sms_template_id": self.env.ref("utility_billing.sms_template_utility_warning").id,
            }
        )
        self._topup(500.0)
        with self.mockSMSGateway():
            self.assertFalse(rule._evaluate(), "500 of credit, nothing valued yet")
        self._daily(1600, "2025-03-15")
        self.contract._utility_value_balances(at=AT)
        with self.mockSMSGateway():
            warning = rule._evaluate()
            # what the SMS queue cron does
            self._new_sms.filtered(lambda sms: sms.state == "outgoing")._send()
        self.assertEqual(warning.contract_id, self.contract)
        self.assertAlmostEqual(warning.value, 277.81, places=2)
        self.assertIn("277.81", warning.message, "it tells the valued balance")
        self.assertEqual(len(self._sms), 1, "the customer is told by SMS")
        # a top-up that lifts the valued balance above the threshold clears it
        self._topup(50.0)
        self.assertTrue(warning.cleared_at)
        self.assertAlmostEqual(self.contract.valued_balance, 327.81, places=2)

    def test_terminal_bills_query_tells_the_valued_balance(self):
        point = self.env["utility.collection.point"].create(
            {
                "name": "Chengguan ATM",
                "code": "ATM-CC",
                "kind": "terminal",
                "journal_id": self.bank_journal.id,
            }
        )
        terminal = self.env["utility.payment.terminal"].create(
            {"name": "ATM CC", "collection_point_id": point.id}
        )
        key = terminal.action_generate_key()["params"]["message"]
        self._topup(500.0)
        self._daily(1600, "2025-03-15")
        self.contract._utility_value_balances(at=AT)
        response = self.url_open(
            f"{API}/customers/{self.customer.utility_customer_number}/bills",
            headers={"Authorization": f"Bearer {key}"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()
        self.assertEqual(
            data["cost_control"],
            {
                "estimated_balance": 277.81,
                "days_left": 18,
                "valued_at": "2025-03-16T00:00:00Z",
                "supply_state": "unknown",
            },
        )
        try:
            from openapi_schema_validator import OAS30Validator
        except ImportError:  # pragma: no cover - validator missing on this machine
            return
        operation = OPENAPI_DOCUMENT["paths"]["/customers/{customer_number}/bills"]["get"]
        schema = dict(operation["responses"]["200"]["content"]["application/json"]["schema"])
        schema["components"] = OPENAPI_DOCUMENT["components"]
        OAS30Validator(schema).validate(data)

    def test_counter_shows_the_valued_balance_of_a_cost_controlled_customer(self):
        self._topup(500.0)
        self._daily(1600, "2025-03-15")
        self.contract._utility_value_balances(at=AT)
        # as the counter form finds the customer: from the meter serial typed
        counter = self.env["utility.counter.payment"].new({"search_term": self.meter.serial})
        self.assertEqual(counter.partner_id._origin, self.customer)
        self.assertTrue(counter.utility_cost_control)
        self.assertAlmostEqual(counter.utility_valued_balance, 277.81, places=2)
        self.assertEqual(counter.utility_valued_days_left, 18)

    def test_portal_shows_the_estimated_balance_and_days_left(self):
        self._topup(500.0)
        self._daily(1600, "2025-03-15")
        self.contract._utility_value_balances(at=AT)
        self._portal_user("cc_portal", self.customer)
        self.authenticate("cc_portal", "cc_portal")
        page = self.url_open(f"/my/utility/contracts/{self.contract.id}").text
        self.assertIn("o_utility_valued_balance", page)
        self.assertIn("277.81", page)
        self.assertIn("300.00", page, "the kWh used since the bill")
        self.assertIn("222.19", page, "their value")
        listing = self.url_open("/my/utility/contracts").text
        self.assertIn("277.81", listing)
        self.assertNotIn("500.00", listing, "the estimated balance, not the credit")

    def test_officer_values_now_and_nobody_writes_the_valued_figures(self):
        self._topup(500.0)
        self._daily(1600, "2025-03-15")
        self.contract.with_user(self.officer).action_utility_value_now()
        self.assertAlmostEqual(self.contract.valued_balance, 277.81, places=2)
        with self.assertRaises(AccessError):
            self.contract.with_user(self.cashier).action_utility_value_now()
        # but a payment the cashier books values the contract again
        balances = self.contract.with_user(self.cashier)._utility_value_balances(at=AT)
        self.assertAlmostEqual(balances[self.contract.id], 277.81, places=2)
        for login in ("cc_officer", "cc_cashier"):
            self.authenticate(login, login)
            with mute_logger("odoo.http"):
                answer = self.url_open(
                    "/web/dataset/call_kw",
                    data=json.dumps(
                        {
                            "jsonrpc": "2.0",
                            "method": "call",
                            "params": {
                                "model": "utility.contract",
                                "method": "write",
                                "args": [[self.contract.id], {"valued_balance": 9999.0}],
                                "kwargs": {},
                            },
                        }
                    ),
                    headers={"Content-Type": "application/json"},
                ).json()
            self.assertIn("error", answer, login)
        self.contract.invalidate_recordset()
        self.assertAlmostEqual(self.contract.valued_balance, 277.81, places=2)
