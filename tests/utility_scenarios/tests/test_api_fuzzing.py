"""Schemathesis against the published OpenAPI document of the terminal API.

The schema is read from the live test server (``/utility/api/v1/openapi.json``
on loopback) and every operation is called with generated requests under the
demo ATM's key: bounded to a few dozen examples per operation, no shrinking,
and a wall-clock budget for the whole run. A share of the generated requests
names real demo customers and already booked transaction ids, so that
payments are actually booked and looked up, not only refused.
"""

import logging
import time
from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, tagged

from odoo.addons.utility_payment_channels.models.utility_payment_terminal import (
    hash_terminal_key,
)

try:
    import schemathesis
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.generation import GenerationMode
except ImportError:  # pragma: no cover - listed in requirements-dev.txt
    schemathesis = None

_logger = logging.getLogger(__name__)

API = "/utility/api/v1"
DEMO_KEY = "demo-terminal-key-NOT-FOR-PRODUCTION"  # utility_agency_demo.xml, demo only
EXAMPLES_PER_OPERATION = 25
TIME_BUDGET = 60.0  # seconds for the whole run; examples past it are not sent
REQUEST_TIMEOUT = 20


@tagged("post_install", "-at_install")
class TestTerminalApiFuzzing(HttpCase):
    """Generated requests against every documented operation."""

    def setUp(self):
        super().setUp()
        if schemathesis is None:  # pragma: no cover
            self.skipTest("schemathesis is not installed")
        self.terminal = self.env.ref(
            "utility_payment_channels.terminal_atm_chengguan", raise_if_not_found=False
        )
        if not self.terminal:  # pragma: no cover - only without demo data
            self.skipTest("the demo ATM is not installed (no demo data)")
        # make sure the demo key is the one in force (another test may have
        # rotated or revoked it in this database)
        with self.terminal._utility_protected_write():
            self.terminal.sudo().key_hash = hash_terminal_key(DEMO_KEY)
        # refused keys (negative generation may drop the header) are not
        # slowed down here: the throttle is tested in test_api_secrets.py
        self.env["ir.config_parameter"].sudo().set_param("utility_api.auth_delay_seconds", "0")
        self.company = self.terminal.company_id
        # the TV-operator feed is in the same document, under its own key
        operator = self.env.ref("utility_arrears.demo_tv_operator", raise_if_not_found=False)
        self.tv_key = operator.sudo()._set_new_key() if operator else None
        # the head-end readings API and its acknowledgements, under the demo
        # head-end's key, pointed at its demo commands now and then
        headend = self.env.ref("utility_arrears.headend_county_hes", raise_if_not_found=False)
        self.headend_key = (
            headend.sudo().action_generate_key()["params"]["message"] if headend else None
        )
        self.command_references = (
            self.env["utility.meter.command"]
            .search([("headend_id", "=", headend.id)])
            .mapped("name")
            if headend
            else []
        ) or ["MC-NONE"]
        partners = self.env["res.partner"].search(
            [
                ("utility_customer_number", "!=", False),
                ("company_id", "in", (self.company.id, False)),
            ],
            order="utility_customer_number",
            limit=8,
        )
        self.customer_numbers = partners.mapped("utility_customer_number")
        self.assertTrue(self.customer_numbers, "the demo company has customers")

    def _load_schema(self):
        # read through the test opener: the test server only serves requests
        # carrying the test cursor's cookie
        response = self.url_open(API + "/openapi.json", timeout=REQUEST_TIMEOUT)
        self.assertEqual(response.status_code, 200)
        schema = schemathesis.openapi.from_dict(response.json())
        operations = [result.ok() for result in schema.get_all_operations()]
        self.assertEqual(
            sorted(op.label for op in operations),
            [
                "GET /arrears",
                "GET /customers/{customer_number}/bills",
                "GET /payments/{terminal_txn_id}",
                "POST /meter-commands/{reference}/ack",
                "POST /payments",
                "POST /payments/{terminal_txn_id}/reversal",
                "POST /readings",
            ],
        )
        return operations

    def _terminal_payments(self):
        return self.env["account.payment"].search(
            [("utility_txn_key", "=like", f"{self.terminal._utility_txn_scope()}:%")]
        )

    def test_generated_requests_get_documented_answers_and_never_book_twice(self):
        # payments first, so that the status lookups find booked transactions
        operations = sorted(self._load_schema(), key=lambda op: op.method.upper() != "POST")
        headers = {"Authorization": f"Bearer {DEMO_KEY}"}
        base_url = self.base_url() + API
        checks = [
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ]
        payments_before = self._terminal_payments()
        started = time.monotonic()
        statuses = Counter()
        booked_txn_ids = []  # txn ids of every 201 answer
        known_txn_ids = ["FUZZ-1", "FUZZ-2", "FUZZ-3"]

        def send(case):
            if time.monotonic() - started > TIME_BUDGET:
                return
            call_headers = headers
            if case.operation.path == "/arrears":
                call_headers = {"Authorization": f"Bearer {self.tv_key}"}
            elif case.operation.path == "/readings" or case.operation.path.startswith(
                "/meter-commands/"
            ):
                call_headers = {"Authorization": f"Bearer {self.headend_key}"}
            response = case.call(
                base_url=base_url,
                session=self.opener,
                headers=call_headers,
                timeout=REQUEST_TIMEOUT,
            )
            case.validate_response(response, checks=checks, headers=call_headers)
            code = response.json().get("code", "") if response.status_code >= 400 else ""
            statuses[(case.operation.label, response.status_code, code)] += 1
            if response.status_code == 201:
                booked_txn_ids.append(response.json()["terminal_txn_id"])

        def steer(case, customer_number, txn_pick, amount):
            """Point a generated case at real data (None keeps it as generated):
            a demo customer, a plausible amount without the generated bill
            numbers, a fixed or already booked transaction id."""
            if amount is not None and isinstance(case.body, dict):
                case.body["amount"] = amount
                case.body.pop("bill_numbers", None)
            txn_id = None
            if txn_pick is not None:
                candidates = known_txn_ids + booked_txn_ids
                txn_id = candidates[txn_pick % len(candidates)]
            if customer_number is not None:
                if "customer_number" in (case.path_parameters or {}):
                    case.path_parameters["customer_number"] = customer_number
                elif isinstance(case.body, dict):
                    case.body["customer_number"] = customer_number
            if txn_pick is not None and "reference" in (case.path_parameters or {}):
                refs = self.command_references
                case.path_parameters["reference"] = refs[txn_pick % len(refs)]
            if txn_id is not None:
                if "terminal_txn_id" in (case.path_parameters or {}):
                    case.path_parameters["terminal_txn_id"] = txn_id
                elif isinstance(case.body, dict):
                    case.body["terminal_txn_id"] = txn_id
            return case

        bounded = settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        for operation in operations:
            modes = [GenerationMode.POSITIVE]
            if operation.method.upper() == "POST":
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                with self.subTest(operation=operation.label, mode=mode.value):

                    @bounded
                    @given(
                        case=operation.as_strategy(generation_mode=mode),
                        customer_number=st.one_of(
                            st.none(), st.sampled_from(self.customer_numbers)
                        ),
                        txn_pick=st.one_of(st.none(), st.integers(min_value=0, max_value=99)),
                        amount=st.one_of(st.none(), st.sampled_from([0.5, 1, 2.25, 10.0])),
                    )
                    def run(case, customer_number, txn_pick, amount):
                        send(steer(case, customer_number, txn_pick, amount))

                    run()

        elapsed = time.monotonic() - started
        _logger.info(
            "schemathesis: %d requests in %.1f s, answers %s",
            sum(statuses.values()),
            elapsed,
            dict(sorted(statuses.items())),
        )
        self.assertLess(elapsed, TIME_BUDGET + 2 * REQUEST_TIMEOUT)
        self.assertFalse([key for key in statuses if key[1] >= 500], statuses)
        # the fuzzing did book payments, each transaction id once only
        self.env.invalidate_all()
        booked = self._terminal_payments() - payments_before
        self.assertTrue(booked, f"no payment was booked by the generated requests: {statuses}")
        self.assertEqual(len(booked_txn_ids), len(set(booked_txn_ids)), booked_txn_ids)
        txn_counts = Counter(booked.mapped("utility_external_txn_id"))
        self.assertFalse(
            [txn for txn, count in txn_counts.items() if count > 1],
            "a transaction id was booked twice",
        )
        self.assertEqual(sorted(txn_counts), sorted(booked_txn_ids))
