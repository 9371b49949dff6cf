"""A queue_job worker for a few records, in a process of its own.

Used by the crash-safety scenarios, which SIGKILL this process in the middle
of its work. It performs the jobs of the records given (``--record
model,id``, several allowed, taken in turn: one job of each, then the next
one of each...) the way queue_job's runner does: each job is set started
and committed, then performed and set done in one transaction, and the jobs
waiting on it are enqueued.

Usage::

    python3 job_worker.py --record utility.billing.run,7 --record utility.dunning.run,3 \
        [--company-id 3] [--context "{...}"] -- -d DB --addons-path=... [odoo options]
"""

import argparse
import ast
import sys


def _job_like(model, res_id):
    return f"{model}({res_id},)._%"


def requeue_dead_jobs(cr, records):
    """What queue_job's runner does with the jobs of a dead worker: jobs
    enqueued or started but no longer locked by anyone are set pending."""
    for model, res_id in records:
        cr.execute(
            """UPDATE queue_job SET state = 'pending'
                WHERE state IN ('enqueued', 'started') AND func_string LIKE %s
                  AND uuid IN (SELECT uuid FROM queue_job WHERE func_string LIKE %s
                                  FOR NO KEY UPDATE SKIP LOCKED)""",
            [_job_like(model, res_id), _job_like(model, res_id)],
        )


def run_jobs(env, records, commit=True):
    """Perform the pending jobs of ``records`` (``[(model, id)]``), one job
    of each record in turn, one transaction per job, until none is left.

    :returns: the number of jobs performed
    """
    from odoo.addons.queue_job.controllers.main import RunJobController

    cr = env.cr
    performed = 0
    while True:
        progressed = False
        for model, res_id in records:
            cr.execute(
                """SELECT uuid FROM queue_job
                    WHERE state = 'pending' AND func_string LIKE %s
                      AND (eta IS NULL OR eta <= now() AT TIME ZONE 'UTC')
                    ORDER BY id LIMIT 1""",
                [_job_like(model, res_id)],
            )
            row = cr.fetchone()
            if not row:
                continue
            cr.execute(
                "UPDATE queue_job SET state = 'enqueued', date_enqueued = now() "
                "AT TIME ZONE 'UTC' WHERE uuid = %s",
                row,
            )
            cr.commit()  # pylint: disable=invalid-commit
            env.invalidate_all()
            job = RunJobController._acquire_job(env, row[0])
            if job is None:
                raise RuntimeError(f"job {row[0]} could not be acquired")
            RunJobController._runjob(env, job)
            if commit:
                cr.commit()  # pylint: disable=invalid-commit
            performed += 1
            progressed = True
        if not progressed:
            return performed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", action="append", required=True, help="model,id")
    parser.add_argument("--company-id", type=int)
    parser.add_argument("--context", default="{}")
    parser.add_argument("odoo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    odoo_args = [arg for arg in args.odoo_args if arg != "--"]
    records = []
    for spec in args.record:
        model, res_id = spec.split(",")
        records.append((model, int(res_id)))

    # imported after parsing the arguments: slow
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(odoo_args, setup_logging=True)
    registry = Registry(config["db_name"][0])
    context = ast.literal_eval(args.context)
    if args.company_id:
        context["allowed_company_ids"] = [args.company_id]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, context)
        run_jobs(env, records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
