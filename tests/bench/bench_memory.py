#!/usr/bin/env python3
"""Peak memory (RSS) of the process doing the billing run, at N and 10N
contracts (issue 8). Target: RSS at 10N within 1.5x of RSS at N.

The contracts are made in this process; the billing run then runs in a
fresh Python subprocess (Odoo registry loaded, nothing else), whose peak RSS
(``ru_maxrss``) is reported, with its RSS once the registry is loaded. Two
ways of running the batches are measured:

* ``jobs``: ``action_run`` enqueues the queue_job jobs, which are then
  performed one after the other, each on a new cursor and environment, as
  the job runner's HTTP worker does (production);
* ``loop``: the batches one after the other on one cursor and environment,
  committed after each, as ``run_bench.py`` does (``run._run_batch(ids)``);
  with ``invalidate`` the environment cache is also cleared after each
  commit.

Run alone: ``python3 tests/bench/bench_memory.py [N] [mode]`` (defaults 500,
``jobs,loop``).
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_common import DB, ROOT, billing_run_fixture

HERE = os.path.dirname(os.path.abspath(__file__))


def _rss_kb():
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _child(db, run_id, mode, batch):
    """Subprocess body: bill run ``run_id``; print figures as JSON."""
    import resource

    from bench_common import registry

    import odoo

    reg = registry(db)
    base_kb = _rss_kb()
    start = time.perf_counter()
    if mode == "jobs":
        from odoo.addons.queue_job.job import Job

        with reg.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            run = env["utility.billing.run"].browse(run_id)
            run.batch_size = batch
            run.action_run()
            cr.commit()
        while True:
            with reg.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                pending = env["queue.job"].search(
                    [("model_name", "=", "utility.billing.run"), ("state", "=", "pending")],
                    order="id",
                )
                record = pending.filtered(lambda job: job.records.ids == [run_id])[:1]
                if not record:
                    break
                job = Job.load(env, record.uuid)
                job.set_started()
                job.store()
                with cr.savepoint():
                    job.perform()
                job.set_done()
                job.store()
                env.flush_all()
                cr.commit()
                # what the runner does after a job: enqueue the dependents
                job.enqueue_waiting()
                cr.commit()
    else:
        with reg.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            run = env["utility.billing.run"].browse(run_id)
            ids = run._get_scope_contracts().ids
            for index in range(0, len(ids), batch):
                run._run_batch(ids[index : index + batch])
                cr.commit()
                if mode == "invalidate":
                    env.invalidate_all()
    seconds = time.perf_counter() - start
    with reg.cursor() as cr:
        cr.execute("SELECT COUNT(*) FROM account_move WHERE utility_billing_run_id = %s", [run_id])
        bills = cr.fetchone()[0]
    print(
        json.dumps(
            {
                "bills": bills,
                "seconds": seconds,
                "rss_base_kb": base_kb,
                "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def measure(db, size, mode, batch=500):
    """Peak RSS (KB) of a subprocess billing ``size`` new contracts."""
    run_id = billing_run_fixture(db, size, "M", batch)
    output = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", db, str(run_id), mode, str(batch)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def bench_memory(db=DB, size=500, factor=10, modes=("jobs", "loop"), batch=500):
    """Peak RSS of the billing run at ``size`` and ``size * factor`` contracts
    for each of ``modes``. Returns a dict of figures."""
    figures = {}
    for mode in modes:
        small = measure(db, size, mode, batch)
        large = measure(db, size * factor, mode, batch)
        ratio = large["rss_peak_kb"] / small["rss_peak_kb"]
        figures[mode] = {
            "n": size,
            "n_bills": small["bills"],
            "n_seconds": round(small["seconds"], 1),
            "n_rss_base_mb": round(small["rss_base_kb"] / 1024, 1),
            "n_rss_peak_mb": round(small["rss_peak_kb"] / 1024, 1),
            "10n": size * factor,
            "10n_bills": large["bills"],
            "10n_seconds": round(large["seconds"], 1),
            "10n_rss_peak_mb": round(large["rss_peak_kb"] / 1024, 1),
            "ratio": round(ratio, 2),
            "target_met": ratio <= 1.5,
        }
        print(f"  {mode}: {figures[mode]}", flush=True)
    return figures


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _db, run_id, mode, batch = sys.argv[2:6]
        _child(_db, int(run_id), mode, int(batch))
        return
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    modes = tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else ("jobs", "loop")
    print(f"Billing run peak RSS at N={size} and 10N (subprocess ru_maxrss)", flush=True)
    bench_memory(size=size, modes=modes)


if __name__ == "__main__":
    main()
