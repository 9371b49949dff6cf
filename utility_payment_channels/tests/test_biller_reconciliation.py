import base64
import json

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .agency_common import UtilityAgencyCase

HEADER = "交易流水号|户号|金额|交易时间"
TRADE_DATE = fields.Date.to_date("2025-01-10")


@tagged("post_install", "-at_install")
class TestBillerReconciliation(UtilityAgencyCase):
    """A third-party biller's next-day file compared with what its API booked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app, cls.biller, cls.accountant = cls._create_biller(
            "ALIPAY",
            file_delimiter="bar",
            file_column_mapping=json.dumps(
                {
                    "txn_id": "交易流水号",
                    "customer_number": "户号",
                    "amount": "金额",
                    "paid_at": "交易时间",
                },
                ensure_ascii=False,
            ),
            file_summary_layout=json.dumps({"count": 2, "total": 3, "trade_date": 4}),
        )

    def _api(self, txn_id, amount, partner=None, trade_date=TRADE_DATE):
        """What the biller booked through the terminal API."""
        return self.env["account.payment"]._utility_pay(
            partner or self.customer,
            amount,
            self.app,
            date="2025-01-10",
            external_txn_id=txn_id,
            txn_scope=self.biller._utility_txn_scope(),
            trade_date=trade_date,
            journal=self.biller.journal_id,
        )

    def _csv(self, rows, summary=None):
        lines = [HEADER, *rows]
        if summary is None:
            total = sum(float(row.split("|")[2]) for row in rows)
            summary = f"合计|{len(rows)}|{total:.2f}|20250110"
        return base64.b64encode(("\n".join([*lines, summary]) + "\n").encode("utf-8"))

    def _new(self, file, filename="alipay_recon.csv", biller=None, **vals):
        return self.env["utility.agency.import"].create(
            {
                "agency_id": (biller or self.biller).id,
                "file": file,
                "filename": filename,
                **vals,
            }
        )

    def test_mixed_day_every_line_is_in_one_total(self):
        """Matched, on the file only (confirmed and booked, kept with a
        note, kept), amount and customer differences, a payment booked here
        only, a reversed and a cancelled API payment: the file total is
        matched + booked from file + kept, computed here by hand."""
        matched = self._api("A-1", 50.0)
        self._api("A-2", 30.0, self.customer_2)
        self._api("A-3", 20.0)
        here_only = self._api("A-4", 10.0, self.customer_2)
        self._api("A-5", 15.0).action_utility_reverse(reason="biller reported it failed")
        self._api("A-6", 5.0, self.customer_2).action_utility_cancel(reason="typed twice")
        self._api("A-7", 7.0, trade_date=fields.Date.to_date("2025-01-11"))
        recon = self._new(
            self._csv(
                [
                    "A-1|0100000002|50.00|2025-01-10 08:00:00",
                    "A-2|0100000003|35.00|2025-01-10 08:05:00",
                    "A-3|0100000003|20.00|2025-01-10 08:10:00",
                    "A-5|0100000002|15.00|2025-01-10 08:15:00",
                    "F-1|0100000002|25.00|2025-01-10 08:20:00",
                    "F-2|0100000003|12.00|2025-01-10 08:25:00",
                ]
            )
        )
        payments = self.env["account.payment"].search_count([])
        recon.action_import()
        # nothing is booked by the import of a biller's file
        self.assertEqual(self.env["account.payment"].search_count([]), payments)
        self.assertEqual(recon.state, "done")
        self.assertEqual(recon.trade_date, TRADE_DATE)
        self.assertEqual((recon.summary_count, recon.summary_total), (6, 157.0))
        lines = {line.txn_id: line for line in recon.line_ids}
        self.assertEqual(
            {txn: (line.state, line.reason or "") for txn, line in lines.items()},
            {
                "A-1": ("duplicate", ""),
                "A-2": ("kept", "api_amount"),
                "A-3": ("kept", "api_customer"),
                "A-5": ("kept", "api_missing"),
                "F-1": ("kept", "api_missing"),
                "F-2": ("kept", "api_missing"),
            },
        )
        self.assertEqual(lines["A-1"].payment_id, matched)
        self.assertIn("reversed", lines["A-5"].note)
        self.assertEqual(
            {
                (d.kind, d.txn_id, d.amount_file, d.amount_api, d.customer_file, d.customer_api)
                for d in recon.difference_ids
            },
            {
                ("amount", "A-2", 35.0, 30.0, False, False),
                ("customer", "A-3", 20.0, 20.0, "0100000003", "0100000002"),
                ("file_only", "A-5", 15.0, 0.0, False, False),
                ("file_only", "F-1", 25.0, 0.0, False, False),
                ("file_only", "F-2", 12.0, 0.0, False, False),
                ("api_only", "A-4", 0.0, 10.0, False, "0100000003"),
            },
        )
        # the API figures: A-1 to A-4 (not the reversed, cancelled or next day's)
        self.assertEqual((recon.api_count, recon.api_total), (4, 110.0))

        # the accountant confirms F-1 and keeps F-2 with a note
        lines["F-1"].with_user(self.accountant).action_book()
        with self.assertRaisesRegex(UserError, "write the note"):
            lines["F-2"].with_user(self.accountant).action_keep_noted()
        lines["F-2"].with_user(self.accountant).review_note = "支付宝已退款给付款人"
        lines["F-2"].with_user(self.accountant).action_keep_noted()
        # an amount difference is not booked a second time
        with self.assertRaisesRegex(UserError, "already booked this transaction"):
            lines["A-2"].with_user(self.accountant).action_book()

        self.assertEqual(lines["F-1"].state, "resolved")
        self.assertEqual(lines["F-2"].state, "noted")
        booked = lines["F-1"].payment_id
        self.assertEqual(booked.utility_trade_date, TRADE_DATE)
        self.assertEqual(booked.journal_id, self.biller.journal_id)
        self.assertEqual(booked.amount, 25.0)
        # the biller's API retrying F-1 later is answered the payment booked
        self.assertEqual(self._api("F-1", 25.0), booked)

        # by hand: matched 50; booked from file 25 (F-1);
        # kept 35 + 20 + 15 + 12 = 82 (A-2, A-3, A-5, F-2); here only 10
        self.assertEqual((recon.recon_matched_count, recon.recon_matched_total), (1, 50.0))
        self.assertEqual((recon.recon_booked_count, recon.recon_booked_total), (1, 25.0))
        self.assertEqual((recon.recon_kept_count, recon.recon_kept_total), (4, 82.0))
        self.assertEqual((recon.recon_here_only_count, recon.recon_here_only_total), (1, 10.0))
        self.assertEqual(recon.file_total, 157.0)
        self.assertEqual(
            recon.file_total,
            recon.recon_matched_total + recon.recon_booked_total + recon.recon_kept_total,
        )
        self.assertTrue(recon.recon_balanced)

        # the payment booked here only: reversed by a Collection Manager after review
        difference = recon.difference_ids.filtered(lambda d: d.kind == "api_only")
        with self.assertRaises(AccessError):
            difference.with_user(self.accountant).action_reverse_payment()
        action = difference.action_reverse_payment()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"reason": "not in Alipay's file of 2025-01-10"})
        )
        wizard.action_confirm()
        self.assertEqual(difference.payment_id, here_only)
        self.assertTrue(here_only.utility_reversal_move_id)
        self.assertTrue(difference.payment_reversed)
        self.assertEqual((recon.recon_here_only_count, recon.recon_here_only_total), (0, 0.0))
        with self.assertRaisesRegex(UserError, "already cancelled"):
            difference.action_reverse_payment()

    def test_line_of_a_reversed_api_payment_is_booked_under_an_id_of_its_own(self):
        reversed_payment = self._api("R-1", 15.0)
        reversed_payment.action_utility_reverse(reason="reversal by the biller")
        recon = self._new(self._csv(["R-1|0100000002|15.00|2025-01-10 08:00:00"]))
        recon.action_import()
        line = recon.line_ids
        self.assertEqual((line.state, line.payment_id), ("kept", reversed_payment))
        line.action_book()
        self.assertEqual(line.state, "resolved")
        self.assertNotEqual(line.payment_id, reversed_payment)
        self.assertEqual(line.payment_id.utility_external_txn_id, f"R-1#{recon.name}-2")
        self.assertEqual(line.payment_id.memo, "R-1")

    def test_a_transaction_booked_already_is_never_booked_twice(self):
        """Booked by the API for another trade date, or confirmed from an
        earlier file of the day: matched, with a note, not on the file only."""
        other_day = self._api("O-1", 40.0, trade_date=fields.Date.to_date("2025-01-09"))
        first = self._new(self._csv(["O-2|0100000002|25.00|"]))
        first.action_import()
        first.line_ids.action_book()
        confirmed = first.line_ids.payment_id
        # the biller's corrected file of the day lists both again
        again = self._new(
            self._csv(["O-1|0100000002|40.00|", "O-2|0100000002|25.00|", "O-3|0100000003|1.00|"])
        )
        payments = self.env["account.payment"].search_count([])
        again.action_import()
        lines = {line.txn_id: line for line in again.line_ids}
        self.assertEqual((lines["O-1"].state, lines["O-1"].payment_id), ("duplicate", other_day))
        self.assertIn("2025-01-09", lines["O-1"].note)
        self.assertEqual((lines["O-2"].state, lines["O-2"].payment_id), ("duplicate", confirmed))
        self.assertEqual(lines["O-3"].reason, "api_missing")
        self.assertEqual(self.env["account.payment"].search_count([]), payments)
        self.assertEqual((again.recon_matched_total, again.recon_kept_total), (65.0, 1.0))

    def test_fixed_width_gbk_file_is_cut_in_bytes(self):
        """Fixed-width GBK: the payer's name (两个字节 a character) sits
        between the customer number and the amount; the count-and-total
        line comes first and gives the trade date."""
        self.biller.write(
            {
                "file_format": "fixed",
                "file_encoding": "gb18030",
                "file_summary_position": "first",
                "file_fixed_layout": json.dumps(
                    {"txn_id": [1, 12], "customer_number": [13, 22], "amount": [33, 44]}
                ),
                "file_summary_layout": json.dumps(
                    {"count": [1, 8], "total": [9, 22], "trade_date": [23, 30]}
                ),
            }
        )
        self._api("G-1", 60.0, self.customer_2)

        def fixed(txn, number, name, amount):
            return (
                txn.ljust(12).encode()
                + number.encode()
                + name.encode("gb18030").ljust(10)
                + amount.rjust(12).encode()
            )

        content = b"\r\n".join(
            [
                b"00000002" + b"000000000085.00"[1:] + b"20250110",
                fixed("G-1", "0100000003", "李雷", "60.00"),
                fixed("G-2", "0100000002", "王芳芳", "25.00"),
            ]
        )
        recon = self._new(base64.b64encode(content), filename="unionpay.txt")
        recon.action_import()
        self.assertEqual(recon.trade_date, TRADE_DATE)
        self.assertEqual(
            [(line.txn_id, line.customer_number, line.amount, line.state, line.reason or "")
             for line in recon.line_ids.sorted("line_no")],
            [
                ("G-1", "0100000003", 60.0, "duplicate", ""),
                ("G-2", "0100000002", 25.0, "kept", "api_missing"),
            ],
        )  # fmt: skip
        self.assertEqual(recon.line_ids.mapped("paid_date"), [TRADE_DATE, TRADE_DATE])

    def test_a_total_line_disagreeing_with_its_lines_refuses_the_file_whole(self):
        rows = ["T-1|0100000002|50.00|2025-01-10 08:00:00", "T-2|0100000003|20.00|"]
        for summary, figures in (
            ("合计|3|70.00|20250110", r"3 lines for \D*70\.00.*2 lines for \D*70\.00"),
            ("合计|2|75.00|20250110", r"2 lines for \D*75\.00.*2 lines for \D*70\.00"),
        ):
            recon = self._new(self._csv(rows, summary))
            with self.assertRaisesRegex(UserError, figures):
                recon.action_import()
            self.assertEqual(recon.state, "draft")
            self.assertFalse(recon.line_ids)
            self.assertFalse(recon.file_hash)
        # other bad files, refused with what to do
        for file, message in (
            (self._csv(["T-1|0100000002|5O.00|"], "合计|1|50.00|20250110"), "Line 2"),
            (self._csv(rows, "合计|two|70.00|20250110"), "not a whole number"),
            (self._csv(rows, "合计|2|70.00|2025-13-45"), "not a date"),
            (base64.b64encode("交易流水号|户号|金额\n".encode("gb18030")), "no transaction"),
            (base64.b64encode("流水|户号|金额\nX|1|2\n合计|1|2".encode()), "misses the columns"),
            (base64.b64encode(f"{HEADER}\nX|1|2|\n合计|1|2".encode("gb18030")), "not UTF-8"),
        ):
            recon = self._new(file)
            with self.assertRaisesRegex(UserError, message):
                recon.action_import()
            self.assertFalse(recon.line_ids)

    def test_same_file_twice_changes_nothing(self):
        self._api("S-1", 50.0)
        file = self._csv(["S-1|0100000002|50.00|", "S-2|0100000003|60.00|"])
        first = self._new(file)
        first.action_import()
        count = self.env["utility.agency.import.line"].search_count([])
        differences = self.env["utility.agency.import.difference"].search_count([])
        again = self._new(file)
        with self.assertRaisesRegex(UserError, "already imported"):
            again.action_import()
        self.assertEqual(again.state, "draft")
        self.assertEqual(self.env["utility.agency.import.line"].search_count([]), count)
        self.assertEqual(self.env["utility.agency.import.difference"].search_count([]), differences)

    def test_trade_date_from_the_file_name_or_as_given(self):
        self.biller.file_summary_layout = json.dumps({"count": 2, "total": 3})
        rows = ["N-1|0100000002|50.00|"]
        summary = "合计|1|50.00"
        by_name = self._new(self._csv(rows, summary), filename="alipay_20250110.csv")
        by_name.action_import()
        self.assertEqual(by_name.trade_date, TRADE_DATE)
        with self.assertRaisesRegex(UserError, "give the trade date"):
            self._new(self._csv(rows + ["N-2|0100000002|1.00|"], "合计|2|51.00")).action_import()
        given = self._new(
            self._csv(rows + ["N-3|0100000002|1.00|"], "合计|2|51.00"), trade_date="2025-01-09"
        )
        given.action_import()
        self.assertEqual(given.trade_date, fields.Date.to_date("2025-01-09"))
        # the accountant's while a draft; the file's once imported
        draft = self._new(self._csv(rows + ["N-5|0100000002|1.00|"], "合计|2|51.00"))
        draft.with_user(self.accountant).trade_date = "2025-01-08"
        for vals in ({"trade_date": "2025-01-08"}, {"summary_total": 1.0}, {"summary_count": 9}):
            with self.assertRaises(AccessError):
                given.with_user(self.accountant).write(vals)
        self.assertEqual(given.trade_date, fields.Date.to_date("2025-01-09"))
        self.assertEqual(given.summary_total, 51.0)
        contradicted = self._new(
            self._csv(rows + ["N-4|0100000002|1.00|"], "合计|2|51.00"),
            filename="alipay_20250110.csv",
            trade_date="2025-01-09",
        )
        with self.assertRaisesRegex(UserError, "not 2025-01-09 as given"):
            contradicted.action_import()

    def test_gbk_csv_with_its_total_line_first(self):
        self.biller.write({"file_encoding": "gb18030", "file_summary_position": "first"})
        self._api("C-1", 60.0, self.customer_2)
        text = "\n".join(
            [
                "总计|2|85.00|2025-01-10",
                HEADER,
                "C-1|0100000003|60.00|",
                "C-2|0100000002|25.00|",
                "",
            ]
        )
        recon = self._new(base64.b64encode(text.encode("gb18030")))
        recon.action_import()
        self.assertEqual(recon.trade_date, TRADE_DATE)
        self.assertEqual(
            recon.line_ids.sorted("line_no").mapped(lambda line: (line.line_no, line.state)),
            [(3, "duplicate"), (4, "kept")],
        )
        # the same text in UTF-8 is refused, saying which encoding is expected
        with self.assertRaisesRegex(UserError, "GB18030"):
            self._new(base64.b64encode(text.replace("85.00", "85.0").encode())).action_import()

    def test_layouts_are_checked_when_saved(self):
        with self.assertRaisesRegex(Exception, "must be a JSON object"):
            self.biller.file_summary_layout = '{"count": "first"}'
        with self.assertRaisesRegex(Exception, "misses the columns"):
            self.biller.write({"file_format": "fixed", "file_fixed_layout": '{"txn_id": [1, 8]}'})
