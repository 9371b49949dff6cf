from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from odoo.addons.utility_billing.models.res_currency import AmountError


@tagged("post_install", "-at_install")
class TestAmountGrammar(TransactionCase):
    """The one amount grammar of every channel, value by value."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.env.ref("base.CNY")

    def test_plain_ascii_amounts_are_read(self):
        parse = self.currency._utility_parse_amount
        self.assertEqual(parse("5"), Decimal("5"))
        self.assertEqual(parse("5.00"), Decimal("5.00"))
        self.assertEqual(parse("20.100"), Decimal("20.100"))
        self.assertEqual(parse(12), Decimal("12"))
        self.assertEqual(parse(Decimal("1.50")), Decimal("1.50"))
        self.assertEqual(parse(12.5), Decimal("12.5"))
        self.assertEqual(parse("1,375.33", thousands=","), Decimal("1375.33"))
        self.assertEqual(parse("1 375.33", thousands=" "), Decimal("1375.33"))
        self.assertEqual(parse("0", allow_zero=True), Decimal("0"))
        # a Monetary sum's binary noise, rounded by the currency first
        self.assertEqual(parse(0.1 + 0.2, round_floats=True), Decimal("0.3"))

    def test_anything_else_is_a_clear_error(self):
        parse = self.currency._utility_parse_amount
        cases = [
            ("١٢٣", "not a number"),
            ("１２", "not a number"),
            ("5e1", "not a number"),
            ("+5", "not a number"),
            (" 5.00 ", "not a number"),
            ("5.00\n", "not a number"),
            ("NaN", "not a number"),
            ("Infinity", "not a number"),
            ("1e308", "not a number"),
            ("0x10", "not a number"),
            (".5", "not a number"),
            ("5.", "not a number"),
            ("12,5", "not a number"),
            ("1,375.33", "not a number"),  # no separator for this caller
            ("-5", "must be positive"),
            ("0", "must be positive"),
            ("5.001", "more than 2 decimals"),
            ("1000000000", "too large"),
            (float("nan"), "not a number"),
            (float("inf"), "not a number"),
            (1e308, "too large"),
            (0.1 + 0.2, "more than 2 decimals"),
            (True, "not a number"),
            (None, "not a number"),
            ([5], "not a number"),
        ]
        for value, message in cases:
            with self.subTest(value=repr(value)[:20]):
                with self.assertRaisesRegex(AmountError, message):
                    parse(value)
