from urllib.parse import quote

from odoo.tests import HttpCase, tagged

from .common import UtilityArrearsCase

FEED = "/utility/api/v1/arrears"


@tagged("post_install", "-at_install")
class TestTvFeed(UtilityArrearsCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = cls.env["utility.tv.operator"].create(
            {"name": "Cable TV", "company_id": cls.company.id}
        )
        cls.key = cls.operator._set_new_key()
        cls.customer.utility_tv_account = "TV-1"
        cls.opted_out = cls._make_customer(
            "Opted Out", "0100000002", utility_tv_account="TV-2", utility_tv_opt_out=True
        )
        cls.no_tv = cls._make_customer("No TV", "0100000003")
        cls.old_change = cls._make_customer("Old Change", "0100000004", utility_tv_account="TV-4")
        other_company = cls.setup_other_company()["company"]
        cls.foreign = cls.env["res.partner"].create(
            {
                "name": "Other County",
                "utility_customer_number": "9900000001",
                "utility_category": "residential",
                "utility_tv_account": "TV-9",
                "company_id": other_company.id,
            }
        )
        cls.bill = cls._make_bill(cls.customer, 120.0, "2025-03-01")
        for partner in (cls.opted_out, cls.no_tv, cls.old_change):
            cls._make_bill(partner, 60.0, "2025-03-01")
        cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.foreign.id,
                "company_id": other_company.id,
                "invoice_date": "2025-03-01",
                "invoice_line_ids": [(0, 0, {"name": "Electricity", "price_unit": 90.0})],
            }
        ).action_post()
        cls.env["res.partner"]._utility_refresh_arrears()
        # what the commit does first: the changes are stamped again (with the
        # time of the commit), before the old change is dated back below
        cls.env.cr.flush()
        cls.env.cr.execute(
            "UPDATE res_partner SET utility_arrears_changed_at = '2020-01-01' WHERE id = %s",
            [cls.old_change.id],
        )
        cls.old_change.invalidate_recordset()

    def _get(self, since, key=None):
        return self.url_open(
            f"{FEED}?since={quote(since)}",
            headers={"Authorization": f"Bearer {key or self.key}"},
        )

    def test_feed_lists_only_changed_customers_with_a_tv_account_who_did_not_opt_out(self):
        response = self._get("2024-01-01T00:00:00Z")
        self.assertEqual(response.status_code, 200)
        rows = response.json()
        self.assertEqual([row["customer_number"] for row in rows], ["0100000001"])
        row = rows[0]
        self.assertEqual(row["tv_account"], "TV-1")
        self.assertEqual(row["amount_overdue"], 120.0)
        self.assertEqual(row["oldest_due_date"], "2025-03-01")
        self.assertIn("0100000001", row["notice_text"])
        self.assertIn(" 120.00 yuan ", row["notice_text"])
        self.operator.invalidate_recordset()
        self.assertTrue(self.operator.last_used_at)

    def test_feed_since_filters_out_older_changes(self):
        rows = self._get("2019-12-31T00:00:00+08:00").json()
        self.assertEqual(
            sorted(row["customer_number"] for row in rows), ["0100000001", "0100000004"]
        )

    def test_payment_puts_the_customer_back_in_the_feed_with_no_arrears(self):
        self.env.cr.execute(
            "UPDATE res_partner SET utility_arrears_changed_at = '2021-01-01' WHERE id = %s",
            [self.customer.id],
        )
        self.customer.invalidate_recordset()
        self.assertEqual(self._get("2022-01-01T00:00:00").json(), [])
        self._pay(self.bill)
        rows = self._get("2022-01-01T00:00:00").json()
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["amount_overdue"], 0.0)
        self.assertEqual(rows[0]["notice_text"], "")

    def test_a_change_committed_after_a_poll_is_sent_by_the_next_poll(self):
        """A poll made while the transaction of a change still runs cannot
        see it: the change must carry a time after that poll, not the time
        it was made, or a poll since the previous one never sends it."""
        self._pay(self.bill)
        # the payment's transaction goes on (an agency file's batch, a
        # dunning run) and commits (the test's requests see the change at
        # once: each one commits first)
        polled_at = self._commit_after_a_poll(self.customer)
        since = polled_at.isoformat() + ".500000Z"
        self.assertGreaterEqual(self.customer.utility_arrears_changed_at, polled_at)
        rows = self._get(since).json()
        self.assertEqual([row["customer_number"] for row in rows], ["0100000001"])
        self.assertEqual(rows[0]["amount_overdue"], 0.0)

    def test_unknown_or_revoked_key_is_refused(self):
        response = self._get("2024-01-01T00:00:00Z", key="not-a-key")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "unauthorized")
        self.operator.action_revoke()
        self.assertEqual(self._get("2024-01-01T00:00:00Z").status_code, 401)

    def test_plain_clients_are_understood(self):
        """A lower-case scheme, and an offset whose "+" was not encoded (it
        arrives as a space)."""
        response = self.url_open(
            f"{FEED}?since=2019-12-31T00:00:00+08:00",
            headers={"Authorization": f"bearer {self.key}"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            sorted(row["customer_number"] for row in response.json()),
            ["0100000001", "0100000004"],
        )
        # 2020-01-01 00:00 UTC is 08:00 in UTC+8: a change of that very
        # second is sent (since is inclusive), one a second earlier is not
        for since, expected in (
            ("2020-01-01T08:00:00+08:00", ["0100000001", "0100000004"]),
            ("2020-01-01T08:00:01+08:00", ["0100000001"]),
        ):
            rows = self.url_open(
                f"{FEED}?since={quote(since)}",
                headers={"Authorization": f"Bearer {self.key}"},
            ).json()
            self.assertEqual(sorted(row["customer_number"] for row in rows), expected)

    def test_bad_since_is_refused(self):
        response = self._get("yesterday")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "invalid_since")

    def test_key_is_stored_only_as_its_hash(self):
        stored = self.operator.sudo().key_hash
        self.assertEqual(len(stored), 64)
        self.assertNotIn(self.key, stored)
        self.assertEqual(self.operator._authenticate(self.key), self.operator)
