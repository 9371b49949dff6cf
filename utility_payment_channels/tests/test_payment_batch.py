from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import UtilityPaymentCase, stored_values


@tagged("post_install", "-at_install")
class TestPaymentBatch(UtilityPaymentCase):
    """``account.payment._utility_pay_batch`` books a list of payments with the
    same outcome as ``_utility_pay`` called for each in turn, on two copies
    of the same customers and bills: three customers, one with three bills
    not yet due, one with one bill, one with a bill 20 days overdue (a late
    fee when utility_arrears is installed)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Sun Hua lives abroad: Odoo finds a fiscal position for her entries
        cls.abroad = cls.env["account.fiscal.position"].create(
            {
                "name": "Customers abroad",
                "auto_apply": True,
                "country_id": cls.env.ref("base.fr").id,
                "company_id": cls.env.company.id,
            }
        )
        cls.one_by_one = cls._scenario("S")
        cls.batch = cls._scenario("B")
        cls.plain = cls._scenario("O")

    @classmethod
    def _scenario(cls, tag):
        today = fields.Date.context_today(cls.env.user)
        partners = cls.env["res.partner"].create(
            [
                {
                    "name": f"{name} {tag}",
                    "utility_customer_number": f"{tag}0{number}",
                    "utility_category": "residential",
                }
                for number, name in enumerate(("Zhao Lei", "Qian Min", "Sun Hua"))
            ]
        )
        zhao, qian, sun = partners
        sun.country_id = cls.env.ref("base.fr")
        bills = {}
        for label, partner, amount, days in (
            ("zhao-1", zhao, 100.0, 10),
            ("zhao-2", zhao, 120.0, 20),
            ("zhao-3", zhao, 80.0, 30),
            ("qian-1", qian, 60.0, 15),
            ("sun-overdue", sun, 300.0, -20),
            ("sun-2", sun, 50.0, 10),
        ):
            bills[label] = cls._utility_bill(partner, amount, fields.Date.add(today, days=days))
        return {"partners": {"zhao": zhao, "qian": qian, "sun": sun}, "bills": bills, "tag": tag}

    def _requests(self, scenario):
        zhao, qian, sun = (scenario["partners"][name] for name in ("zhao", "qian", "sun"))
        bills, tag = scenario["bills"], scenario["tag"]

        def request(partner, amount, txn=None, **kwargs):
            return dict(
                partner=partner,
                amount=amount,
                collection_point=self.hall,
                external_txn_id=txn and f"{tag}-{txn}",
                **kwargs,
            )

        return [
            request(zhao, 150.0, "T1"),  # 100 + 50 of the second bill
            request(qian, 60.0, "T2", bills=bills["qian-1"]),
            request(zhao, 200.0, "T3"),  # 70 + 80, 50 left as credit
            request(sun, 102.0, "T4"),  # overdue bill: late fee on the part paid
            request(zhao, 10.0),  # nothing open any more: prepaid credit
            request(zhao, 150.0, "T1"),  # same transaction again: not booked twice
            request(qian, 30.0, "T5", bills=bills["qian-1"]),  # paid by T2 already
            request(sun, 10.001, "T6"),  # refused: more decimals than the currency
            request(sun, 50.0, "T7", bills=bills["sun-2"]),
        ]

    def _pay_one_by_one(self, requests):
        """What the agency import did before: ``_utility_pay`` line by line."""
        results = []
        for request in requests:
            args = dict(request)
            try:
                with self.env.cr.savepoint():
                    results.append(
                        self.env["account.payment"]._utility_pay(
                            args.pop("partner"),
                            args.pop("amount"),
                            args.pop("collection_point"),
                            **args,
                        )
                    )
            except UserError as error:
                results.append(error)
        return results

    def _booking_outcome(self, scenario, results):
        """Everything the bookings changed, with the scenario's own names."""
        label_of = {bill: label for label, bill in scenario["bills"].items()}
        partner_of = {partner: name for name, partner in scenario["partners"].items()}
        payments = [result for result in results if not isinstance(result, UserError)]
        booked = self.env["account.payment"].concat(*payments)
        fee_moves = self.env["account.move"]
        if "utility_late_fee_bill_id" in fee_moves._fields:
            fee_moves = fee_moves.search(
                [("utility_late_fee_bill_id", "in", [bill.id for bill in label_of])]
            )
        for fee in fee_moves:
            label_of[fee] = f"fee of {label_of[fee.utility_late_fee_bill_id]}"

        def allocations(payment):
            line = payment.move_id.line_ids.filtered(
                lambda aml: aml.account_id.account_type == "asset_receivable"
            )
            return sorted(
                (label_of[partial.debit_move_id.move_id], partial.amount)
                for partial in line.matched_debit_ids
            )

        balances = booked._utility_receivable_balance()

        def message(error):
            text = str(error)
            for partner, name in partner_of.items():
                text = text.replace(partner.name, name)
            return text

        moves = booked.move_id | fee_moves
        return {
            "entries": [self._entry_values(payment, partner_of) for payment in booked],
            "results": [
                message(result)
                if isinstance(result, UserError)
                else (
                    payments.index(result),
                    partner_of[result.partner_id],
                    result.amount,
                    result.state,
                    allocations(result),
                    sorted(label_of[bill] for bill in result.utility_bill_ids),
                )
                for result in results
            ],
            "payments": len(set(payments)),
            "bills": {
                label: (bill.amount_total, bill.amount_residual, bill.payment_state)
                for bill, label in label_of.items()
            },
            "balances": {
                name: round(balances.get(partner.id, 0.0), 2)
                for name, partner in scenario["partners"].items()
            },
            "unbalanced_moves": moves.filtered(
                lambda move: not move.currency_id.is_zero(sum(move.line_ids.mapped("balance")))
            ),
            "all_posted": set(moves.mapped("state")),
        }

    # what differs between the two scenarios by construction: numbers, names
    # and labels (transaction ids carry the scenario's tag), links to records
    # of each scenario, and the audit columns
    ENTRY_SKIP = frozenset(
        (
            "id",
            "create_date",
            "create_uid",
            "write_date",
            "write_uid",
            "name",
            "ref",
            "memo",
            "payment_reference",
            "sequence_number",
            "move_id",
            "move_name",
            "matching_number",
            "full_reconcile_id",
            "payment_id",
            "origin_payment_id",
            "partner_id",
            "commercial_partner_id",
            "invoice_partner_display_name",
            "utility_external_txn_id",
            "utility_txn_key",
            "utility_bill_ids",
            "utility_balance_after",
            "message_main_attachment_id",
        )
    )

    def _stored_values(self, record, partner_of):
        values = stored_values(record, self.ENTRY_SKIP)
        values["partner"] = partner_of.get(record.partner_id.commercial_partner_id)
        return values

    def _entry_values(self, payment, partner_of):
        """Every stored value of a payment, its journal entry and its items
        that does not differ between the scenarios by construction."""
        return (
            self._stored_values(payment, partner_of),
            self._stored_values(payment.move_id, partner_of),
            [
                self._stored_values(line, partner_of)
                for line in payment.move_id.line_ids.sorted("balance")
            ],
        )

    def test_batch_books_exactly_what_the_payments_one_by_one_book(self):
        expected = self._booking_outcome(
            self.one_by_one, self._pay_one_by_one(self._requests(self.one_by_one))
        )
        results = self.env["account.payment"]._utility_pay_batch(
            self._requests(self.batch), raise_errors=False
        )
        outcome = self._booking_outcome(self.batch, results)
        self.assertEqual(outcome, expected)
        # and what that is: mixed customers, oldest bill first, over-payment as credit
        res = outcome["results"]
        self.assertEqual(res[0][4], [("zhao-1", 100.0), ("zhao-2", 50.0)])
        self.assertEqual(res[1][4], [("qian-1", 60.0)])
        self.assertEqual(res[2][4], [("zhao-2", 70.0), ("zhao-3", 80.0)])
        self.assertEqual(res[4][4], [], "nothing to settle: all of it is credit")
        self.assertEqual(res[5], res[0], "the repeated transaction is the first payment")
        self.assertIn("not open bills", res[6])
        self.assertIn("more decimals", res[7])
        self.assertEqual(outcome["payments"], 6)
        self.assertEqual(outcome["balances"]["zhao"], -60.0, "50 + 10 prepaid")
        self.assertEqual(outcome["balances"]["qian"], 0.0)
        self.assertEqual(outcome["bills"]["sun-2"][2], "paid")
        self.assertFalse(outcome["unbalanced_moves"])
        fiscal_positions = {entry[1]["fiscal_position_id"] for entry in outcome["entries"]}
        self.assertEqual(fiscal_positions, {False, self.abroad.id}, "Sun Hua's entries only")
        self.assertEqual(outcome["all_posted"], {"posted"})
        if "utility.arrears.policy" in self.env:
            # 102.00 pays 100.00 of the overdue bill and its 2.00 late fee
            self.assertEqual(outcome["bills"]["fee of sun-overdue"], (2.0, 0.0, "paid"))
            self.assertEqual(outcome["bills"]["sun-overdue"][1], 200.0)
        else:
            self.assertEqual(outcome["bills"]["sun-overdue"][1], 198.0)

    def _pay_the_odoo_way(self, requests):
        """Odoo's own booking of the requests, as an accountant would do it:
        a payment created and posted the standard way (its entry generated by
        ``action_post``, every computed value computed by the ORM), then
        reconciled with the bills one after the other (``reconcile``)."""
        Payment = self.env["account.payment"]
        results = []
        for request in requests:
            args = dict(request)
            partner, amount, point = (
                args.pop(k) for k in ("partner", "amount", "collection_point")
            )
            bills = args.pop("bills") or []
            txn = args.pop("external_txn_id")
            vals = Payment._utility_prepare_payment_vals(
                partner,
                amount,
                point,
                external_txn_id=txn,
                txn_key=Payment._utility_txn_key(point, txn),
                **args,
            )
            payment = Payment.create(vals)
            payment.action_post()
            account = payment.destination_account_id
            for bill in bills:
                lines = (payment.move_id | bill).line_ids.filtered(
                    lambda line, account=account: line.account_id == account and not line.reconciled
                )
                if len(lines) < 2 or lines.move_id != payment.move_id | bill:
                    break
                lines.reconcile()
            results.append(payment)
        return results

    def test_single_and_batch_entries_are_what_odoo_books(self):
        """The entries precomputed by ``_utility_pay`` and the batch (values
        given at create, recomputations skipped) hold exactly what Odoo's
        standard create, post and reconcile store: every stored value of the
        payment, its entry and its items."""
        plans = {}
        for name, scenario in (
            ("odoo", self.plain),
            ("single", self.one_by_one),
            ("batch", self.batch),
        ):
            zhao, qian, sun = (scenario["partners"][key] for key in ("zhao", "qian", "sun"))
            bills = scenario["bills"]
            plans[name] = [
                {"partner": zhao, "amount": 150.0, "bills": bills["zhao-1"] | bills["zhao-2"]},
                {"partner": qian, "amount": 60.0, "bills": bills["qian-1"]},
                {"partner": zhao, "amount": 200.0, "bills": bills["zhao-2"] | bills["zhao-3"]},
                {"partner": sun, "amount": 50.0, "bills": bills["sun-2"]},
                {"partner": qian, "amount": 25.0, "bills": None},  # nothing open: credit
            ]
            for index, request in enumerate(plans[name]):
                request.update(
                    collection_point=self.hall,
                    external_txn_id=f"{scenario['tag']}-E{index}",
                    memo=f"E{index}",
                )
        odoo = self._booking_outcome(self.plain, self._pay_the_odoo_way(plans["odoo"]))
        single = self._booking_outcome(self.one_by_one, self._pay_one_by_one(plans["single"]))
        batch = self._booking_outcome(
            self.batch, self.env["account.payment"]._utility_pay_batch(plans["batch"])
        )
        # results name the bills settled through the utility link, which
        # Odoo's own booking does not fill in: compared without it
        for outcome in (odoo, single, batch):
            outcome["results"] = [result[:5] for result in outcome["results"]]
        self.assertEqual(single["entries"], odoo["entries"])
        self.assertEqual(batch["entries"], odoo["entries"])
        self.assertEqual(single, odoo)
        self.assertEqual(batch, odoo)
        self.assertEqual(odoo["results"][0][4], [("zhao-1", 100.0), ("zhao-2", 50.0)])
        self.assertEqual(odoo["results"][4][4], [], "nothing left on qian-1: credit")
        self.assertEqual(odoo["balances"]["qian"], -25.0)

    def test_a_transaction_id_is_booked_once_within_and_across_batches(self):
        zhao = self.batch["partners"]["zhao"]
        Payment = self.env["account.payment"]

        def request(txn, amount):
            return {
                "partner": zhao,
                "amount": amount,
                "collection_point": self.hall,
                "external_txn_id": txn,
                "txn_scope": "agency:test",
            }

        first = Payment._utility_pay_batch([request("X-1", 40.0), request("X-1", 40.0)])
        self.assertEqual(first[0], first[1])
        again = Payment._utility_pay_batch([request("X-2", 30.0), request("X-1", 40.0)])
        self.assertEqual(again[1], first[0], "booked by the first batch")
        # the payment service itself recognises what a batch booked, and back
        self.assertEqual(
            Payment._utility_pay(
                zhao, 30.0, self.hall, external_txn_id="X-2", txn_scope="agency:test"
            ),
            again[0],
        )
        self.assertEqual(
            Payment.search_count([("utility_txn_key", "=like", "agency:test:%")]),
            2,
        )
        self.assertEqual(self.batch["bills"]["zhao-1"].amount_residual, 30.0)
        with self.assertRaisesRegex(UserError, "must be positive"):
            Payment._utility_pay_batch([request("X-3", 10.0), request("X-4", -5.0)])

    def test_batch_of_many_customers_settles_each_customers_bills(self):
        partners = self.batch["partners"]
        bills = self.batch["bills"]
        requests = [
            {"partner": partners[name], "amount": amount, "collection_point": self.hall}
            for name, amount in (("zhao", 300.0), ("qian", 70.0), ("sun", 50.0))
        ]
        requests[2]["bills"] = bills["sun-2"]
        payments = self.env["account.payment"]._utility_pay_batch(requests)
        self.assertEqual([p.partner_id for p in payments], [partners[n] for n in partners])
        self.assertEqual(
            [bills[label].payment_state for label in ("zhao-1", "zhao-2", "zhao-3", "qian-1")],
            ["paid"] * 4,
        )
        self.assertEqual(bills["sun-2"].payment_state, "paid")
        self.assertEqual(bills["sun-overdue"].amount_residual, 300.0, "not named, not paid")
        balances = self.env["account.payment"].concat(*payments)._utility_receivable_balance()
        self.assertEqual(balances[partners["qian"].id], -10.0, "10 over: credit")
        self.assertEqual(payments[1].utility_bill_ids, bills["qian-1"])
