from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestBillingRun(UtilityBillingCase):
    """From validated readings to posted bills of the "Utility Bills" journal,
    in batches, without ever billing a contract twice for a period."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a county company billing in yuan
        cny = cls.env.ref("base.CNY")
        cny.active = True
        cls.company.currency_id = cny
        cls.Reading = cls.env["utility.meter.reading"]
        cls.meter.write({"install_date": "2024-01-01", "initial_reading": 1000})
        cls.contract.payment_term_id = cls.env.ref("account.account_payment_term_15days")
        cls.run_vals = {
            "company_id": cls.company.id,
            "date_from": "2025-03-01",
            "date_to": "2025-03-31",
            "invoice_date": "2025-04-02",
        }
        cls.no_delay = cls.env(context=dict(cls.env.context, queue_job__no_delay=True))

    def _new_run(self, **vals):
        return self.env["utility.billing.run"].create({**self.run_vals, **vals})

    def _read(self, meter, value, date="2025-03-31", validate=True):
        reading = self.Reading.create({"meter_id": meter.id, "reading_date": date, "value": value})
        if validate:
            reading.action_validate()
        return reading

    def _run(self, run):
        run.with_env(self.no_delay).action_run()
        return run

    # ------------------------------------------------------------------
    def test_300_kwh_bill_is_184_yuan_and_reads_in_chinese_capitals(self):
        reading = self._read(self.meter, 1300)
        run = self._new_run()
        run.action_preview()
        self.assertEqual(run.state, "previewed")
        self.assertEqual(run.preview_bill_count, 1)
        self.assertEqual(run.preview_amount, 184.00)
        self._run(run)
        self.assertEqual(run.state, "done")
        bill = run.move_ids
        self.assertEqual(len(bill), 1)
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.move_type, "out_invoice")
        self.assertEqual(bill.currency_id.name, "CNY")
        self.assertEqual(bill.amount_total, 184.00)
        self.assertEqual(bill.utility_amount_in_words, "壹佰捌拾肆元整")
        self.assertEqual(bill.journal_id.code, "UTB")
        self.assertEqual(bill.utility_contract_id, self.contract)
        self.assertEqual(bill.utility_period, "2025-03")
        self.assertEqual(bill.utility_consumption, 300)
        self.assertEqual(bill.utility_tariff_version_ids, self.tariff_version)
        self.assertEqual(str(bill.invoice_date_due), "2025-04-17")  # 15 days
        self.assertEqual(
            [
                (line.name, line.quantity, line.price_unit, line.price_subtotal)
                for line in bill.invoice_line_ids
            ],
            [
                ("Block 1", 180, 0.56, 100.80),
                ("Block 2", 80, 0.61, 48.80),
                ("Block 3", 40, 0.86, 34.40),
            ],
        )
        # a version without price components bills its prices whole to revenue
        self.assertFalse(bill.invoice_line_ids.tax_ids)
        self.assertEqual(reading.state, "billed")
        self.assertEqual(reading.move_id, bill)
        self.assertEqual(bill.utility_reading_ids, reading)
        self.assertEqual(run.bill_count, 1)
        self.assertEqual(run.progress, 100.0)

    def test_multiplier_comes_through_the_readings(self):
        contract, meter = self._new_customer("0100000040", multiplier=40)
        self._read(meter, 7.5)  # 7.5 register units x 40 = 300 kWh
        self._read(self.meter, 1100)
        run = self._run(self._new_run())
        bill = run.move_ids.filtered(lambda m: m.utility_contract_id == contract)
        self.assertEqual(bill.utility_consumption, 300)
        self.assertEqual(bill.amount_total, 184.00)

    def test_running_twice_never_bills_a_contract_twice(self):
        self._read(self.meter, 1300)
        run = self._run(self._new_run())
        bill = run.move_ids
        # the same run again, and the same batch job run again
        self._run(run)
        run._run_batch([self.contract.id])
        self.assertEqual(run.move_ids, bill)
        self.assertFalse(run.skip_ids)
        # another run for the same period skips the contract, naming the bill
        other = self._run(self._new_run())
        self.assertFalse(other.move_ids)
        self.assertEqual(other.skip_ids.reason, "already_billed")
        self.assertEqual(other.skip_ids.existing_move_id, bill)
        bills = self.env["account.move"].search([("utility_contract_id", "=", self.contract.id)])
        self.assertEqual(bills, bill)

    def test_skipped_contracts_are_listed_with_their_reason(self):
        self._read(self.meter, 1300)
        no_reading, __ = self._new_customer("0100000002")
        to_review, meter_review = self._new_customer("0100000003")
        self._read(meter_review, 100, validate=False)
        draft, meter_draft = self._new_customer("0100000004", activate=False)
        self._read(meter_draft, 100)
        late_tariff = self.env["utility.tariff"].create(
            {"name": "New", "code": "NEW", "category": "residential", "company_id": self.company.id}
        )
        self.env["utility.tariff.version"].create(
            {
                "tariff_id": late_tariff.id,
                "date_from": "2025-03-15",
                "block_ids": [Command.create({"name": "Energy", "price": 0.5})],
            }
        ).action_approve()
        no_tariff, meter_no_tariff = self._new_customer("0100000005", tariff=late_tariff)
        self._read(meter_no_tariff, 100)

        run = self._new_run()
        run.action_preview()
        reasons = {skip.contract_id: skip.reason for skip in run.skip_ids}
        expected = {
            no_reading: "no_reading",
            to_review: "reading_to_review",
            draft: "contract_inactive",
            no_tariff: "no_tariff",
        }
        self.assertEqual(reasons, expected)
        self.assertEqual(run.contract_count, 5)
        self.assertEqual(run.preview_bill_count, 1)
        self.assertEqual(run.preview_amount, 184.00)
        self.assertIn(
            "No approved version", run.skip_ids.filtered(lambda s: s.reason == "no_tariff").detail
        )

        self._run(run)
        self.assertEqual(run.move_ids.utility_contract_id, self.contract)
        self.assertEqual({skip.contract_id: skip.reason for skip in run.skip_ids}, expected)
        self.assertEqual(run.progress, 100.0)

    def test_preview_lists_each_expected_bill_and_flags_unusual_consumption(self):
        """The officer sees, before posting, every contract the run will bill
        with its consumption beside its usual one; a jump or a zero is flagged."""
        # February: 100 kWh billed, the contract's usual consumption
        self._read(self.meter, 1100, date="2025-02-28")
        self._run(self._new_run(date_from="2025-02-01", date_to="2025-02-28"))
        steady, steady_meter = self._new_customer("0100000002")
        self._read(steady_meter, 100, date="2025-02-28")
        zero, zero_meter = self._new_customer("0100000003")
        self._read(zero_meter, 100, date="2025-02-28")
        self._run(self._new_run(date_from="2025-02-01", date_to="2025-02-28"))
        # March: 500 kWh (5 times February), the same 100, and nothing
        self._read(self.meter, 1600)
        self._read(steady_meter, 200)
        self._read(zero_meter, 100)

        run = self._new_run()
        run.action_preview()
        lines = {line.contract_id: line for line in run.preview_line_ids}
        self.assertEqual(set(lines), {self.contract, steady, zero})
        self.assertEqual(
            [
                (lines[c].consumption, lines[c].usual_consumption, lines[c].anomaly)
                for c in (self.contract, steady, zero)
            ],
            [(500.0, 100.0, "high"), (100.0, 100.0, False), (0.0, 100.0, "zero")],
        )
        self.assertEqual(sum(run.preview_line_ids.mapped("amount")), run.preview_amount)
        self.assertEqual(run.preview_anomaly_count, 2)
        # previewing again replaces the lines; back to draft drops them
        run.action_preview()
        self.assertEqual(len(run.preview_line_ids), 3)
        run.action_reset_draft()
        self.assertFalse(run.preview_line_ids)
        self.assertEqual(run.preview_anomaly_count, 0)

    def test_scope_by_station_and_category(self):
        other_station = self.env["utility.supply.station"].create(
            {"name": "Lizhuang", "code": "LZ", "company_id": self.company.id}
        )
        self._read(self.meter, 1300)
        contract, meter = self._new_customer("0100000006")
        contract.service_point_id.station_id = other_station
        self._read(meter, 100)
        run = self._run(self._new_run(station_ids=[Command.set(other_station.ids)]))
        self.assertEqual(run.move_ids.utility_contract_id, contract)
        commercial = self.env.ref("utility_billing.utility_customer_category_commercial")
        run = self._run(self._new_run(category_ids=[Command.set(commercial.ids)]))
        self.assertEqual(run.contract_count, 0)
        self.assertFalse(run.move_ids)

    def test_bills_are_created_and_posted_in_batches_of_jobs(self):
        self._read(self.meter, 1300)
        contracts = self.contract
        for number in range(2, 6):
            contract, meter = self._new_customer(f"010000001{number}")
            self._read(meter, 100 * number)
            contracts |= contract
        run = self._new_run(batch_size=2)
        with trap_jobs() as trap:
            run.action_run()
            trap.assert_jobs_count(3, only=run._run_batch)
            trap.assert_jobs_count(1, only=run._finish_run)
            trap.assert_enqueued_job(
                run._run_batch,
                args=(contracts.sorted("id")[:2].ids,),
                properties={"channel": "root.utility_billing"},
            )
            self.assertEqual(run.state, "running")
            self.assertFalse(run.move_ids)
            trap.perform_enqueued_jobs()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.move_ids), 5)
        self.assertEqual(set(run.move_ids.mapped("state")), {"posted"})
        self.assertEqual(run.move_ids.utility_contract_id, contracts)
        # 300 + 200 + 300 + 400 + 500 kWh: 184.00 + 113.00 + 184.00 + 270.00 + 356.00
        self.assertAlmostEqual(run.billed_amount, 1107.00)

    def test_cancelling_bills_issues_credit_notes_with_reason_and_frees_readings(self):
        reading = self._read(self.meter, 1300)
        run = self._run(self._new_run())
        bill = run.move_ids
        action = run.action_cancel_bills()
        wizard = (
            self.env["utility.bill.cancel"]
            .with_context(**action["context"])
            .create({"reason": "Wrong meter read", "date": "2025-04-10"})
        )
        self.assertEqual(wizard.move_ids, bill)
        result = wizard.action_confirm()
        credit_note = self.env["account.move"].search(result["domain"])
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.amount_total, 184.00)
        self.assertEqual(credit_note.reversed_entry_id, bill)
        self.assertIn("Wrong meter read", credit_note.ref)
        self.assertEqual(bill.payment_state, "reversed")
        self.assertTrue(bill.utility_credited)
        self.assertEqual(bill.utility_cancel_reason, "Wrong meter read")
        self.assertEqual(reading.state, "validated")
        self.assertFalse(reading.move_id)
        self.assertEqual(run.bill_count, 0)
        self.assertEqual(run.credited_count, 1)
        # the readings can be billed again by a new run
        rerun = self._run(self._new_run())
        self.assertEqual(len(rerun.move_ids), 1)
        self.assertEqual(rerun.move_ids.amount_total, 184.00)
        self.assertEqual(reading.move_id, rerun.move_ids)

    def test_bill_journal_is_named_in_every_installed_language(self):
        """The "Utility Bills" journal is created by whoever bills first, a
        job without a language as well: it is named in every installed
        language, not in English for all."""
        self.env["res.lang"]._activate_lang("zh_CN")
        company = self.setup_other_company(name="Lizhuang utility")["company"]
        journal = (
            self.env["account.move"].with_context(lang=None)._utility_get_bill_journal(company)
        )
        self.assertEqual(journal.with_context(lang="en_US").name, "Utility Bills")
        self.assertEqual(journal.with_context(lang="zh_CN").name, "电费账单")

    def test_a_posted_bill_never_goes_back_to_draft(self):
        """Only the audit-safe cancel wizard corrects a bill: Odoo's Reset to
        Draft is neither offered nor accepted, whoever asks, for the bill and
        for its credit note."""
        self._read(self.meter, 1300)
        bill = self._run(self._new_run()).move_ids
        self.assertFalse(bill.show_reset_to_draft_button)
        with self.assertRaisesRegex(UserError, "Cancel Utility Bills"):
            bill.button_draft()
        self.assertEqual(bill.state, "posted")
        wizard = self.env["utility.bill.cancel"].create(
            {"move_ids": [Command.set(bill.ids)], "reason": "Wrong meter read"}
        )
        credit_note = self.env["account.move"].search(wizard.action_confirm()["domain"])
        self.assertFalse(credit_note.show_reset_to_draft_button)
        with self.assertRaises(UserError):
            credit_note.button_draft()
        # an ordinary journal entry of the company still can
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": bill.journal_id.id,
                "line_ids": [
                    Command.create({"account_id": line.account_id.id, "balance": line.balance})
                    for line in bill.line_ids
                ],
            }
        )
        entry.action_post()
        self.assertTrue(entry.show_reset_to_draft_button)
        entry.button_draft()
        self.assertEqual(entry.state, "draft")

    def test_one_bill_per_contract_and_period_is_enforced_by_the_database(self):
        self._read(self.meter, 1300)
        run = self._run(self._new_run())
        bill = run.move_ids
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "journal_id": bill.journal_id.id,
                    "utility_contract_id": self.contract.id,
                    "utility_period_start": "2025-03-01",
                    "utility_period_end": "2025-03-31",
                }
            )

    def _annual_tariff(self, code):
        """Annual tiers: 2160 kWh a year at 0.56, then 0.61."""
        tariff = self.env["utility.tariff"].create(
            {
                "name": "Annual",
                "code": code,
                "category": "residential",
                "company_id": self.company.id,
            }
        )
        self.env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2024-01-01",
                "block_basis": "annual",
                "block_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Tier 1", "limit_to": 2160, "price": 0.56}
                    ),
                    Command.create({"sequence": 2, "name": "Tier 2", "limit_to": 0, "price": 0.61}),
                ],
            }
        ).action_approve()
        return tariff

    def test_annual_blocks_count_what_was_billed_earlier_in_the_year(self):
        tariff = self._annual_tariff("ANN")
        contract, meter = self._new_customer("0100000007", tariff=tariff)
        self._read(meter, 2100, date="2025-02-28")
        self._new_run(date_from="2025-02-01", date_to="2025-02-28").with_env(
            self.no_delay
        ).action_run()
        self._read(meter, 2300)
        march = self._run(self._new_run())
        bill = march.move_ids.filtered(lambda m: m.utility_contract_id == contract)
        self.assertEqual(bill.invoice_line_ids.mapped("quantity"), [60, 140])
        self.assertEqual(bill.amount_total, 119.00)  # 60 x 0.56 + 140 x 0.61

    def test_annual_blocks_count_the_new_year_share_of_a_bill_across_new_year(self):
        """Readings on the 14th: the bill of 15 Dec - 14 Jan (3100 kWh, 31
        days) puts 1400 kWh into the new year, so the next bill (1000 kWh)
        starts at 1400 of the 2160 kWh first tier: 760 x 0.56 + 240 x 0.61."""
        tariff = self._annual_tariff("ANN2")
        contract, meter = self._new_customer("0100000017", tariff=tariff)
        meter.install_date = "2024-12-14"
        self._read(meter, 3100, date="2025-01-14")
        self._read(meter, 4100, date="2025-02-14")
        first = self._run(
            self._new_run(date_from="2024-12-15", date_to="2025-01-14", invoice_date="2025-01-16")
        ).move_ids.filtered(lambda m: m.utility_contract_id == contract)
        self.assertEqual(first.amount_total, 1736.00)  # 3100 x 0.56
        second = self._run(
            self._new_run(date_from="2025-01-15", date_to="2025-02-14", invoice_date="2025-02-16")
        ).move_ids.filtered(lambda m: m.utility_contract_id == contract)
        self.assertEqual(second.invoice_line_ids.mapped("quantity"), [760, 240])
        self.assertEqual(second.amount_total, 572.00)

    def test_a_reading_cycle_from_the_15th_to_the_14th_has_a_whole_month_of_tiers(self):
        """Run of 15 April - 14 May: one month, so the first tier is the
        whole 180 kWh (not 180 x (16/30 + 14/31))."""
        contract, meter = self._new_customer("0100000027", initial_reading=1000)
        meter.install_date = "2025-04-14"
        self._read(meter, 1181, date="2025-05-14")
        bill = self._run(
            self._new_run(date_from="2025-04-15", date_to="2025-05-14", invoice_date="2025-05-16")
        ).move_ids.filtered(lambda m: m.utility_contract_id == contract)
        self.assertEqual(bill.invoice_line_ids.mapped("quantity"), [180, 1])
        self.assertEqual(bill.amount_total, 101.41)  # 180 x 0.56 + 1 x 0.61

    def test_bill_document_and_xlsx_export(self):
        self._read(self.meter, 1300)
        run = self._run(self._new_run())
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("utility_billing.report_utility_bill", run.move_ids.ids)[0]
            .decode()
        )
        for text in ("0100000001", "M0001", "壹佰捌拾肆元整", "Block 3", "1,300.00"):
            self.assertIn(text, html)
        content, file_type = self.env["ir.actions.report"]._render(
            "utility_billing.billing_run_xlsx", run.ids
        )
        self.assertEqual(file_type, "xlsx")
        self.assertTrue(content.startswith(b"PK"))

    def test_a_cashier_cannot_start_a_billing_run(self):
        cashier = new_test_user(
            self.env,
            login="cashier_run",
            groups="utility_billing.group_utility_cashier",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            self.env["utility.billing.run"].with_user(cashier).create(self.run_vals)

    def _tou_customer(self, number, version_vals=None, **meter_vals):
        """An industrial customer on a time-of-use tariff (1.025 / 0.675 /
        0.325 a kWh, 120.00 fixed, and ``version_vals``) with a time-of-use
        meter."""
        tou_tariff = self.env["utility.tariff"].create(
            {
                "name": f"ToU {number}",
                "code": f"TOU{number}",
                "category": "industrial",
                "company_id": self.company.id,
            }
        )
        self.env["utility.tariff.version"].create(
            {
                "tariff_id": tou_tariff.id,
                "date_from": "2024-01-01",
                "price_peak": 1.025,
                "price_flat": 0.675,
                "price_valley": 0.325,
                "fixed_charge": 120.0,
                **(version_vals or {}),
            }
        ).action_approve()
        contract, meter = self._new_customer(number, activate=False)
        contract.partner_id.utility_category = "industrial"
        contract.tariff_id = tou_tariff
        contract.action_activate()
        meter.write({"register_type": "tou", **meter_vals})
        return contract, meter

    def _tou_reading_5100(self, meter):
        """A draft reading of 5100 (peak 1530, flat 2040, valley 1530)."""
        return self.Reading.create(
            {
                "meter_id": meter.id,
                "reading_date": "2025-03-31",
                "value": 5100,
                "value_peak": 1530,
                "value_flat": 2040,
                "value_valley": 1530,
            }
        )

    def test_time_of_use_meter_is_billed_per_register(self):
        _contract, meter = self._tou_customer("0100000008")
        self.Reading.create(
            {
                "meter_id": meter.id,
                "reading_date": "2025-03-31",
                "value": 600,
                "value_peak": 100,
                "value_flat": 200,
                "value_valley": 300,
            }
        ).action_validate()
        run = self._run(self._new_run())
        bill = run.move_ids
        self.assertEqual(
            [(line.utility_register, line.price_subtotal) for line in bill.invoice_line_ids],
            [("peak", 102.50), ("flat", 135.00), ("valley", 97.50), (False, 120.00)],
        )
        self.assertEqual(bill.amount_total, 455.00)
        self.assertEqual(bill.utility_amount_in_words, "肆佰伍拾伍元整")

    def test_time_of_use_meter_on_a_block_tariff_pays_the_tier_surcharges(self):
        """Time-of-use prices and blocks of 180 / 260 kWh at 0.56 / 0.61 /
        0.86: 350 kWh (peak 100, flat 150, valley 100) are billed at the
        register prices (102.50 + 101.25 + 32.50), plus 80 kWh of block 2 at
        0.05 and 90 of block 3 at 0.30 (4.00 + 27.00), plus 120.00 fixed:
        387.25. The surcharge lines carry no product: the bill's kWh are on
        its register lines."""
        blocks = [
            Command.create({"sequence": 1, "name": "Tier 1", "limit_to": 180, "price": 0.56}),
            Command.create({"sequence": 2, "name": "Tier 2", "limit_to": 260, "price": 0.61}),
            Command.create({"sequence": 3, "name": "Tier 3", "limit_to": 0, "price": 0.86}),
        ]
        _contract, meter = self._tou_customer("0100000028", version_vals={"block_ids": blocks})
        self.Reading.create(
            {
                "meter_id": meter.id,
                "reading_date": "2025-03-31",
                "value": 350,
                "value_peak": 100,
                "value_flat": 150,
                "value_valley": 100,
            }
        ).action_validate()
        bill = self._run(self._new_run()).move_ids
        self.assertEqual(
            [
                (
                    line.utility_charge_kind,
                    line.name,
                    line.quantity,
                    line.price_unit,
                    line.price_subtotal,
                    bool(line.product_id),
                )
                for line in bill.invoice_line_ids
            ],
            [
                ("register", "Peak energy", 100, 1.025, 102.50, True),
                ("register", "Flat energy", 150, 0.675, 101.25, True),
                ("register", "Valley energy", 100, 0.325, 32.50, True),
                ("surcharge", "Tier 2 surcharge", 80, 0.05, 4.00, False),
                ("surcharge", "Tier 3 surcharge", 90, 0.30, 27.00, False),
                ("fixed", "Fixed monthly charge", 1, 120.0, 120.00, False),
            ],
        )
        self.assertEqual(bill.amount_total, 387.25)
        self.assertEqual(bill.utility_consumption, 350)

    def test_time_of_use_meter_installed_with_readings_on_its_registers(self):
        """A time-of-use meter installed at 5000 (peak 1500, flat 2000,
        valley 1500) and read at 5100 (1530, 2040, 1530) used 100 kWh:
        30 x 1.025 + 40 x 0.675 + 30 x 0.325 = 67.50, plus 120.00 fixed."""
        _contract, meter = self._tou_customer(
            "0100000018",
            initial_reading=5000,
            initial_reading_peak=1500,
            initial_reading_flat=2000,
            initial_reading_valley=1500,
        )
        reading = self._tou_reading_5100(meter)
        reading.action_validate()
        self.assertEqual(reading.state, "validated")
        self.assertEqual(
            (
                reading.consumption,
                reading.consumption_peak,
                reading.consumption_flat,
                reading.consumption_valley,
            ),
            (100, 30, 40, 30),
        )
        bill = self._run(self._new_run()).move_ids
        self.assertEqual(
            [(line.utility_register, line.price_subtotal) for line in bill.invoice_line_ids],
            [("peak", 30.75), ("flat", 27.00), ("valley", 9.75), (False, 120.00)],
        )
        self.assertEqual(bill.amount_total, 187.50)

    def test_time_of_use_registers_not_adding_up_are_held_for_review(self):
        # installed at 5000 with the registers' own values left at 0
        _contract, meter = self._tou_customer("0100000019", initial_reading=5000)
        reading = self._tou_reading_5100(meter)
        reading.action_validate()
        self.assertEqual(reading.state, "to_review")
        self.assertEqual(
            reading.review_reason,
            "The peak, flat and valley advances (1530 + 2040 + 1530) do not add up to the "
            "total advance (100): check the readings, or the meter's initial register values.",
        )

    def test_amount_in_words_outside_yuan_uses_odoo_wording(self):
        move = self.env["account.move"]
        usd = self.env.ref("base.USD")
        self.assertEqual(move._utility_amount_to_words(184.0, usd), usd.amount_to_text(184.0))
        cny = self.env.ref("base.CNY")
        self.assertEqual(move._utility_amount_to_words(100.05, cny), "壹佰元零伍分")
        self.assertEqual(move._utility_amount_to_words(-184.0, cny), "壹佰捌拾肆元整")

    def test_a_billing_officer_runs_billing_and_only_a_manager_cancels_bills(self):
        officer = new_test_user(
            self.env,
            login="officer_run",
            groups="utility_billing.group_utility_billing_officer",
            company_id=self.company.id,
        )
        self._read(self.meter, 1300)
        run = self._new_run().with_user(officer)
        run.action_preview()
        run.with_context(queue_job__no_delay=True).action_run()
        self.assertEqual(run.bill_count, 1)
        self.assertEqual(run.billed_amount, 184.00)
        with self.assertRaises(AccessError):
            self.env["utility.bill.cancel"].with_user(officer).create(
                {"move_ids": [Command.set(run.move_ids.ids)], "reason": "Not allowed"}
            )
