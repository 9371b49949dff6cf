#!/usr/bin/env python3
"""``make bench``: throughput of the batch paths at county scale.

Builds a database ``utility_bench`` (utility_billing and
utility_payment_channels, no demo data), creates N contracts with a meter and
a validated monthly reading each, then measures, with every batch committed
as a queue_job job would:

* the billing-run preview of the N contracts,
* the billing run itself (its batch job body, one batch after the other, as
  one Odoo worker would run them),
* the naive loop on a second set of contracts of the same kind (N, capped by
  ``BENCH_NAIVE_MAX``): for each
  contract, its bill is prepared, created and posted on its own through the
  ORM (plain ``create`` + ``action_post``, one transaction per bill), which
  is what billing without the billing run costs,
* booking customer payments through the payment service (what the terminal
  API and the agency import do for each transaction).

Prints a table, extrapolates to the design's 300,000 bills a month, and
saves the table to tests/bench/results.md and the figures to
tests/bench/results.json. Sizes: ``BENCH_SIZES=2000,5000``; repetitions
(median reported): ``BENCH_REPEAT=3``; payments: ``BENCH_PAYMENTS=500``;
contracts of the naive loop: ``BENCH_NAIVE_MAX=300`` (0: same as the size).
"""

import json
import os
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


def build_database(conf):
    odoo_db.drop_database(DB)
    subprocess.run(
        odoo_db.odoo_command(
            "-c",
            conf,
            "-d",
            DB,
            "-i",
            "utility_billing,utility_payment_channels",
            "--stop-after-init",
            "--log-level",
            "warn",
        ),
        check=True,
        cwd=ROOT,
    )


def make_dataset(env, size, tag):
    """``size`` residential contracts with a reading of 120..419 kWh for
    last month, created in batches (one create per model)."""
    company = env.company
    station = env["utility.supply.station"].create({"name": f"Bench {tag}", "code": f"B{tag}"})
    tariff = env["utility.tariff"].search([("code", "=", "BENCH-RES")], limit=1)
    if not tariff:
        tariff = env["utility.tariff"].create(
            {"name": "Bench residential", "code": "BENCH-RES", "category": "residential"}
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


def main():
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    conf = odoo_db.local_config()
    build_database(conf)
    config.parse_config(["-c", conf, "-d", DB, "--log-level", "warn"])
    registry = Registry(DB)

    lines = [
        "| size | step | records | seconds (median) | records/s | 300,000 at this rate |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    figures = []
    for index, size in enumerate(SIZES):
        runs = [bench_size(registry, size, f"{index + 1:02d}{rep}") for rep in range(REPEAT)]
        rates = {}
        for position, (step, count, _seconds) in enumerate(runs[0]):
            all_seconds = [run[position][2] for run in runs]
            seconds = statistics.median(all_seconds)
            rate = count / seconds if seconds else 0.0
            rates[step] = rate
            county = f"{COUNTY_BILLS / rate / 60:.1f} min" if rate else "-"
            lines.append(f"| {size} | {step} | {count} | {seconds:.1f} | {rate:.1f} | {county} |")
            figures.append(
                {
                    "size": size,
                    "step": step,
                    "records": count,
                    "seconds": round(seconds, 3),
                    "seconds_all": [round(s, 3) for s in all_seconds],
                    "per_second": round(rate, 2),
                }
            )
        billing = rates.get("billing run: create + post bills")
        naive = rates.get("naive loop: create + post one bill at a time")
        if billing and naive:
            ratio = billing / naive
            lines.append(f"| {size} | billing run vs naive loop | | | {ratio:.1f}x | |")
            figures.append({"size": size, "step": "billing run vs naive loop", "ratio": ratio})
    header = (
        f"Benchmark {time.strftime('%Y-%m-%d %H:%M')} — Odoo {odoo.release.version}, "
        f"{os.cpu_count()} CPU, one worker process, sizes {SIZES}, "
        f"median of {REPEAT} repetition(s)\n\n"
    )
    table = header + "\n".join(lines) + "\n"
    print(table)
    with open(os.path.join(HERE, "results.md"), "w", encoding="utf-8") as fh:
        fh.write(table)
    with open(os.path.join(HERE, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(
            {
                "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "odoo": odoo.release.version,
                "cpu_count": os.cpu_count(),
                "sizes": SIZES,
                "repetitions": REPEAT,
                "figures": figures,
            },
            fh,
            indent=2,
        )


if __name__ == "__main__":
    main()
