#!/usr/bin/env python3
"""Agency file import vs the naive register-payment wizard loop.

``bench_agency(env, cr, size, tag)`` needs a committed database with
utility_billing and utility_payment_channels (and utility_arrears) installed.
It bills ``size`` contracts (``run_bench.make_dataset`` and the billing run's
``_run_batch``), writes an agency file with one payment per bill (every
fourth one pays half of the bill, every other one names the bill), imports it
and measures its booking as the queue jobs run it: the ``_book_batch`` job
bodies one after the other, with a commit after each. On a second dataset
of the same kind (at most ``naive_max`` bills) it measures the naive loop:
Odoo's register-payment wizard opened on each bill for the same amount, one
transaction per payment. Both paths are warmed up on 5 payments first.
The two are interleaved (a booking job, then a slice of the wizard loop,
and so on) so that both see the same load of a shared machine; each is
timed on its own. Every job and every wizard payment starts with an empty
ORM cache, as in its own request or job transaction: with one long-lived
cache the wizard loop slows down payment after payment (from about 4 to
2.4 a second over 60 payments), which flattered the ratio.

Standalone: ``python3 tests/bench/bench_agency.py [size] [naive_max]`` builds
(once) and uses the database ``h8a_bench`` (``BENCH_AGENCY_DB``), no demo data.
"""

import base64
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(ROOT, "scripts")]
import odoo_db  # noqa: E402
import run_bench  # noqa: E402
from run_bench import make_dataset  # noqa: E402

DB = os.environ.get("BENCH_AGENCY_DB", "h8a_bench")
# lines per booking job (the import's batch size for the bench): small enough
# that the wizard loop is interleaved in several slices (the cost per payment
# of a job hardly depends on its size, from 250 to 1000 lines)
JOB_SIZE = 200
WARM_UP = 5
HEADER = "txn_id,paid_at,customer_number,bill_number,amount,outlet_code"


def _bill(env, cr, size, tag):
    """``size`` posted bills of new contracts, billed by a billing run."""
    station, contracts = make_dataset(env, size, tag)
    run = env["utility.billing.run"].create({"station_ids": [(6, 0, station.ids)]})
    cr.commit()
    for start in range(0, len(contracts), 500):
        run._run_batch(contracts.ids[start : start + 500])
        cr.commit()
    return env["account.move"].search(
        [("utility_billing_run_id", "=", run.id), ("state", "=", "posted")], order="id"
    )


def _amount(bill, index):
    """Every fourth payment pays half of the bill, the others all of it."""
    if index % 4 == 3:
        return bill.currency_id.round(bill.amount_residual / 2)
    return bill.amount_residual


def _agency(env, tag):
    outlet = env["utility.collection.point"].create(
        {"name": f"Bench post office {tag}", "code": f"BP{tag}", "kind": "agency"}
    )
    partner = env["res.partner"].create({"name": f"Bench post {tag}", "is_company": True})
    return env["utility.agency"].create(
        {
            "name": f"Bench post {tag}",
            "code": f"BP{tag}",
            "partner_id": partner.id,
            "outlet_ids": [(6, 0, outlet.ids)],
        }
    )


def _agency_file(bills, outlet, tag):
    paid_at = time.strftime("%Y-%m-%d %H:%M:%S")
    rows = [HEADER]
    for index, bill in enumerate(bills):
        number = bill.name if index % 2 and index % 4 != 3 else ""
        rows.append(
            f"{tag}-{index},{paid_at},{bill.partner_id.utility_customer_number},{number},"
            f"{_amount(bill, index):.2f},{outlet.code}"
        )
    return base64.b64encode(("\n".join(rows) + "\n").encode())


def _import_and_book(env, cr, agency, bills, tag, between_jobs=None):
    """Import the file (parse, match, queue the booking jobs), then run the
    jobs' bodies one after the other, calling ``between_jobs(job index, job
    count)`` (untimed) after each. Returns (booked lines, booking seconds,
    booking queries, import seconds)."""
    agency_import = env["utility.agency.import"].create(
        {
            "agency_id": agency.id,
            "file": _agency_file(bills, agency.outlet_ids, tag),
            "filename": f"bench_{tag}.csv",
        }
    )
    start = time.perf_counter()
    # small job size: even a small file goes to the queue
    agency_import.with_context(
        utility_agency_booking_batch=min(JOB_SIZE, len(bills) - 1)
    ).action_import()
    cr.commit()
    import_s = time.perf_counter() - start
    jobs = env["queue.job"].search(
        [
            ("model_name", "=", "utility.agency.import"),
            ("method_name", "=", "_book_batch"),
            ("state", "=", "pending"),
        ],
        order="id",
    )
    jobs = jobs.filtered(lambda job: job.records == agency_import)
    queries = book_s = 0
    for index, job in enumerate(jobs):
        env.invalidate_all()  # a job's own transaction: nothing cached yet
        job_queries = cr.sql_log_count
        start = time.perf_counter()
        agency_import._book_batch(*job.args, **job.kwargs)
        cr.commit()
        book_s += time.perf_counter() - start
        queries += cr.sql_log_count - job_queries
        if between_jobs:
            between_jobs(index, len(jobs))
    jobs.write({"state": "done"})  # run here, not by a job runner
    cr.commit()
    booked = agency_import.line_ids.filtered(lambda line: line.state == "booked")
    if len(booked) != len(bills):
        states = agency_import.line_ids.mapped(lambda line: (line.state, line.reason, line.note))
        raise RuntimeError(f"{len(booked)} of {len(bills)} lines booked: {states[:5]}")
    return len(booked), book_s, queries, import_s


def _wizard_loop(env, cr, agency, bills, offset=0):
    """Odoo's register-payment wizard on each bill, one transaction each
    (``bills`` from the ``offset``-th bill of the dataset)."""
    today = time.strftime("%Y-%m-%d")
    queries = cr.sql_log_count
    start = time.perf_counter()
    for index, bill in enumerate(bills):
        env.invalidate_all()  # a request's own transaction: nothing cached yet
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create(
                {
                    "amount": _amount(bill, offset + index),
                    "journal_id": agency.journal_id.id,
                    "payment_date": today,
                }
            )
        )
        wizard.action_create_payments()
        cr.commit()
    return len(bills), time.perf_counter() - start, cr.sql_log_count - queries


def bench_agency(env, cr, size, tag, naive_max=100):
    """Rows ``(step, records, seconds)``: the agency import's booking, the
    naive wizard loop, and the ratio of their rates (as ``records``)."""
    tag = f"A{tag}"
    agency = _agency(env, tag)
    cr.commit()
    naive_size = min(size, naive_max) if naive_max > 0 else size
    warm = _bill(env, cr, 2 * WARM_UP, f"{tag}W")
    bills = _bill(env, cr, size, tag)
    naive_bills = _bill(env, cr, naive_size, f"{tag}N")
    # warm-up: the registry's caches, the journals' sequences
    _import_and_book(env, cr, agency, warm[:WARM_UP], f"{tag}W")
    _wizard_loop(env, cr, agency, warm[WARM_UP:])

    naive = {"count": 0, "seconds": 0.0, "queries": 0}

    def naive_slice(index, job_count):
        # the wizard loop's share after booking job ``index``
        start = len(naive_bills) * index // job_count
        stop = len(naive_bills) * (index + 1) // job_count
        count, seconds, queries = _wizard_loop(
            env, cr, agency, naive_bills[start:stop], offset=start
        )
        naive["count"] += count
        naive["seconds"] += seconds
        naive["queries"] += queries

    count, book_s, book_q, import_s = _import_and_book(
        env, cr, agency, bills, tag, between_jobs=naive_slice
    )
    naive_count, naive_s, naive_q = naive["count"], naive["seconds"], naive["queries"]
    book_rate = count / book_s
    naive_rate = naive_count / naive_s
    return [
        ("agency import: parse, match, queue jobs", count, import_s),
        (f"agency import: booking jobs ({book_q / count:.1f} queries/payment)", count, book_s),
        (
            f"naive loop: register-payment wizard per line ({naive_q / naive_count:.1f} "
            "queries/payment)",
            naive_count,
            naive_s,
        ),
        (f"agency import vs naive loop: {book_rate / naive_rate:.1f}x", 0, 0.0),
    ]


def _ensure_database(conf):
    """Build the database once (no demo data), with run_bench's own builder."""
    if not odoo_db.database_exists(DB):
        run_bench.DB = DB  # run_bench builds the database named by its DB
        run_bench.build_database(conf)


def main():
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    naive_max = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    conf = os.path.join(ROOT, ".local", "odoo-local.conf")
    _ensure_database(conf)
    config.parse_config(["-c", conf, "-d", DB, "--log-level", "warn"])
    registry = Registry(DB)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        rows = bench_agency(env, cr, size, time.strftime("%H%M%S"), naive_max=naive_max)
    for step, records, seconds in rows:
        rate = f"{records / seconds:8.1f}/s" if seconds else ""
        print(f"{step:75} {records:7} {seconds:8.1f}s {rate}")


if __name__ == "__main__":
    main()
