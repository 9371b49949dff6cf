from odoo import fields
from odoo.tests import tagged

from .common import UtilityPaymentCase, stored_values


@tagged("post_install", "-at_install")
class TestPaymentEntryCopy(UtilityPaymentCase):
    """A batch of payments copies the journal entry Odoo makes for the first
    payment of a shape into the entries of the others
    (``account_payment_entry_copy``). The copies must hold every stored value
    Odoo's own create and post store: the same payments are booked with and
    without copies, for customers that differ in everything an entry takes
    from its customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        abroad = cls.env["account.fiscal.position"].create(
            {
                "name": "Customers abroad (copies)",
                "auto_apply": True,
                "country_id": cls.env.ref("base.de").id,
                "company_id": cls.env.company.id,
            }
        )
        bank_journal = cls.company_data["default_journal_bank"]
        zhao = Partner.create({"name": "Zhao Copy", "utility_customer_number": "CP01"})
        # abroad: a fiscal position on her entries
        sun = Partner.create(
            {
                "name": "Sun Copy",
                "utility_customer_number": "CP02",
                "country_id": cls.env.ref("base.de").id,
            }
        )
        # a bank account, a preferred payment method, a salesperson, terms
        wu = Partner.create(
            {
                "name": "Wu Copy",
                "utility_customer_number": "CP03",
                "user_id": cls.env.user.id,
                "property_payment_term_id": cls.env.ref("account.account_payment_term_30days").id,
                "property_outbound_payment_method_line_id": (
                    bank_journal.outbound_payment_method_line_ids[:1].id
                ),
                "bank_ids": [(0, 0, {"acc_number": "CN-COPY-0003"})],
            }
        )
        # a farm with a contact: Odoo finds its fiscal position itself
        farm = Partner.create(
            {"name": "Li Family Farm", "is_company": True, "utility_customer_number": "CP04"}
        )
        Partner.create({"name": "Li Ming", "parent_id": farm.id})
        cls.customers = zhao | sun | wu | farm
        cls.abroad = abroad

    def _requests(self, tag, dates=None):
        amounts = (10.0, 20.5, 30.25, 40.0, 50.0, 60.75, 70.0, 80.1)
        return [
            {
                "partner": self.customers[index % len(self.customers)],
                "amount": amount,
                "collection_point": self.hall,
                "external_txn_id": f"{tag}-{index:02d}",
                "date": dates and dates[index % len(dates)],
            }
            for index, amount in enumerate(amounts)
        ]

    def _plan(self, requests):
        """Draft payments of ``requests``, the values of their entries and
        the copy plan of a booking job."""
        Payment = self.env["account.payment"].with_context(utility_no_analytic=True)
        payments = Payment.create(
            [
                Payment._utility_batch_vals(request, Payment._utility_batch_key(request))
                for request in requests
            ]
        )
        move_vals_list = [payment._generate_move_vals() for payment in payments]
        completed = payments._utility_precompute_entries(move_vals_list)
        plan = payments._utility_entry_copy_plan(move_vals_list, completed)
        return payments, move_vals_list, completed, plan

    SKIP = frozenset(
        (
            "id",
            "create_date",
            "create_uid",
            "write_date",
            "write_uid",
            "name",
            "sequence_number",
            "move_id",
            "origin_payment_id",
            "payment_id",
        )
    )

    def _stored(self, record, payment):
        """Every stored value of ``record``, the payment's own name and memo
        and its entry's number replaced by placeholders in texts."""
        values = stored_values(record, self.SKIP)
        for name, value in values.items():
            if isinstance(value, str):
                for text, placeholder in (
                    (payment.name, "<payment>"),
                    (payment.memo, "<memo>"),
                    (payment.move_id.name, "<entry>"),
                ):
                    value = value.replace(text, placeholder)
                values[name] = value
        return values

    def _entries(self, payments):
        return [
            (
                self._stored(payment.move_id, payment),
                [self._stored(line, payment) for line in payment.move_id.line_ids.sorted("id")],
            )
            for payment in payments
        ]

    def test_copied_entries_hold_what_odoo_stores(self):
        Payment = self.env["account.payment"]
        self.assertTrue(
            Payment.with_context(utility_no_analytic=True)._utility_entry_copy_allowed(),
            "every column of entries and items is known: entries are copied",
        )
        self.assertEqual(set(self.customers.mapped("customer_rank")), {0})
        copied = Payment.concat(*Payment._utility_pay_batch(self._requests("CP")))
        # posting an entry ranks its customer, a copy too (Sun and Wu pay
        # through copies only)
        self.assertTrue(all(self.customers.mapped("customer_rank")))
        by_odoo = Payment.concat(
            *Payment.with_context(utility_entry_copy=False)._utility_pay_batch(self._requests("OD"))
        )
        self.assertEqual(len(copied), 8)
        self.assertEqual(self._entries(copied), self._entries(by_odoo))
        # what the comparison cannot see: values taken from each customer
        for payment in copied:
            entry = payment.move_id
            self.assertEqual(entry.origin_payment_id, payment)
            self.assertEqual(entry.line_ids.payment_id, payment)
            self.assertEqual(entry.commercial_partner_id, payment.partner_id)
            self.assertEqual(entry.invoice_partner_display_name, payment.partner_id.display_name)
            self.assertEqual(set(entry.line_ids.mapped("move_name")), {entry.name})
        sun, wu = self.customers[1], self.customers[2]
        self.assertEqual(
            copied.filtered(lambda p: p.partner_id == sun).move_id.fiscal_position_id, self.abroad
        )
        self.assertTrue(
            copied.filtered(lambda p: p.partner_id == wu).move_id.preferred_payment_method_line_id
        )
        # numbers follow one another without a gap; the copies of a template
        # are numbered after the entries Odoo made, in Odoo's order (memo)
        for payments in (copied, by_odoo):
            numbers = sorted(payments.move_id.mapped("sequence_number"))
            self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 8)))
            self.assertEqual(len(set(payments.move_id.mapped("sequence_prefix"))), 1)
        farm = self.customers[3]
        copies = copied[1:].filtered(lambda payment: payment.partner_id != farm).move_id
        self.assertEqual(len(copies), 5)
        self.assertEqual(copies.sorted("ref"), copies.sorted("sequence_number"))
        self.assertGreater(min(copies.mapped("sequence_number")), copied[0].move_id.sequence_number)
        # the copies are ordinary entries: balanced, posted, reconcilable
        self.assertEqual(set(copied.move_id.mapped("state")), {"posted"})
        for entry in copied.move_id:
            self.assertAlmostEqual(sum(entry.line_ids.mapped("balance")), 0.0)
        self.assertEqual(set(copied.mapped("state")), set(by_odoo.mapped("state")))

    def test_entries_of_one_shape_are_copies_of_the_first_odoo_numbers(self):
        """The plan: one template per company, journal, currency, date and
        accounts, the payment Odoo would number first; customers whose
        fiscal position Odoo looks up itself (a company with contacts) are
        left to Odoo."""
        requests = self._requests("PL")
        payments, move_vals_list, completed, plan = self._plan(requests)
        farm = self.customers[3]
        expected = {
            index: 0
            for index, request in enumerate(requests)
            if index and request["partner"] != farm
        }
        self.assertEqual(plan, expected)
        self.assertEqual(
            payments.with_context(utility_entry_copy=False)._utility_entry_copy_plan(
                move_vals_list, completed
            ),
            {},
        )

    def test_entries_of_a_hashed_journal_are_not_copied(self):
        """Entries secured by a hash are all made by Odoo (their hash chains
        them to one another)."""
        self.hall.journal_id.restrict_mode_hash_table = True
        Payment = self.env["account.payment"]
        payments = Payment.concat(*Payment._utility_pay_batch(self._requests("HJ")))
        hashes = payments.move_id.mapped("inalterable_hash")
        self.assertTrue(all(hashes))
        self.assertEqual(len(set(hashes)), 8, "each entry hashed on its own")

    def test_entries_of_a_file_of_several_days_are_copied_day_by_day(self):
        """An agency file covers several days: one template a day, every copy
        dated as its payment, and the journal numbered without a gap."""
        Payment = self.env["account.payment"]
        today = fields.Date.context_today(self.env.user)
        dates = [fields.Date.subtract(today, days=2), fields.Date.subtract(today, days=1)]
        copied = Payment.concat(*Payment._utility_pay_batch(self._requests("D2", dates)))
        by_odoo = Payment.concat(
            *Payment.with_context(utility_entry_copy=False)._utility_pay_batch(
                self._requests("O2", dates)
            )
        )
        self.assertEqual(self._entries(copied), self._entries(by_odoo))
        for index, payment in enumerate(copied):
            self.assertEqual(payment.move_id.date, dates[index % 2])
            self.assertEqual(set(payment.move_id.line_ids.mapped("date")), {dates[index % 2]})
        numbers = sorted(copied.move_id.mapped("sequence_number"))
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 8)))

    def test_a_first_entry_whose_number_is_not_cached_is_not_copied(self):
        """Copies take their numbers from the sequence cache the first
        entry's number filled; without it (another transaction's lock, a
        number given by hand) the entries are left to Odoo, which numbers
        them the way it always does."""
        payments, move_vals_list, completed, plan = self._plan(self._requests("NC")[:3])
        self.assertEqual(plan, {1: 0, 2: 0})
        template = payments[:1]._utility_create_entries(move_vals_list[:1], completed)
        template._get_sequence_cache().clear()
        left = payments._utility_copy_entries({payments[0].id: template}, move_vals_list, plan)
        self.assertEqual(sorted(left), [1, 2])
        self.assertFalse(
            self.env["account.move"].search([("origin_payment_id", "in", payments[1:].ids)]),
            "nothing copied",
        )
        moves = payments._utility_create_entries(
            [move_vals_list[index] for index in left], completed
        )
        numbers = sorted((template | moves).mapped("sequence_number"))
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 3)))
