#!/usr/bin/env python3
"""Dunning run and ageing/KPI queries over N overdue bills (issue 8).

Benchmark fixture data: billing 100,000 contracts through the billing run
takes about an hour on these machines, so the overdue bills are made fast.
A few seed contracts are billed by the real billing run; each of the N
overdue bills is then a copy of a seed bill made in SQL (``INSERT ...
SELECT`` over ``generate_series``): a new customer (copy of the seed's
partner with its own customer number and phone), a posted customer invoice
in a benchmark sale journal with gapless numbers of its own, and copies of
the seed bill's journal items, so each copy is balanced, open (residual =
total) and due 4 to 400 days ago. The copies carry the seed's station and
category but no contract, meter or readings (they are not real billing
results; the one-bill-per-period index does not apply to them). This is
enough for the dunning run, the arrears refresh and the reporting views,
which read posted open customer invoices and their receivable items.

Measured, each step committed as in production:

* dunning run preview (actions chosen per bill),
* dunning run start (arrears refresh of every customer + jobs enqueued),
* the run's queue_job jobs performed one after the other as one worker
  would (SMS queued, activities scheduled, TV notices, ...),
* the ageing view (every customer, and grouped by station and category),
* the collection KPI and recovery views grouped by month.

Target: the dunning run and ageing over 100,000 bills under 60 s.

Overdue copies of earlier runs on the same database are cancelled first
(fixture data too), so each run measures its own N bills, all dunned for
the first time: on the regulated residential policy that is a phone call
for the bills over 20 days overdue, a TV notice or an SMS for the others.

Run alone: ``python3 tests/bench/bench_arrears.py [N] [jobs_budget_s]``
(default 2000, no budget: every job performed). The last line gives the
target figure for 100,000 bills: measured when N is 100,000 (the fixture
takes one to two minutes then), else extrapolated linearly from N.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_common import (
    DB,
    bill_dataset,
    environment,
    print_rows,
    unique_tag,
)

SEEDS = 20


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def _insert_copy(cr, table, source_alias, overrides, from_sql, params):
    """``INSERT INTO table (cols) SELECT <source_alias>.col or override``."""
    columns = _columns(cr, table)
    select = [overrides.get(col, f"{source_alias}.{col}") for col in columns]
    cr.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(select)} {from_sql}",
        params,
    )
    return cr.rowcount


def retire_previous_copies(cr):
    """Cancel the overdue copies of earlier runs on the same database (and
    clear their customers' arrears) so that each run measures its own N
    bills only: left open, they would be dunned again (with the next level,
    e.g. disconnection notices) and counted by the ageing views."""
    cr.execute(
        """
        UPDATE account_move m
           SET state = 'cancel'
          FROM account_journal j
         WHERE j.id = m.journal_id
           AND j.type = 'sale'
           AND j.name->>'en_US' LIKE 'Bench overdue %%'
           AND m.state = 'posted'
     RETURNING m.id, m.partner_id
        """
    )
    rows = cr.fetchall()
    if rows:
        cr.execute(
            "UPDATE account_move_line SET parent_state = 'cancel' WHERE move_id = ANY(%s)",
            [[row[0] for row in rows]],
        )
        cr.execute(
            "UPDATE res_partner SET utility_amount_overdue = 0, utility_oldest_due_date = NULL "
            "WHERE id = ANY(%s)",
            [list({row[1] for row in rows})],
        )
    return len(rows)


def make_overdue_bills(env, size, tag):
    """``size`` open overdue bills (benchmark fixture data, see the module
    docstring). Returns the number of bills made."""
    retire_previous_copies(env.cr)
    env.cr.commit()
    _contracts, seeds = bill_dataset(env, SEEDS, tag)
    journal = env["account.journal"].create(
        {"name": f"Bench overdue {tag}", "code": f"O{tag[-4:]}", "type": "sale"}
    )
    env.cr.commit()
    cr = env.cr
    cr.execute("DROP TABLE IF EXISTS h8b_overdue_map")
    # one row per copy: seed bill, new partner id, new move id, due date
    cr.execute(
        """
        CREATE TEMP TABLE h8b_overdue_map AS
        SELECT g,
               seeds.ids[1 + (g %% array_length(seeds.ids, 1))] AS seed_id,
               nextval('res_partner_id_seq') AS partner_id,
               nextval('account_move_id_seq') AS move_id,
               (CURRENT_DATE - (4 + (g * 7) %% 397))::date AS due_date
          FROM generate_series(1, %s) g,
               (SELECT %s::int[] AS ids) seeds
        """,
        [size, seeds.ids],
    )
    cr.execute("CREATE INDEX ON h8b_overdue_map (seed_id)")
    # customers: copies of the seed bill's customer
    _insert_copy(
        cr,
        "res_partner",
        "p",
        {
            "id": "m.partner_id",
            "name": "'Overdue ' || %(tag)s || '-' || m.g",
            "complete_name": "'Overdue ' || %(tag)s || '-' || m.g",
            "commercial_partner_id": "m.partner_id",
            "utility_customer_number": "%(tag)s || 'X' || lpad(m.g::text, 7, '0')",
            "phone": "'+86 138 ' || lpad(m.g::text, 8, '0')",
            "phone_sanitized": "'+86138' || lpad(m.g::text, 8, '0')",
            "email": "NULL",
            "utility_amount_overdue": "0",
            "utility_oldest_due_date": "NULL",
            "utility_arrears_changed_at": "NULL",
            "create_date": "now() at time zone 'utc'",
            "write_date": "now() at time zone 'utc'",
        },
        "FROM h8b_overdue_map m JOIN account_move s ON s.id = m.seed_id "
        "JOIN res_partner p ON p.id = s.partner_id",
        {"tag": tag},
    )
    move_over = {
        "id": "m.move_id",
        "name": "%(code)s || '/' || lpad(m.g::text, 7, '0')",
        "sequence_prefix": "%(code)s || '/'",
        "sequence_number": "m.g",
        "journal_id": "%(journal)s",
        "partner_id": "m.partner_id",
        "commercial_partner_id": "m.partner_id",
        "partner_shipping_id": "m.partner_id",
        "invoice_date": "m.due_date - (s.invoice_date_due - s.invoice_date)",
        "date": "m.due_date - (s.invoice_date_due - s.invoice_date)",
        "invoice_date_due": "m.due_date",
        "payment_reference": "%(code)s || '/' || lpad(m.g::text, 7, '0')",
        "invoice_partner_display_name": "'Overdue ' || %(tag)s || '-' || m.g",
        "utility_contract_id": "NULL",
        "utility_service_point_id": "NULL",
        "utility_meter_id": "NULL",
        "utility_billing_run_id": "NULL",
        "utility_period_start": "NULL",
        "utility_period_end": "NULL",
        "inalterable_hash": "NULL",
        "secure_sequence_number": "NULL",
        "access_token": "NULL",
        "create_date": "now() at time zone 'utc'",
        "write_date": "now() at time zone 'utc'",
    }
    columns = set(_columns(cr, "account_move"))
    move_over = {k: v for k, v in move_over.items() if k in columns}
    params = {"tag": tag, "code": journal.code, "journal": journal.id}
    count = _insert_copy(
        cr,
        "account_move",
        "s",
        move_over,
        "FROM h8b_overdue_map m JOIN account_move s ON s.id = m.seed_id",
        params,
    )
    line_over = {
        "id": "nextval('account_move_line_id_seq')",
        "move_id": "m.move_id",
        "move_name": "%(code)s || '/' || lpad(m.g::text, 7, '0')",
        "journal_id": "%(journal)s",
        "partner_id": "m.partner_id",
        "date": "m.due_date - (s.invoice_date_due - s.invoice_date)",
        "invoice_date": "m.due_date - (s.invoice_date_due - s.invoice_date)",
        "date_maturity": "CASE WHEN l.date_maturity IS NULL THEN NULL ELSE m.due_date END",
        "full_reconcile_id": "NULL",
        "matching_number": "NULL",
        "create_date": "now() at time zone 'utc'",
        "write_date": "now() at time zone 'utc'",
    }
    line_columns = set(_columns(cr, "account_move_line"))
    line_over = {k: v for k, v in line_over.items() if k in line_columns}
    _insert_copy(
        cr,
        "account_move_line",
        "l",
        line_over,
        "FROM h8b_overdue_map m JOIN account_move s ON s.id = m.seed_id "
        "JOIN account_move_line l ON l.move_id = s.id",
        params,
    )
    cr.execute("DROP TABLE h8b_overdue_map")
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE account_move")
    cr.execute("ANALYZE account_move_line")
    env.invalidate_all()
    env.registry.clear_cache()
    cr.commit()
    return count


def _perform_jobs(env, model, record_ids, budget=None):
    """Perform the pending queue_job jobs of ``model`` on ``record_ids`` one
    after the other, each committed, as the job runner's worker does; stop
    after ``budget`` seconds when given. Returns the jobs performed."""
    from odoo.addons.queue_job.job import Job

    jobs = env["queue.job"].search(
        [("model_name", "=", model), ("state", "in", ("pending", "enqueued"))], order="id"
    )
    count = 0
    start = time.perf_counter()
    for record in jobs:
        if budget is not None and time.perf_counter() - start > budget:
            break
        if not set(record.records.ids) & set(record_ids):
            continue
        job = Job.load(env, record.uuid)
        job.set_started()
        job.store()
        with env.cr.savepoint():
            job.perform()
        job.set_done()
        job.store()
        env.flush_all()
        env.cr.commit()
        count += 1
    return count


def bench_arrears(db=DB, size=2000, jobs_budget=None):
    """Dunning run and ageing/KPI over ``size`` overdue bills.
    Returns rows ``(step, records, seconds)``. With ``jobs_budget`` (seconds)
    the run's jobs are performed for that long only, and the time for all
    of them is extrapolated from the actions done (row marked so)."""
    rows = []
    tag = unique_tag("D")
    with environment(db) as env:
        start = time.perf_counter()
        made = make_overdue_bills(env, size, tag)
        rows.append(("fixture: overdue bills copied in SQL", made, time.perf_counter() - start))
        overdue = env["account.move"].search_count(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("amount_residual", ">", 0),
                ("invoice_date_due", "<", time.strftime("%Y-%m-%d")),
            ]
        )

        run = env["utility.dunning.run"].create({"company_id": env.company.id})
        env.cr.commit()
        start = time.perf_counter()
        run.action_preview()
        env.cr.commit()
        preview_s = time.perf_counter() - start
        actions = len(run.action_ids)
        rows.append(("dunning run: preview (actions chosen)", overdue, preview_s))

        start = time.perf_counter()
        run.action_run()
        env.cr.commit()
        start_s = time.perf_counter() - start
        rows.append(("dunning run: start (arrears refresh, jobs enqueued)", overdue, start_s))

        start = time.perf_counter()
        _perform_jobs(env, "utility.dunning.run", run.ids, budget=jobs_budget)
        jobs_s = time.perf_counter() - start
        env.invalidate_all()
        done = env["utility.dunning.action"].search_count(
            [("run_id", "=", run.id), ("state", "!=", "draft")]
        )
        rows.append((f"dunning run: actions carried out (jobs), of {actions}", done, jobs_s))
        label = "dunning run total (preview + start + jobs)"
        if done < actions:
            jobs_s = jobs_s * actions / max(done, 1)
            label += f", jobs extrapolated from {done} actions"
        rows.append((label, overdue, preview_s + start_s + jobs_s))

        ageing = env["utility.arrears.ageing"]
        start = time.perf_counter()
        env.cr.execute("SELECT * FROM utility_arrears_ageing")
        customers = len(env.cr.fetchall())
        rows.append(("ageing view: every customer", customers, time.perf_counter() - start))
        start = time.perf_counter()
        groups = ageing._read_group(
            [],
            ["station_id", "category"],
            [
                "amount_0_30:sum",
                "amount_31_60:sum",
                "amount_61_90:sum",
                "amount_over_90:sum",
                "amount_earlier_years:sum",
                "amount_overdue:sum",
            ],
        )
        rows.append(
            ("ageing buckets by station and category", len(groups), time.perf_counter() - start)
        )
        start = time.perf_counter()
        groups = env["utility.collection.kpi"]._read_group(
            [], ["month:month"], ["amount_billed:sum", "amount_collected:sum", "recovery_rate:avg"]
        )
        rows.append(("collection KPI by month", len(groups), time.perf_counter() - start))
        start = time.perf_counter()
        groups = env["utility.collection.recovery"]._read_group(
            [],
            ["bill_month:month", "station_id"],
            ["amount_billed:sum", "amount_collected:sum", "recovery_rate:avg"],
        )
        rows.append(
            ("recovery view by month and station", len(groups), time.perf_counter() - start)
        )
        env.cr.commit()
    return rows


def per_100k(total_row, ageing_rows):
    """The target figure: dunning run total plus the ageing queries, for
    100,000 overdue bills: measured when the run had at least 100,000 bills,
    else extrapolated linearly from its size (which overstates the fixed
    costs and understates the growing ones). Returns ``(seconds, basis)``."""
    _step, bills, seconds = total_row
    seconds += sum(row[2] for row in ageing_rows)
    if bills >= 100_000:
        return seconds, f"measured at {bills}"
    return seconds * 100_000 / max(bills, 1), f"linear from {bills}"


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else None
    rows = bench_arrears(size=size, jobs_budget=budget)
    print_rows(f"Dunning and ageing over {size} overdue bills", rows)
    total = next(row for row in rows if row[0].startswith("dunning run total"))
    seconds, basis = per_100k(total, [row for row in rows if row[0].startswith("ageing")])
    print(f"\nDunning run + ageing over 100,000 overdue bills ({basis}): {seconds:.1f} s")


if __name__ == "__main__":
    main()
