import math
import re
from decimal import Decimal, InvalidOperation

import cn2an

from odoo import models
from odoo.exceptions import UserError

# the largest amount any channel takes (a billion): beyond it a number is a
# typing or injection error, never money
AMOUNT_MAX = Decimal("1000000000")
# ASCII digits only (Python's \d also matches Arabic-Indic and other digits)
_DIGITS = "[0-9]"


class AmountError(UserError):
    """An amount that does not follow the amount grammar (see
    ``res.currency._utility_parse_amount``)."""


class ResCurrency(models.Model):
    """Amounts in words as printed on bills and receipts, and the one amount
    grammar of every channel."""

    _inherit = "res.currency"

    def _utility_amount_to_words(self, amount):
        """``amount`` in words: Chinese capitals for CNY (e.g. 壹佰捌拾肆元整,
        壹佰元零伍分), the currency's own wording otherwise. The sign is
        dropped: documents print what is owed or paid."""
        self.ensure_one()
        amount = self.round(abs(amount))
        if self.name == "CNY":
            return cn2an.an2cn(f"{amount:.2f}", "rmb")
        return self.amount_to_text(amount)

    def _utility_parse_amount(
        self,
        value,
        *,
        thousands="",
        decimals=None,
        allow_zero=False,
        maximum=AMOUNT_MAX,
        round_floats=False,
    ):
        """The amount ``value`` as a ``Decimal``, by the one amount grammar of
        every channel (terminal API, agency files, reading imports, portal
        forms, counter): ASCII digits, an optional decimal point followed by
        digits, at most ``decimals`` decimals (the currency's by default),
        positive (or zero with ``allow_zero``) and below ``maximum``.
        ``thousands`` is a separator allowed between groups of three digits
        (an agency's files: ``1,375.33``). Signs, exponents, spaces, other
        digits (١٢٣), NaN and infinities are refused with a translated
        ``AmountError`` that quotes the value: nothing is guessed.

        Numbers that are already numbers (an int, a finite float of a
        spreadsheet cell or a form field, a ``Decimal`` of a JSON body) are
        checked for the same bounds and decimals; ``round_floats`` rounds a
        float to the currency first (a Monetary field's value, whose sums
        carry binary noise such as 323.93000000000006)."""
        self.ensure_one()
        decimals = self.decimal_places if decimals is None else decimals
        shown = str(value)[:40]
        if isinstance(value, bool) or value is None:
            raise AmountError(self.env._("The amount %s is not a number.", shown))
        if isinstance(value, float):
            if not math.isfinite(value):
                raise AmountError(self.env._("The amount %s is not a number.", shown))
            if round_floats and abs(value) < maximum:
                value = self.round(value)
            text = format(Decimal(repr(value)), "f")
        elif isinstance(value, int | Decimal):
            text = str(value)
        elif isinstance(value, str):
            text = value
        else:
            raise AmountError(self.env._("The amount %s is not a number.", shown))
        # as the user wrote it (a number as digits), cut when absurdly long
        shown = text if len(text) <= 40 else f"{text[:40]}…"
        integer = rf"{_DIGITS}+"
        if thousands:
            integer = rf"(?:{_DIGITS}+|{_DIGITS}{{1,3}}(?:{re.escape(thousands)}{_DIGITS}{{3}})+)"
        grammar = rf"{integer}(?:\.{_DIGITS}+)?"
        if text[:1] == "-" and re.fullmatch(grammar, text[1:]):
            raise AmountError(self.env._("The amount %s must be positive.", shown))
        if not re.fullmatch(grammar, text):
            raise AmountError(
                self.env._(
                    "The amount %s is not a number: write it with the digits 0-9 and a "
                    "decimal point only (no sign, exponent, space or other characters).",
                    shown,
                )
            )
        try:
            amount = Decimal(text.replace(thousands, "") if thousands else text)
        except InvalidOperation as err:  # not reached: the pattern is stricter
            raise AmountError(self.env._("The amount %s is not a number.", shown)) from err
        if amount >= maximum:
            raise AmountError(
                self.env._(
                    "The amount %(amount)s is too large: it must be below %(maximum)s.",
                    amount=shown,
                    maximum=f"{maximum:,}",
                )
            )
        if not allow_zero and not amount:
            raise AmountError(self.env._("The amount %s must be positive.", shown))
        if amount != amount.quantize(Decimal(1).scaleb(-decimals)):
            raise AmountError(
                self.env._(
                    "The amount %(amount)s has more than %(decimals)s decimals.",
                    amount=shown,
                    decimals=decimals,
                )
            )
        return amount
