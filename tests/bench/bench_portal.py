#!/usr/bin/env python3
"""Portal bill list of a customer with 10 years of monthly bills (issue 8).

Benchmark fixture data: one customer is billed by the real billing run, and
that bill is copied in SQL into the 119 earlier months (same customer,
contract and journal items, billing period and dates shifted one month at a
time, numbers of a benchmark sale journal), two thirds of them left open.
A portal user of that customer logs in on an Odoo subprocess (2 workers)
and requests the bill list ``/my/invoices`` (80 bills a page, Odoo's portal
page size), the second page, and the contract page (last bills, chart).

Reported per page: server time (SQL + Python time of the request as Odoo
logs it, median of ``repeat`` requests after a warm-up), client time on
loopback and SQL query count. Target: bill list under 300 ms server time.

Run alone: ``python3 tests/bench/bench_portal.py [repeat]``.
"""

import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_arrears import _columns, _insert_copy
from bench_common import (
    DB,
    PORT,
    bill_dataset,
    environment,
    print_rows,
    start_server,
    stop_server,
    unique_tag,
)

MONTHS = 120
PASSWORD = "bench-portal-password"
# werkzeug request line with Odoo's performance info: queries, SQL s, rest s
LOG_LINE = re.compile(
    r'"(?:GET|POST) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) - '
    r"(?P<q>\d+) (?P<sql>[\d.]+) (?P<py>[\d.]+)"
)


def make_customer_history(env, tag, months=MONTHS):
    """A portal customer with ``months`` monthly bills (fixture, see the
    module docstring). Returns ``(login, contract_id)``."""
    contracts, bills = bill_dataset(env, 1, tag)
    seed = bills[:1]
    journal = env["account.journal"].create(
        {"name": f"Bench portal {tag}", "code": f"P{tag[-4:]}", "type": "sale"}
    )
    env.cr.commit()
    cr = env.cr
    cr.execute("DROP TABLE IF EXISTS h8b_portal_map")
    cr.execute(
        """
        CREATE TEMP TABLE h8b_portal_map AS
        SELECT g, %s AS seed_id, nextval('account_move_id_seq') AS move_id,
               (g * interval '1 month') AS shift
          FROM generate_series(1, %s) g
        """,
        [seed.id, months - 1],
    )
    params = {"code": journal.code, "journal": journal.id}
    shifted = "(s.%s - m.shift)::date"
    move_over = {
        "id": "m.move_id",
        "name": "%(code)s || '/' || lpad(m.g::text, 5, '0')",
        "sequence_prefix": "%(code)s || '/'",
        "sequence_number": "m.g",
        "journal_id": "%(journal)s",
        "payment_reference": "%(code)s || '/' || lpad(m.g::text, 5, '0')",
        "invoice_date": shifted % "invoice_date",
        "date": shifted % "date",
        "invoice_date_due": shifted % "invoice_date_due",
        "utility_period_start": shifted % "utility_period_start",
        "utility_period_end": shifted % "utility_period_end",
        "utility_billing_run_id": "NULL",
        "inalterable_hash": "NULL",
        "secure_sequence_number": "NULL",
        "access_token": "NULL",
        # one bill in three paid (no residual), the rest open
        "amount_residual": "CASE WHEN m.g %% 3 = 0 THEN 0 ELSE s.amount_residual END",
        "amount_residual_signed": (
            "CASE WHEN m.g %% 3 = 0 THEN 0 ELSE s.amount_residual_signed END"
        ),
        "payment_state": "CASE WHEN m.g %% 3 = 0 THEN 'paid' ELSE s.payment_state END",
    }
    columns = set(_columns(cr, "account_move"))
    move_over = {k: v for k, v in move_over.items() if k in columns}
    _insert_copy(
        cr,
        "account_move",
        "s",
        move_over,
        "FROM h8b_portal_map m JOIN account_move s ON s.id = m.seed_id",
        params,
    )
    line_over = {
        "id": "nextval('account_move_line_id_seq')",
        "move_id": "m.move_id",
        "move_name": "%(code)s || '/' || lpad(m.g::text, 5, '0')",
        "journal_id": "%(journal)s",
        "date": shifted.replace("s.", "l.") % "date",
        "invoice_date": shifted.replace("s.", "l.") % "invoice_date",
        "date_maturity": shifted.replace("s.", "l.") % "date_maturity",
        "amount_residual": "CASE WHEN m.g %% 3 = 0 THEN 0 ELSE l.amount_residual END",
        "amount_residual_currency": (
            "CASE WHEN m.g %% 3 = 0 THEN 0 ELSE l.amount_residual_currency END"
        ),
        "full_reconcile_id": "NULL",
        "matching_number": "NULL",
    }
    line_columns = set(_columns(cr, "account_move_line"))
    line_over = {k: v for k, v in line_over.items() if k in line_columns}
    _insert_copy(
        cr,
        "account_move_line",
        "l",
        line_over,
        "FROM h8b_portal_map m JOIN account_move s ON s.id = m.seed_id "
        "JOIN account_move_line l ON l.move_id = s.id",
        params,
    )
    cr.execute("DROP TABLE h8b_portal_map")
    env.invalidate_all()
    partner = seed.partner_id
    login = f"portal-{tag}@bench.example"
    env["res.users"].with_context(no_reset_password=True).create(
        {
            "name": partner.name,
            "login": login,
            "password": PASSWORD,
            "partner_id": partner.id,
            "group_ids": [(6, 0, [env.ref("base.group_portal").id])],
        }
    )
    env.cr.commit()
    return login, contracts.id


def _login(port, db, login):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"db": db, "login": login, "password": PASSWORD},
        }
    )
    conn.request("POST", "/web/session/authenticate", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = json.loads(response.read())
    if payload.get("error"):
        raise RuntimeError(payload["error"])
    cookie = response.getheader("Set-Cookie", "")
    session = re.search(r"session_id=([^;]+)", cookie).group(1)
    return conn, {"Cookie": f"session_id={session}"}


def bench_portal(db=DB, repeat=7, port=PORT):
    """Server time of the portal pages of a customer with 120 bills.
    Returns rows ``(step, records, seconds)`` (seconds: median server time)
    and prints the client time and query count next to them."""
    tag = unique_tag("P")
    with environment(db) as env:
        login, contract_id = make_customer_history(env, tag)
    pages = [
        ("portal bill list /my/invoices (80 of 120 bills)", "/my/invoices", 80),
        ("portal bill list page 2 (40 of 120 bills)", "/my/invoices/page/2", 40),
        (
            "portal contract page (last bills, chart)",
            f"/my/utility/contracts/{contract_id}",
            6,
        ),
    ]
    log_fd, log_path = tempfile.mkstemp(prefix="h8b_portal_", suffix=".log")
    os.close(log_fd)
    server = start_server(
        db,
        port=port,
        workers=2,
        # no job runner (queue_job not server-wide): only requests are measured
        extra=("--load", "base,web", "--log-handler", "werkzeug:INFO"),
        log_path=log_path,
    )
    client = {}
    try:
        conn, headers = _login(port, db, login)
        for _label, path, _count in pages:
            times = []
            for index in range(repeat + 1):
                start = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
                if index:  # the first request warms the worker up
                    times.append(time.perf_counter() - start)
            client[path] = times
        conn.close()
        time.sleep(0.5)  # let the server flush its log
    finally:
        stop_server(server)
    server_times = {}
    queries = {}
    with open(log_path, encoding="utf-8") as fh:
        for line in fh:
            match = LOG_LINE.search(line)
            if match:
                path = match["path"]
                server_times.setdefault(path, []).append(float(match["sql"]) + float(match["py"]))
                queries.setdefault(path, []).append(int(match["q"]))
    os.unlink(log_path)
    rows = []
    for label, path, count in pages:
        measured = server_times.get(path, [])[1:]  # warm-up left out
        seconds = statistics.median(measured) if measured else statistics.median(client[path])
        rows.append((label, count, seconds))
        print(
            f"  {path}: server median {seconds * 1000:.0f} ms, client median "
            f"{statistics.median(client[path]) * 1000:.0f} ms, "
            f"queries {statistics.median(queries.get(path, [0])):.0f}"
        )
    return rows


def main():
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    print_rows(
        "Portal pages, customer with 120 monthly bills (median)", bench_portal(repeat=repeat)
    )


if __name__ == "__main__":
    main()
