#!/usr/bin/env python3
"""Head-end readings API at the county's scale (issue 26).

Sets up ``meters`` smart meters read by one head-end (service points and
meters inserted with bulk SQL: the setup is not what is measured), starts
Odoo as a subprocess with 2 HTTP worker processes (no cron) and lets
``clients`` threads post one day's reading of every meter through the real
route, ``POST /utility/api/v1/readings``, in batches of 1,000. Then checks
that every reading is stored once.

Reported: total seconds, readings per second, p50/p95 of a batch's answer
time as the head-end sees it, errors (any answer other than 200 or any
reading not accepted) and the readings stored. Target: 300,000 meters in
under 5 minutes.

Run alone: ``python3 tests/bench/bench_readings.py [meters]`` (env
``BENCH_DB``, ``BENCH_PORT``).
"""

import http.client
import json
import os
import queue
import secrets
import sys
import threading
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_common import (
    DB,
    PORT,
    environment,
    percentile,
    print_figures,
    start_server,
    stop_server,
    unique_tag,
)

BATCH = 1000


def _setup(db, meters, tag):
    """A head-end with its key and ``meters`` meters it reads; returns
    ``(key, serials)``."""
    with environment(db) as env:
        from odoo.addons.utility_payment_channels.models.utility_api_key_mixin import (
            hash_api_key,
        )

        company = env.company
        station = env["utility.supply.station"].create(
            {"name": f"Bench HES station {tag}", "code": f"H{tag}", "company_id": company.id}
        )
        headend = env["utility.headend"].create(
            {"name": f"Bench HES {tag}", "code": f"HES{tag}", "state": "enabled"}
        )
        key = secrets.token_urlsafe(32)
        # what action_generate_key stores (the key itself is never stored)
        with headend._utility_protected_write():
            headend.write({"key_hash": hash_api_key(key), "key_hint": key[:6]})
        env.cr.execute(
            """
            INSERT INTO utility_service_point
                   (company_id, station_id, name, code, active, create_date, write_date)
            SELECT %s, %s, 'Bench point ' || g, %s || lpad(g::text, 7, '0'), true,
                   now(), now()
              FROM generate_series(1, %s) g
            """,
            [company.id, station.id, f"HP{tag}-", meters],
        )
        env.cr.execute(
            """
            INSERT INTO utility_meter
                   (service_point_id, company_id, station_id, serial, digits, register_type,
                    payment_mode, state, install_date, multiplier, initial_reading,
                    headend_id, remote_capable, active, create_date, write_date)
            SELECT sp.id, sp.company_id, sp.station_id, 'HM' || substr(sp.code, 3), 6,
                   'single', 'postpaid', 'installed', '2024-01-01', 1, 100, %s, true, true,
                   now(), now()
              FROM utility_service_point sp
             WHERE sp.station_id = %s
         RETURNING serial
            """,
            [headend.id, station.id],
        )
        serials = [row[0] for row in env.cr.fetchall()]
        env.cr.commit()
        return key, headend.id, serials


def _client(port, key, tasks, results):
    while True:
        try:
            body = tasks.get_nowait()
        except queue.Empty:
            return
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        start = time.perf_counter()
        try:
            conn.request(
                "POST",
                "/utility/api/v1/readings",
                body=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = response.read()
            status = response.status
        except OSError as error:
            status, payload = 0, str(error).encode()
        finally:
            conn.close()
        elapsed = time.perf_counter() - start
        accepted = 0
        if status == 200:
            accepted = json.loads(payload)["totals"]["accepted"]
        results.append((status, elapsed, accepted))


def bench_readings(db=DB, meters=300_000, clients=4, workers=2, port=PORT):
    """Post one day's reading of ``meters`` meters in batches of 1,000 with
    ``clients`` concurrent clients against ``workers`` HTTP workers."""
    tag = unique_tag("R")
    setup_start = time.perf_counter()
    key, headend_id, serials = _setup(db, meters, tag)
    setup_seconds = time.perf_counter() - setup_start
    read_at = (date.today() - timedelta(days=1)).isoformat() + "T23:45:00+08:00"
    tasks = queue.Queue()
    for index in range(0, len(serials), BATCH):
        batch = serials[index : index + BATCH]
        tasks.put(
            json.dumps(
                {
                    "readings": [
                        {
                            "meter_serial": serial,
                            "register": "total",
                            "read_at": read_at,
                            "value": 100 + (number % 50),
                        }
                        for number, serial in enumerate(batch)
                    ]
                }
            )
        )
    batches = tasks.qsize()
    server = start_server(db, port=port, workers=workers, extra=("--load", "base,web"))
    results = []
    try:
        threads = [
            threading.Thread(target=_client, args=(port, key, tasks, results))
            for _i in range(clients)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
    finally:
        stop_server(server)
    with environment(db) as env:
        env.cr.execute(
            "SELECT count(*), count(DISTINCT meter_id) FROM utility_meter_daily_reading "
            "WHERE headend_id = %s",
            [headend_id],
        )
        stored, stored_meters = env.cr.fetchone()
    times = [elapsed for _status, elapsed, _accepted in results]
    accepted = sum(a for _s, _e, a in results)
    return {
        "meters": len(serials),
        "batches": batches,
        "clients": clients,
        "workers": workers,
        "setup_seconds": round(setup_seconds, 1),
        "seconds": round(seconds, 1),
        "readings_per_second": round(accepted / seconds, 0) if seconds else 0,
        "batch_p50_ms": round(percentile(times, 50) * 1000),
        "batch_p95_ms": round(percentile(times, 95) * 1000),
        "errors": sum(1 for status, _e, a in results if status != 200 or a != BATCH)
        + (batches - len(results)),
        "accepted": accepted,
        "stored": stored,
        "stored_meters": stored_meters,
        "target_met": seconds < 300 and stored == len(serials),
    }


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    print_figures("Head-end readings API", bench_readings(meters=size))
