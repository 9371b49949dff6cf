#!/usr/bin/env python3
"""``make bench``: the batch paths and the public interfaces at county scale.

Builds a database ``utility_bench`` (the three add-ons, no demo data) and
runs these parts (``BENCH_PARTS``, comma-separated, all by default), every
batch committed as a queue_job job would:

* ``billing``: N contracts with a meter and a validated monthly reading; the
  billing-run preview, the billing run itself (its batch job bodies one after
  the other, as one worker runs them), and the naive loop on a second set of
  contracts of the same kind (capped by ``BENCH_NAIVE_MAX``): each bill
  prepared, created and posted on its own through the ORM (plain ``create`` +
  ``action_post``, one transaction per bill); then customer payments booked
  through the payment service (``BENCH_PAYMENTS``). Both paths are warmed up
  first so that neither pays for a fresh process's cold caches.
* ``agency``: an agency file of N lines booked by the import's jobs vs Odoo's
  register-payment wizard line by line (``BENCH_AGENCY_NAIVE_MAX``), see
  bench_agency.py.
* ``arrears``: the dunning run and the ageing/KPI queries over
  ``BENCH_ARREARS_SIZE`` overdue bills, see bench_arrears.py.
* ``portal``: the portal bill list of a customer with 120 bills, see
  bench_portal.py.
* ``api``: the terminal API under 8 concurrent clients against Odoo with 2
  HTTP workers, see bench_api.py: 8 terminals each pausing about
  ``BENCH_API_PAUSE`` seconds (1 by default) after an answer, for the
  latency targets, then 8 clients without pause (stress, reported).
* ``memory``: peak RSS of the billing run at N and 10N
  (``BENCH_MEMORY_SIZE``), see bench_memory.py.
* ``workers``: the billing run through the job runner with 1 and 2 worker
  processes (``BENCH_WORKERS_SIZE``), see bench_workers.py.
* ``recon``: a third-party biller's next-day reconciliation file of
  ``BENCH_RECON_SIZE`` lines (100,000 by default) imported and compared with
  the biller's API payments of its trade date, see bench_recon.py.
* ``valuation``: the daily valuation of ``BENCH_VALUATION_SIZE``
  cost-controlled contracts (300,000 by default) in the daily job's batches,
  one after the other as one worker runs them, see bench_valuation.py.

With ``BENCH_TAXES=1`` the bench tariff's prices include taxes, as the
reference customer's do: a 13% price-included output VAT on energy and a
government fund of 0.02 per kWh on a liability account (price components,
see ``bench_taxes``); the billing run and the naive loop then both book
revenue, VAT and fund.

Prints a throughput table (extrapolated to the design's 300,000 bills a
month) and a targets table, and saves them to tests/bench/results.md and the
figures to tests/bench/results.json (``BENCH_OUTPUT`` changes the base
name). Sizes: ``BENCH_SIZES=2000,5000``; repetitions (median reported):
``BENCH_REPEAT=3``. Exits non-zero when a part fails to run.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import odoo_db  # noqa: E402

DB = os.environ.get("BENCH_DB", "utility_bench")
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "2000").split(",")]
PAYMENTS = int(os.environ.get("BENCH_PAYMENTS", "500"))
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "1")))
# the naive loop bills ~1-3 contracts a second: by default it runs on a
# second set of at most this many contracts (0: as many as the size) so that
# ``make bench`` ends in minutes; its rate is compared with the run's rate
NAIVE_MAX = int(os.environ.get("BENCH_NAIVE_MAX", "300"))
COUNTY_BILLS = 300_000
# which parts run, in this order
PARTS = os.environ.get(
    "BENCH_PARTS", "billing,agency,arrears,portal,api,memory,workers,recon,readings,valuation"
).split(",")
# contracts of the naive register-payment wizard loop of the agency part
AGENCY_NAIVE_MAX = int(os.environ.get("BENCH_AGENCY_NAIVE_MAX", "100"))
# overdue bills of the dunning/ageing part (100000 for the real figure)
ARREARS_SIZE = int(os.environ.get("BENCH_ARREARS_SIZE", "2000"))
# N of the memory part (N and 10N contracts)
API_PAUSE = float(os.environ.get("BENCH_API_PAUSE", "1.0"))
MEMORY_SIZE = int(os.environ.get("BENCH_MEMORY_SIZE", "500"))
# contracts of the 1-vs-2 workers part
WORKERS_SIZE = int(os.environ.get("BENCH_WORKERS_SIZE", "1000"))
# lines of the biller reconciliation file of the recon part
RECON_SIZE = int(os.environ.get("BENCH_RECON_SIZE", "100000"))
# meters whose day of readings the head-end posts (readings part)
READINGS_METERS = int(os.environ.get("BENCH_READINGS_METERS", "300000"))
# cost-controlled contracts of the daily valuation part
VALUATION_SIZE = int(os.environ.get("BENCH_VALUATION_SIZE", "300000"))
# the bench tariff's prices include VAT and a fund (price components)
TAXES = os.environ.get("BENCH_TAXES", "0") not in ("", "0")


def postgres_settings(registry):
    """The PostgreSQL settings the figures depend on most: the server's
    version, its shared buffers and how much WAL it writes between
    checkpoints (the dunning run's 100,000 bills take a quarter longer on
    PostgreSQL's defaults of 128MB and 1GB, see the README)."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT name, current_setting(name) FROM pg_settings "
            "WHERE name IN ('server_version', 'shared_buffers', 'max_wal_size')"
        )
        return dict(cr.fetchall())


def build_database(conf):
    odoo_db.drop_database(DB)
    subprocess.run(
        odoo_db.odoo_command(
            "-c",
            conf,
            "-d",
            DB,
            "-i",
            "utility_billing,utility_payment_channels,utility_arrears",
            "--stop-after-init",
            "--log-level",
            "warn",
        ),
        check=True,
        cwd=ROOT,
    )


def bench_taxes(env):
    """Price components of the bench tariff: a 13% price-included output
    VAT on energy and a fund of 0.02 per kWh (fixed, price-included) booked
    to a liability account."""
    company = env.company
    tax_model = env["account.tax"]
    vat = tax_model.search([("name", "=", "Bench VAT 13%"), ("company_id", "=", company.id)])
    fund = tax_model.search([("name", "=", "Bench fund"), ("company_id", "=", company.id)])
    if not vat:
        output = env["account.account"].search(
            [("account_type", "=", "liability_current"), ("code", "=like", "25%")], limit=1
        )
        repartition = [
            (0, 0, {"repartition_type": "base"}),
            (0, 0, {"repartition_type": "tax", "account_id": output.id}),
        ]
        vat = tax_model.create(
            {
                "invoice_repartition_line_ids": repartition,
                "refund_repartition_line_ids": repartition,
                "name": "Bench VAT 13%",
                "amount_type": "percent",
                "amount": 13.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
            }
        )
    if not fund:
        account = env["account.account"].create(
            {"name": "Bench fund payable", "code": "224190", "account_type": "liability_current"}
        )
        repartition = [
            (0, 0, {"repartition_type": "base"}),
            (0, 0, {"repartition_type": "tax", "account_id": account.id}),
        ]
        fund = tax_model.create(
            {
                "name": "Bench fund",
                "amount_type": "fixed",
                "amount": 0.02,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
                "invoice_repartition_line_ids": repartition,
                "refund_repartition_line_ids": repartition,
            }
        )
    return [
        (0, 0, {"kind": "energy", "name": "Energy", "tax_id": vat.id}),
        (0, 0, {"kind": "fund", "name": "Fund", "tax_id": fund.id}),
    ]


def make_dataset(env, size, tag):
    """``size`` residential contracts with a reading of 120..419 kWh for
    last month, created in batches (one create per model)."""
    company = env.company
    station = env["utility.supply.station"].create({"name": f"Bench {tag}", "code": f"B{tag}"})
    code = "BENCH-RES-TAX" if TAXES else "BENCH-RES"
    tariff = env["utility.tariff"].search([("code", "=", code)], limit=1)
    if not tariff:
        tariff = env["utility.tariff"].create(
            {"name": "Bench residential", "code": code, "category": "residential"}
        )
        version = env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2020-01-01",
                "block_ids": [
                    (0, 0, {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
                    (0, 0, {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
                    (0, 0, {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
                ],
                "component_ids": bench_taxes(env) if TAXES else [],
            }
        )
        version.action_approve()
    ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
    partners = (
        env["res.partner"]
        .with_context(**ctx)
        .create(
            [
                {
                    "name": f"Customer {tag}-{i}",
                    "utility_customer_number": f"{tag}{i:07d}",
                    "utility_category": "residential",
                    "company_id": company.id,
                }
                for i in range(size)
            ]
        )
    )
    points = (
        env["utility.service.point"]
        .with_context(**ctx)
        .create(
            [
                {
                    "name": p.name,
                    "code": f"SPB{p.utility_customer_number}",
                    "station_id": station.id,
                    "partner_id": p.id,
                    "village": f"Village {i % 50}",
                }
                for i, p in enumerate(partners)
            ]
        )
    )
    meters = (
        env["utility.meter"]
        .with_context(**ctx)
        .create(
            [
                {
                    "serial": f"MB{p.utility_customer_number}",
                    "service_point_id": sp.id,
                    "install_date": "2020-01-01",
                    "initial_reading": 1000,
                }
                for p, sp in zip(partners, points)
            ]
        )
    )
    # contracts in force from the start, as Activate leaves them
    with env["utility.contract"].browse()._utility_protected_write():
        contracts = (
            env["utility.contract"]
            .with_context(**ctx)
            .create(
                [
                    {
                        "partner_id": p.id,
                        "service_point_id": sp.id,
                        "tariff_id": tariff.id,
                        "date_start": "2020-01-01",
                        "state": "active",
                    }
                    for p, sp in zip(partners, points)
                ]
            )
        )
    today = date.today()
    period_end = today.replace(day=1).fromordinal(today.replace(day=1).toordinal() - 1)
    readings = (
        env["utility.meter.reading"]
        .with_context(**ctx)
        .create(
            [
                {
                    "meter_id": m.id,
                    "reading_date": period_end,
                    "value": 1000 + 120 + (i * 37) % 300,
                    "reading_type": "imported",
                }
                for i, m in enumerate(meters)
            ]
        )
    )
    readings.action_validate()
    return station, contracts


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bill_naive(env, run, contracts, commit):
    """The naive loop: each contract's bill prepared, created and posted on
    its own through the ORM (plain ``create`` + ``action_post``), one
    transaction per bill."""
    move_model = env["account.move"]
    journal = move_model._utility_get_bill_journal(run.company_id)
    product = move_model._utility_get_product()
    count = 0
    for contract in contracts:
        bills, _skips = run._prepare_bills(contract)
        for bill in bills:
            move = move_model.create(run._prepare_move_vals(bill, journal, product))
            move.action_post()
            count += 1
        commit()
    return count


def warm_up(env, tag):
    """Bill a few contracts both ways first, so that neither measured path
    pays for the registry's cold caches (field triggers, ORM metadata, SQL
    plans) of a fresh process."""
    station, contracts = make_dataset(env, 6, f"{tag}W")
    run = env["utility.billing.run"].create({"station_ids": [(6, 0, station.ids)]})
    run._run_batch(contracts[:3].ids)
    bill_naive(env, run, contracts[3:], env.cr.commit)
    env.cr.commit()


def bench_size(registry, size, tag):
    import odoo

    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        warm_up(env, tag)
        setup_s, (station, contracts) = timed(lambda: make_dataset(env, size, tag))
        run = env["utility.billing.run"].create({"station_ids": [(6, 0, station.ids)]})
        cr.commit()
        rows.append(("set-up (partners, meters, contracts, readings)", size, setup_s))

        preview_s, _ = timed(run.action_preview)
        cr.commit()
        rows.append(("billing run preview", size, preview_s))

        contract_ids = contracts.ids
        batch = run.batch_size or 500

        def bill_all():
            for i in range(0, len(contract_ids), batch):
                run._run_batch(contract_ids[i : i + batch])
                cr.commit()  # each job commits on its own

        run_s, _ = timed(bill_all)
        bills = env["account.move"].search([("utility_billing_run_id", "=", run.id)])
        rows.append(("billing run: create + post bills", len(bills), run_s))

        # naive loop on a second dataset of the same size and kind
        naive_size = min(size, NAIVE_MAX) if NAIVE_MAX > 0 else size
        naive_station, naive_contracts = make_dataset(env, naive_size, f"{tag}N")
        naive_run = env["utility.billing.run"].create({"station_ids": [(6, 0, naive_station.ids)]})
        cr.commit()

        naive_s, naive_count = timed(lambda: bill_naive(env, naive_run, naive_contracts, cr.commit))
        rows.append(("naive loop: create + post one bill at a time", naive_count, naive_s))

        journal = env["account.journal"].search(
            [("type", "in", ("cash", "bank")), ("company_id", "=", env.company.id)], limit=1
        )
        point = env["utility.collection.point"].create(
            {"name": f"Bench hall {tag}", "code": f"BH{tag}", "journal_id": journal.id}
        )
        cr.commit()
        to_pay = bills[: min(PAYMENTS, len(bills))]

        def pay_all():
            Payment = env["account.payment"]
            for i, bill in enumerate(to_pay):
                Payment._utility_pay(
                    bill.partner_id,
                    bill.amount_total,
                    point,
                    external_txn_id=f"{tag}-{i}",
                    txn_scope="bench",
                )
                if i % 100 == 99:
                    cr.commit()
            cr.commit()

        pay_s, _ = timed(pay_all)
        rows.append(("payments booked and allocated", len(to_pay), pay_s))
    return rows


def median_rows(runs):
    """Median seconds of each step over repeated runs of the same rows."""
    rows = []
    for position, (step, count, _seconds) in enumerate(runs[0]):
        all_seconds = [run[position][2] for run in runs]
        rows.append((step, count, statistics.median(all_seconds), all_seconds))
    return rows


class Report:
    """The throughput table, the targets table and the JSON figures."""

    def __init__(self):
        self.lines = [
            "| size | step | records | seconds (median) | records/s | 300,000 at this rate |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        self.targets = ["| target | measured | met |", "|---|---|:---:|"]
        self.figures = []
        self.failed = []

    def rows(self, size, rows):
        rates = {}
        for step, count, seconds, all_seconds in rows:
            rate = count / seconds if seconds else 0.0
            rates[step] = rate
            county = f"{COUNTY_BILLS / rate / 60:.1f} min" if rate else "-"
            self.lines.append(
                f"| {size} | {step} | {count} | {seconds:.2f} | {rate:.1f} | {county} |"
            )
            self.figures.append(
                {
                    "size": size,
                    "step": step,
                    "records": count,
                    "seconds": round(seconds, 3),
                    "seconds_all": [round(s, 3) for s in all_seconds],
                    "per_second": round(rate, 2),
                }
            )
        return rates

    def ratio(self, size, label, fast, slow):
        if fast and slow:
            ratio = fast / slow
            self.lines.append(f"| {size} | {label} | | | {ratio:.1f}x | |")
            self.figures.append({"size": size, "step": label, "ratio": round(ratio, 2)})
            return ratio
        return None

    def target(self, label, measured, met):
        self.targets.append(f"| {label} | {measured} | {'yes' if met else '**no**'} |")

    def reported(self, label, measured):
        """A figure shown with the targets that has no target of its own."""
        self.targets.append(f"| {label} | {measured} | – |")

    def add(self, name, figures):
        self.figures.append({"step": name, **figures})


def run_part(report, name, function):
    """Run one benchmark part; a failing part is reported, the others run."""
    print(f"--- {name}", flush=True)
    try:
        function()
    # reported in the table, and the exit code is set
    except Exception as error:
        import traceback

        traceback.print_exc()
        report.failed.append(name)
        report.target(f"{name}: benchmark ran", f"failed: {error}", False)


def main():
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    conf = odoo_db.local_config()
    build_database(conf)
    config.parse_config(["-c", conf, "-d", DB, "--log-level", "warn"])
    registry = Registry(DB)
    report = Report()

    def billing():
        for index, size in enumerate(SIZES):
            runs = [bench_size(registry, size, f"{index + 1:02d}{rep}") for rep in range(REPEAT)]
            rates = report.rows(size, median_rows(runs))
            ratio = report.ratio(
                size,
                "billing run vs naive loop",
                rates.get("billing run: create + post bills"),
                rates.get("naive loop: create + post one bill at a time"),
            )
            report.target(
                f"billing run ≥ 10x the naive loop (goal 30x), {size} contracts",
                f"{ratio:.1f}x" if ratio else "-",
                bool(ratio and ratio >= 10),
            )

    def agency():
        from bench_agency import bench_agency

        for index, size in enumerate(SIZES):
            runs = []
            for rep in range(REPEAT):
                with registry.cursor() as cr:
                    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                    runs.append(
                        bench_agency(env, cr, size, f"A{index + 1:02d}{rep}", AGENCY_NAIVE_MAX)
                    )
            # bench_agency's own ratio row (no records) is recomputed here
            runs = [[row for row in run if row[1]] for run in runs]
            rates = report.rows(size, median_rows(runs))
            booking = [step for step in rates if "booking" in step]
            wizard = [step for step in rates if "wizard" in step]
            ratio = report.ratio(
                size,
                "agency import booking vs register-payment wizard loop",
                rates[booking[0]] if booking else None,
                rates[wizard[0]] if wizard else None,
            )
            report.target(
                f"agency import ≥ 20x the wizard loop (goal 50x), {size} lines",
                f"{ratio:.1f}x" if ratio else "-",
                bool(ratio and ratio >= 20),
            )

    def arrears():
        from bench_arrears import bench_arrears, per_100k

        rows = bench_arrears(db=DB, size=ARREARS_SIZE)
        report.rows(ARREARS_SIZE, [(step, count, sec, [sec]) for step, count, sec in rows])
        total = [row for row in rows if row[0].startswith("dunning run total")]
        ageing = [row for row in rows if row[0].startswith("ageing")]
        if total:
            seconds, basis = per_100k(total[0], ageing)
            report.target(
                f"dunning run + ageing over 100,000 overdue bills < 60 s ({basis})",
                f"{seconds:.0f} s",
                seconds < 60,
            )

    def portal():
        from bench_portal import bench_portal

        rows = bench_portal(db=DB)
        report.rows(120, [(step, count, sec, [sec]) for step, count, sec in rows])
        bill_list = rows[0]
        report.target(
            "portal bill list of 120 bills < 300 ms server time",
            f"{bill_list[2] * 1000:.0f} ms",
            bill_list[2] < 0.3,
        )

    def api():
        from bench_api import bench_api

        # latency: 8 terminals serving customers (about 1 s between a
        # terminal's requests); stress: 8 clients without any pause
        figures = bench_api(db=DB, pause=API_PAUSE)
        report.add(f"terminal API, 8 terminals, {API_PAUSE:g} s pause, 2 workers", figures)
        stress = bench_api(db=DB, pause=0.0)
        report.add("terminal API, 8 clients without pause, 2 workers", stress)
        load = f"8 terminals pausing ~{API_PAUSE:g} s, 2 workers"
        report.target(
            f"terminal API bill query p95 < 100 ms ({load})",
            f"{figures['query_p95_ms']:.0f} ms (server {figures['query_server_p95_ms']:.0f} ms)",
            figures["query_p95_ms"] < 100,
        )
        report.target(
            f"terminal API payment p95 < 500 ms ({load})",
            f"{figures['payment_p95_ms']:.0f} ms "
            f"(server {figures['payment_server_p95_ms']:.0f} ms)",
            figures["payment_p95_ms"] < 500,
        )
        report.reported(
            "terminal API stress, 8 clients without pause: query / payment p95, throughput",
            f"{stress['query_p95_ms']:.0f} / {stress['payment_p95_ms']:.0f} ms "
            f"(server {stress['query_server_p95_ms']:.0f} / "
            f"{stress['payment_server_p95_ms']:.0f} ms), "
            f"{stress['requests_per_second']:.1f} requests/s",
        )
        signed = bench_api(db=DB, pause=API_PAUSE, signed=True)
        report.add(
            f"terminal API, a biller's 8 terminals signing every request, {API_PAUSE:g} s pause, "
            "2 workers",
            signed,
        )
        report.target(
            f"signed biller payment p95 < 500 ms ({load})",
            f"{signed['payment_p95_ms']:.0f} ms (server {signed['payment_server_p95_ms']:.0f} ms)"
            f", query p95 {signed['query_p95_ms']:.0f} ms",
            signed["payment_p95_ms"] < 500,
        )
        for label, run in (("paced", figures), ("stress", stress), ("signed", signed)):
            report.target(
                f"terminal API ({label}): no error, no duplicate booking",
                f"{run['errors']} errors, {run['duplicate_bookings']} duplicate bookings, "
                f"{run['duplicates_answered']} duplicates answered",
                run["errors"] == 0 and run["duplicate_bookings"] == 0,
            )

    def memory():
        from bench_memory import bench_memory

        figures = bench_memory(db=DB, size=MEMORY_SIZE, modes=("jobs",))
        report.add("billing-run memory", figures)
        jobs = figures["jobs"]
        report.target(
            f"billing-run RSS at {jobs['10n']} within 1.5x of RSS at {jobs['n']}",
            f"{jobs['n_rss_peak_mb']} MB → {jobs['10n_rss_peak_mb']} MB ({jobs['ratio']}x)",
            jobs["target_met"],
        )

    def workers():
        from bench_workers import bench_workers

        figures = bench_workers(db=DB, size=WORKERS_SIZE)
        report.add("billing run with 1 and 2 workers", figures)
        report.target(
            f"billing run of {WORKERS_SIZE} with 2 workers faster than with 1",
            f"{figures['workers_1_seconds']} s → {figures['workers_2_seconds']} s "
            f"({figures['speed_up_2_vs_1']}x)",
            figures["speed_up_2_vs_1"] > 1,
        )

    def recon():
        from bench_recon import bench_recon

        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            rows, figures = bench_recon(env, cr, RECON_SIZE, time.strftime("%H%M%S"))
        report.rows(RECON_SIZE, [(step, count, sec, [sec]) for step, count, sec in rows])
        report.add("biller reconciliation file", figures)
        seconds = rows[0][2]
        report.target(
            f"biller reconciliation file of {RECON_SIZE} lines: import + compare < 60 s",
            f"{seconds:.1f} s ({figures['matched']} matched, {figures['kept']} kept, "
            f"{figures['here_only']} booked here only, totals balanced: {figures['balanced']})",
            seconds < 60,
        )

    def readings():
        from bench_readings import bench_readings

        figures = bench_readings(db=DB, meters=READINGS_METERS)
        report.add(f"head-end readings API, {READINGS_METERS} meters, 2 workers", figures)
        report.target(
            f"head-end readings of {READINGS_METERS} meters in batches of 1,000 < 5 min "
            "(4 clients, 2 workers)",
            f"{figures['seconds']:.0f} s ({figures['readings_per_second']:.0f} readings/s, "
            f"batch p95 {figures['batch_p95_ms']} ms, {figures['stored']} stored, "
            f"{figures['errors']} errors)",
            figures["target_met"],
        )

    def valuation():
        from bench_valuation import bench_valuation

        figures = bench_valuation(db=DB, size=VALUATION_SIZE)
        report.add(f"daily valuation of {VALUATION_SIZE} cost-controlled contracts", figures)
        report.target(
            "daily valuation of 300,000 cost-controlled contracts < 5 min (1 job worker)",
            f"{figures['seconds']:.0f} s for {VALUATION_SIZE} "
            f"({figures['contracts_per_second']} contracts/s, batch of "
            f"{figures['batch_size']} p95 {figures['batch_p95_s']} s): 300,000 in "
            f"{figures['county_300000_seconds_1_worker']} s",
            figures["target_met"],
        )

    parts = {
        "billing": billing,
        "agency": agency,
        "arrears": arrears,
        "portal": portal,
        "api": api,
        "memory": memory,
        "workers": workers,
        "recon": recon,
        "readings": readings,
        "valuation": valuation,
    }
    for name in PARTS:
        run_part(report, name, parts[name])

    postgres = postgres_settings(registry)
    header = (
        f"Benchmark {time.strftime('%Y-%m-%d %H:%M')} — Odoo {odoo.release.version}, "
        f"{os.cpu_count()} CPU, {platform.processor() or platform.machine()}, "
        f"PostgreSQL {postgres['server_version']} (shared_buffers "
        f"{postgres['shared_buffers']}, max_wal_size {postgres['max_wal_size']}), "
        f"sizes {SIZES}, median of {REPEAT} repetition(s), parts {','.join(PARTS)}"
        f"{', prices with VAT and a fund (BENCH_TAXES)' if TAXES else ''}\n\n"
    )
    table = header + "\n".join(report.lines) + "\n\n" + "\n".join(report.targets) + "\n"
    print(table)
    output = os.path.join(HERE, os.environ.get("BENCH_OUTPUT", "results"))
    with open(f"{output}.md", "w", encoding="utf-8") as fh:
        fh.write(table)
    with open(f"{output}.json", "w", encoding="utf-8") as fh:
        json.dump(
            {
                "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "odoo": odoo.release.version,
                "cpu_count": os.cpu_count(),
                "postgresql": postgres,
                "sizes": SIZES,
                "repetitions": REPEAT,
                "parts": PARTS,
                "taxes": TAXES,
                "failed_parts": report.failed,
                "figures": report.figures,
            },
            fh,
            indent=2,
            default=str,
        )
    if report.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
