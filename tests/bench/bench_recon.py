#!/usr/bin/env python3
"""A biller's next-day reconciliation file of N lines, imported and compared.

``bench_recon(env, cr, size, tag)`` needs a committed database with the
add-ons installed. Setup (untimed): a biller with one outlet and its
journal, 1,000 customers, and the biller's API payments of one trade date
inserted by bulk SQL (the comparison reads payments only, not their
entries): every line of the file but the last 1% has its payment, of which
1 in 200 with another amount and 1 in 500 with another customer; plus 0.5%
of payments the file does not list. The measured step is the accountant's
Import button on the file (``action_import``: read, check the count-and-total
line, compare, create the lines and the differences), committed. It checks
the file total = matched + booked from file + kept.

Standalone: ``python3 tests/bench/bench_recon.py [size]`` builds (once) and
uses the database ``BENCH_DB`` (default ``h8b_bench``), no demo data.
"""

import base64
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

CUSTOMERS = 1000
TRADE_DATE = "2025-03-01"


def _biller(env, tag):
    outlet = env["utility.collection.point"].create(
        {"name": f"Bench life payment {tag}", "code": f"BL{tag}", "kind": "agency"}
    )
    partner = env["res.partner"].create({"name": f"Bench biller {tag}", "is_company": True})
    return env["utility.agency"].create(
        {
            "name": f"Bench biller {tag}",
            "code": f"BL{tag}",
            "kind": "biller",
            "partner_id": partner.id,
            "outlet_ids": [(6, 0, outlet.ids)],
            "file_delimiter": "bar",
            "file_summary_layout": '{"count": 2, "total": 3, "trade_date": 4}',
        }
    )


def _customers(env, tag):
    partners = env["res.partner"].create(
        [
            {"name": f"Bench payer {tag} {index}", "utility_customer_number": f"R{tag}{index:05d}"}
            for index in range(CUSTOMERS)
        ]
    )
    return [(partner.id, partner.utility_customer_number) for partner in partners]


def _api_payments(env, biller, rows):
    """Insert the API payments ``(txn id, partner id, amount)`` in one
    statement per 10,000, as the terminal API would have left them (posted
    state, trade date, transaction key, the biller's journal)."""
    cr = env.cr
    journal = biller.journal_id
    scope = biller._utility_txn_scope()
    company = biller.company_id
    for start in range(0, len(rows), 10000):
        chunk = rows[start : start + 10000]
        values = [
            (
                journal.id,
                company.id,
                company.currency_id.id,
                partner_id,
                amount,
                txn_id,
                f"{scope}:{txn_id}",
                TRADE_DATE,
            )
            for txn_id, partner_id, amount in chunk
        ]
        _execute_values(cr, values)


def _execute_values(cr, values):
    from psycopg2.extras import execute_values

    execute_values(
        cr._obj,
        """
        INSERT INTO account_payment (journal_id, company_id, currency_id, partner_id, amount,
            utility_external_txn_id, utility_txn_key, utility_trade_date, state,
            payment_type, partner_type, date, create_date, write_date)
        SELECT v.journal_id, v.company_id, v.currency_id, v.partner_id, v.amount::numeric,
               v.txn, v.txn_key, v.trade_date::date, 'in_process', 'inbound', 'customer',
               v.trade_date::date, now(), now()
          FROM (VALUES %s) AS v(journal_id, company_id, currency_id, partner_id, amount,
                                txn, txn_key, trade_date)
        """,
        values,
        page_size=10000,
    )


def bench_recon(env, cr, size, tag):
    """Rows ``(step, records, seconds)`` of the import of a file of ``size``
    lines, and the reconciliation's figures (a dict)."""
    tag = f"R{tag}"
    biller = _biller(env, tag)
    customers = _customers(env, tag)
    cr.commit()
    file_rows, payments = [], []
    file_only = max(1, size // 100)
    for index in range(size):
        partner_id, number = customers[index % CUSTOMERS]
        amount = 50 + index % 250 + (index % 100) / 100
        txn = f"{tag}-{index:07d}"
        file_rows.append(f"{txn}|{number}|{amount:.2f}|{TRADE_DATE} 09:{index % 60:02d}:00")
        if index >= size - file_only:
            continue
        if index % 200 == 7:
            amount += 1  # the API booked another amount
        if index % 500 == 11:
            partner_id = customers[(index + 1) % CUSTOMERS][0]  # another customer
        payments.append((txn, partner_id, amount))
    here_only = max(1, size // 200)
    payments += [
        (f"{tag}-H{index:06d}", customers[index % CUSTOMERS][0], 20.0) for index in range(here_only)
    ]
    _api_payments(env, biller, payments)
    env.invalidate_all()
    cr.commit()
    total = sum(float(row.split("|")[2]) for row in file_rows)
    text = "\n".join(
        ["txn_id|customer_number|amount|paid_at", *file_rows, f"合计|{size}|{total:.2f}|20250301"]
    )
    recon = env["utility.agency.import"].create(
        {
            "agency_id": biller.id,
            "file": base64.b64encode(text.encode()),
            "filename": f"bench_{tag}.csv",
        }
    )
    cr.commit()
    env.invalidate_all()
    queries = cr.sql_log_count
    start = time.perf_counter()
    recon.action_import()
    cr.commit()
    seconds = time.perf_counter() - start
    queries = cr.sql_log_count - queries
    env.invalidate_all()
    balanced = not recon.currency_id.compare_amounts(
        recon.file_total,
        recon.recon_matched_total + recon.recon_booked_total + recon.recon_kept_total,
    )
    figures = {
        "lines": recon.file_count,
        "matched": recon.recon_matched_count,
        "kept": recon.recon_kept_count,
        "here_only": recon.recon_here_only_count,
        "differences": recon.difference_count,
        "balanced": balanced and recon.recon_balanced,
        "queries": queries,
    }
    if recon.file_count != size or not figures["balanced"]:
        raise RuntimeError(f"reconciliation of {size} lines is wrong: {figures}")
    return [("biller reconciliation file: import + compare", size, seconds)], figures


def main():
    import bench_common

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    with bench_common.environment() as env:
        rows, figures = bench_recon(env, env.cr, size, time.strftime("%H%M%S"))
    for step, records, seconds in rows:
        print(f"{step:60} {records:7} {seconds:8.1f}s {records / seconds:8.1f}/s")
    print(figures)


if __name__ == "__main__":
    main()
