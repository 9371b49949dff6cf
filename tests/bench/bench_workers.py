#!/usr/bin/env python3
"""The billing run through the real job runner with 1 and with 2 Odoo worker
processes (issue 8).

For each worker count W, N new contracts are made, Odoo is started as a
subprocess with ``--workers W`` (server-wide modules base, web, queue_job:
the job runner runs in the server) and the queue_job channel
``root.utility_billing`` of capacity W (``ODOO_QUEUE_JOB_CHANNELS``); the
billing run's ``action_run`` then enqueues its batch jobs and the time until
the run is done (its closing job performed) is measured. Reported: both
times, bills per second and the speed-up ratio (time with 1 / time with 2).

Run alone: ``python3 tests/bench/bench_workers.py [N] [batch]`` (defaults
1000 and 100).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_common import (
    DB,
    PORT,
    billing_run_fixture,
    environment,
    print_figures,
    start_server,
    stop_server,
)


def run_with_workers(db, size, workers, batch=100, port=PORT, timeout=1800, log_path=None):
    """Seconds from ``action_run`` to the run done, with ``workers`` worker
    processes; returns ``(seconds, bills)``."""
    run_id = billing_run_fixture(db, size, f"W{workers}", batch)
    runner_env = {
        "ODOO_QUEUE_JOB_CHANNELS": f"root:{workers},root.utility_billing:{workers}",
        # the server listens on 127.0.0.1 only
        "ODOO_QUEUE_JOB_HOST": "127.0.0.1",
    }
    previous = {name: os.environ.get(name) for name in runner_env}
    os.environ.update(runner_env)
    try:
        server = start_server(
            db,
            port=port,
            workers=workers,
            extra=("--load", "base,web,queue_job"),
            log_path=log_path,
        )
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        time.sleep(3)  # the job runner starts a moment after the workers
        with environment(db) as env:
            run = env["utility.billing.run"].browse(run_id)
            start = time.perf_counter()
            run.action_run()
            env.cr.commit()
            while True:
                env.cr.execute("SELECT state FROM utility_billing_run WHERE id = %s", [run_id])
                state = env.cr.fetchone()[0]
                env.cr.execute(
                    "SELECT COUNT(*) FROM queue_job WHERE state = 'failed' "
                    "AND model_name = 'utility.billing.run' "
                    # records is stored as a JSON document inside a JSON string
                    "AND (records #>> '{}')::jsonb -> 'ids' @> to_jsonb(ARRAY[%s])",
                    [run_id],
                )
                failed = env.cr.fetchone()[0]
                env.cr.commit()
                if state == "done" or failed:
                    break
                if time.perf_counter() - start > timeout:
                    raise RuntimeError(f"billing run {run_id} not done after {timeout} s")
                time.sleep(0.2)
            seconds = time.perf_counter() - start
            env.cr.execute(
                "SELECT COUNT(*) FROM account_move WHERE utility_billing_run_id = %s", [run_id]
            )
            bills = env.cr.fetchone()[0]
            if failed:
                raise RuntimeError(f"{failed} job(s) of billing run {run_id} failed")
    finally:
        stop_server(server)
    return seconds, bills


def bench_workers(db=DB, size=1000, batch=100, port=PORT):
    """Billing run of ``size`` contracts with 1 and with 2 worker processes.
    Returns a dict of figures."""
    log = os.environ.get("BENCH_SERVER_LOG")
    one_s, one_bills = run_with_workers(db, size, 1, batch, port, log_path=log)
    two_s, two_bills = run_with_workers(db, size, 2, batch, port, log_path=log)
    return {
        "contracts": size,
        "batch_size": batch,
        "workers_1_seconds": round(one_s, 2),
        "workers_1_bills": one_bills,
        "workers_1_bills_per_second": round(one_bills / one_s, 1),
        "workers_2_seconds": round(two_s, 2),
        "workers_2_bills": two_bills,
        "workers_2_bills_per_second": round(two_bills / two_s, 1),
        "speed_up_2_vs_1": round(one_s / two_s, 2),
    }


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    print_figures(
        "Billing run through the job runner, 1 vs 2 worker processes",
        bench_workers(size=size, batch=batch),
    )


if __name__ == "__main__":
    main()
