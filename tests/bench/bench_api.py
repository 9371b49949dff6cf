#!/usr/bin/env python3
"""Terminal API under concurrent clients (issue 8).

Bills ``customers`` contracts through the billing run, gives 8 terminals a
key, starts Odoo as a subprocess with 2 HTTP worker processes (no cron) and
lets ``clients`` threads (a new connection per request) do what a
self-service terminal does for each customer: query the open bills
(``GET /utility/api/v1/customers/<number>/bills``) and pay what is due
(``POST /utility/api/v1/payments``). A share of the payments is sent twice
with the same ``terminal_txn_id`` at the same moment (both copies queued
next to each other, so two clients send them together), as a terminal
retrying after a time-out does.

Two loads are measured. With ``pause`` (the latency targets) each client
is a terminal serving customers: after every answer it waits a random 0.5
to 1.5 times ``pause`` seconds (the customer reads the bills, inserts the
money), so 8 terminals keep the 2 workers busy part of the time, as a
hall full of terminals does. Without pause (``pause=0``, the stress run)
the 8 clients send their next request as soon as the previous one is
answered: the workers are always busy, every request queues behind the
others, and the figures show the throughput ceiling and the queueing, not
the time one request takes.

Reported: requests per second, p50/p95/p99 latency of queries and payments
as the clients see it (queueing for a free worker included: 8 clients share
2 workers) and p50/p95 server time (SQL + Python, from Odoo's request log),
errors (any answer other than 2xx; a duplicate must be answered 200 with
``duplicate: true``), and duplicate bookings counted in the database (each
transaction id must have exactly one payment). Targets: query p95 < 100 ms,
payment p95 < 500 ms, zero errors, zero duplicate bookings.

Run alone: ``python3 tests/bench/bench_api.py [customers] [pause]`` (env
``BENCH_DB``, ``BENCH_PORT``).
"""

import http.client
import json
import os
import queue
import random
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_common import (
    DB,
    PORT,
    bill_dataset,
    environment,
    percentile,
    print_figures,
    start_server,
    stop_server,
    unique_tag,
)

API = "/utility/api/v1"
# werkzeug request line with Odoo's performance info: queries, SQL s, rest s
LOG_LINE = re.compile(
    r'"(?:GET|POST) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) - '
    r"(?P<q>\d+) (?P<sql>[\d.]+) (?P<py>[\d.]+)"
)


def _setup(db, customers, terminals, tag, signed=False):
    """Billed customers and ``terminals`` keyed terminals; returns
    ``(keys, [(customer_number, amount_due)], terminal_ids, secrets_by_key)``.
    With ``signed``, the terminals are a biller's requiring signed requests,
    each with its signing secret (``secrets_by_key``)."""
    import secrets

    with environment(db) as env:
        from odoo.addons.utility_payment_channels.models.utility_payment_terminal import (
            hash_terminal_key,
        )

        _contracts, bills = bill_dataset(env, customers, tag)
        journal = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", env.company.id)], limit=1
        )
        point = env["utility.collection.point"].create(
            {
                "name": f"Bench ATM {tag}",
                "code": f"ATM{tag}",
                "kind": "agency" if signed else "terminal",
                "journal_id": journal.id,
            }
        )
        if signed:
            # a biller (Alipay-like) whose terminals sign every request
            biller = env["utility.agency"].create(
                {
                    "name": f"Bench biller {tag}",
                    "code": f"B{tag}",
                    "kind": "biller",
                    "partner_id": env["res.partner"].create({"name": f"Biller {tag}"}).id,
                    "outlet_ids": [(6, 0, point.ids)],
                    "signature_required": True,
                    "bank_journal_id": journal.id,
                }
            )
            biller.action_create_journal()
        records = env["utility.payment.terminal"].create(
            [
                {"name": f"Bench ATM {tag}-{i}", "collection_point_id": point.id}
                for i in range(terminals)
            ]
        )
        keys = [secrets.token_urlsafe(32) for _record in records]
        for record, key in zip(records, keys, strict=True):
            # what action_generate_key stores (the key itself is never stored)
            with record._utility_protected_write():
                record.write({"key_hash": hash_terminal_key(key)})
        secrets_by_key = {}
        if signed:
            for record, key in zip(records, keys, strict=True):
                secrets_by_key[key] = secrets.token_urlsafe(32)
                record._utility_set_signing_secret(secrets_by_key[key])
        work = [(bill.partner_id.utility_customer_number, bill.amount_residual) for bill in bills]
        env.cr.commit()
        return keys, work, records.ids, secrets_by_key


def _tasks(work, keys, tag, duplicate_every):
    """One query + payment per customer; every ``duplicate_every``-th payment
    is queued twice in a row (same terminal, same transaction id)."""
    tasks = []
    for index, (number, amount) in enumerate(work):
        key = keys[index % len(keys)]
        txn = f"{tag}-{index}"
        tasks.append(("query", key, number, None, None))
        tasks.append(("pay", key, number, amount, txn))
        if duplicate_every and index % duplicate_every == 0:
            tasks.append(("pay", key, number, amount, txn))
    # queries first in each customer's pair keep the flow of a real terminal;
    # the duplicate copy follows its original directly, so two clients take
    # them at the same moment
    return tasks


def _sign(headers, secret, method, path, body):
    """The signature headers of a biller's request (docs/ARCHITECTURE.md
    §7.1 "Signed requests")."""
    import secrets

    from odoo.addons.utility_payment_channels.tools import request_signature as rs

    timestamp, nonce = int(time.time()), secrets.token_hex(16)
    raw = body.encode() if body else b""
    headers[rs.TIMESTAMP_HEADER] = str(timestamp)
    headers[rs.NONCE_HEADER] = nonce
    headers[rs.SIGNATURE_HEADER] = rs.sign(secret, method, path, timestamp, nonce, raw)


def _client(port, tasks, results, pause=0.0, seed=0, secrets_by_key=None):
    """One client: a new connection per request, closed after the answer.
    Odoo's prefork HTTP worker serves one connection at a time and keeps a
    keep-alive connection until its 2 s socket time-out, so a client holding
    its connection open would block a worker (in production a reverse proxy
    sits in front of the workers). With ``pause``, waits 0.5 to 1.5 times
    ``pause`` seconds after each answer."""
    rng = random.Random(seed)
    while True:
        try:
            kind, key, number, amount, txn = tasks.get_nowait()
        except queue.Empty:
            break
        headers = {"Authorization": f"Bearer {key}", "Connection": "close"}
        if kind == "query":
            method, path, body = "GET", f"{API}/customers/{number}/bills", None
        else:
            method, path = "POST", f"{API}/payments"
            body = json.dumps({"customer_number": number, "amount": amount, "terminal_txn_id": txn})
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        if secrets_by_key:
            # signing is the client's work, measured as a biller sees it
            _sign(headers, secrets_by_key[key], method, path, body)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            status, payload = 0, str(error).encode()
        finally:
            conn.close()
        elapsed = time.perf_counter() - start
        results.append((kind, txn, status, elapsed, payload[:300]))
        if pause:
            time.sleep(rng.uniform(0.5, 1.5) * pause)


def bench_api(
    db=DB,
    customers=200,
    clients=8,
    workers=2,
    duplicate_every=5,
    port=PORT,
    log_path=None,
    pause=0.0,
    signed=False,
):
    """Terminal API under ``clients`` concurrent clients against Odoo with
    ``workers`` HTTP workers, each client waiting about ``pause`` seconds
    after each answer (0: none); with ``signed``, the clients are a
    biller's terminals signing every request. Returns a dict of figures."""
    tag = unique_tag("A")
    warm_up = workers * 2
    keys, work, _terminal_ids, secrets_by_key = _setup(
        db, customers + warm_up, clients, tag, signed
    )
    # customers kept for warming the workers up, not measured
    warm_work, work = work[:warm_up], work[warm_up:]
    tasks = queue.Queue()
    for task in _tasks(work, keys, tag, duplicate_every):
        tasks.put(task)
    total = tasks.qsize()
    own_log = not log_path
    if own_log:
        log_fd, log_path = tempfile.mkstemp(prefix="h8b_api_", suffix=".log")
        os.close(log_fd)
    server = start_server(
        db,
        port=port,
        workers=workers,
        # no job runner (queue_job not server-wide): only requests are measured
        extra=("--load", "base,web", "--log-handler", "werkzeug:INFO"),
        log_path=log_path,
    )
    results = []
    try:
        # warm-up, not measured: a long-running worker has its registry
        # loaded and its caches filled, a fresh one pays for both on its first
        # query and first payment; 2 clients per worker send one query and
        # one payment each, at the same time, so that every worker gets some
        warm_tasks = queue.Queue()
        for task in _tasks(warm_work, keys, f"{tag}w", 0):
            warm_tasks.put(task)
        warm_threads = [
            threading.Thread(target=_client, args=(port, warm_tasks, [], 0.0, 0, secrets_by_key))
            for _i in range(warm_up)
        ]
        for thread in warm_threads:
            thread.start()
        for thread in warm_threads:
            thread.join()
        threads = [
            threading.Thread(
                target=_client, args=(port, tasks, results, pause, index, secrets_by_key)
            )
            for index in range(clients)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
    finally:
        stop_server(server)

    server_times = {"query": [], "pay": []}
    # the warm-up requests, answered before the measured ones, come first
    skip = 2 * warm_up
    with open(log_path, encoding="utf-8") as fh:
        for line in fh:
            match = LOG_LINE.search(line)
            if match and skip and match["path"].startswith(API + "/"):
                skip -= 1
            elif match and match["path"].startswith(API + "/customers/"):
                server_times["query"].append(float(match["sql"]) + float(match["py"]))
            elif match and match["path"] == API + "/payments":
                server_times["pay"].append(float(match["sql"]) + float(match["py"]))
    if own_log:
        os.unlink(log_path)
    queries = [r[3] for r in results if r[0] == "query" and 200 <= r[2] < 300]
    payments = [r[3] for r in results if r[0] == "pay" and 200 <= r[2] < 300]
    errors = [r for r in results if not 200 <= r[2] < 300]
    duplicate_answers = sum(
        1 for r in results if r[0] == "pay" and r[2] == 200 and b'"duplicate": true' in r[4]
    )
    with environment(db) as env:
        env.cr.execute(
            "SELECT utility_txn_key, COUNT(*) FROM account_payment "
            "WHERE utility_txn_key LIKE %s GROUP BY utility_txn_key",
            # a terminal's scope, or its biller's (agency:<id>)
            [f"%:{tag}-%"],
        )
        counts = dict(env.cr.fetchall())
    txns_sent = {r[1] for r in results if r[0] == "pay"}
    txns_ok = {r[1] for r in results if r[0] == "pay" and 200 <= r[2] < 300}
    figures = {
        "customers": customers,
        "clients": clients,
        "signed": signed,
        "workers": workers,
        "pause_seconds": pause,
        "requests": len(results),
        "requests_expected": total,
        "seconds": round(wall, 3),
        "requests_per_second": round(len(results) / wall, 1) if wall else 0.0,
        "query_count": len(queries),
        "query_p50_ms": round(percentile(queries, 50) * 1000, 1),
        "query_p95_ms": round(percentile(queries, 95) * 1000, 1),
        "query_p99_ms": round(percentile(queries, 99) * 1000, 1),
        "query_server_p50_ms": round(percentile(server_times["query"], 50) * 1000, 1),
        "query_server_p95_ms": round(percentile(server_times["query"], 95) * 1000, 1),
        "payment_count": len(payments),
        "payment_p50_ms": round(percentile(payments, 50) * 1000, 1),
        "payment_p95_ms": round(percentile(payments, 95) * 1000, 1),
        "payment_p99_ms": round(percentile(payments, 99) * 1000, 1),
        "payment_server_p50_ms": round(percentile(server_times["pay"], 50) * 1000, 1),
        "payment_server_p95_ms": round(percentile(server_times["pay"], 95) * 1000, 1),
        "duplicates_sent": sum(1 for t in _tasks(work, keys, tag, duplicate_every) if t[0] == "pay")
        - len(txns_sent),
        "duplicates_answered": duplicate_answers,
        "errors": len(errors),
        "error_samples": [f"{r[0]} {r[2]} {r[4][:160]!r}" for r in errors[:5]],
        "duplicate_bookings": sum(count - 1 for count in counts.values() if count > 1),
        "paid_txns_without_payment": len(txns_ok - {k.rsplit(":", 1)[1] for k in counts}),
    }
    figures["targets_met"] = (
        figures["query_p95_ms"] < 100
        and figures["payment_p95_ms"] < 500
        and figures["errors"] == 0
        and figures["duplicate_bookings"] == 0
        and figures["paid_txns_without_payment"] == 0
    )
    return figures


def main():
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    pause = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    figures = bench_api(
        customers=customers, pause=pause, log_path=os.environ.get("BENCH_SERVER_LOG")
    )
    print_figures(f"Terminal API, 8 concurrent clients, 2 HTTP workers, pause {pause} s", figures)


if __name__ == "__main__":
    main()
