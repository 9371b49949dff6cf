"""Helpers shared by the standalone benchmarks of tests/bench (bench_*.py).

Each benchmark works on a database holding the three modules without demo
data (``BENCH_DB``, default ``h8b_bench``; created when missing) and starts
its Odoo servers as subprocesses on its own port. The data set helpers of
``run_bench`` (``make_dataset``, ``timed``) are imported, not copied.
"""

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import run_bench  # noqa: E402
from run_bench import make_dataset, timed  # noqa: E402, F401

odoo_db = run_bench.odoo_db  # scripts/odoo_db.py, put on sys.path by run_bench

ROOT = run_bench.ROOT
DB = os.environ.get("BENCH_DB", "h8b_bench")
MODULES = "utility_billing,utility_payment_channels,utility_arrears"
# HTTP port of the servers the benchmarks start (the gevent port is the next one)
PORT = int(os.environ.get("BENCH_PORT", "8275"))


def unique_tag(prefix):
    """A tag not used by an earlier run on the same database (customer
    numbers, station codes and transaction ids are derived from it)."""
    return f"{prefix}{int(time.time() * 10) % 10**9:09d}"


def ensure_database(db=DB, modules=MODULES):
    """Create ``db`` with ``modules`` (no demo data) unless it has them."""
    conf = odoo_db.local_config()
    wanted = modules.split(",")
    if odoo_db.database_exists(db) and set(wanted) <= odoo_db.installed_modules(db, wanted):
        return conf
    subprocess.run(
        odoo_db.odoo_command(
            "-c", conf, "-d", db, "-i", modules, "--stop-after-init", "--log-level", "warn"
        ),
        check=True,
        cwd=ROOT,
    )
    return conf


_REGISTRIES = {}


def registry(db=DB):
    """The in-process registry of ``db`` (Odoo configured from odoo-local.conf)."""
    if db not in _REGISTRIES:
        from odoo.modules.registry import Registry
        from odoo.tools import config

        conf = ensure_database(db)
        config.parse_config(["-c", conf, "-d", db, "--log-level", "warn"])
        _REGISTRIES[db] = Registry(db)
    return _REGISTRIES[db]


@contextlib.contextmanager
def environment(db=DB):
    """A superuser environment on a new cursor, committed by the caller."""
    import odoo

    with registry(db).cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def bill_dataset(env, size, tag, batch=500):
    """``size`` contracts with a reading, billed by the real billing run (its
    batch job body, one batch after the other, each committed as a job is).
    Returns ``(contracts, bills)``."""
    station, contracts = make_dataset(env, size, tag)
    run = env["utility.billing.run"].create({"station_ids": [(6, 0, station.ids)]})
    env.cr.commit()
    ids = contracts.ids
    for start in range(0, len(ids), batch):
        run._run_batch(ids[start : start + batch])
        env.cr.commit()
    bills = env["account.move"].search([("utility_billing_run_id", "=", run.id)])
    return contracts, bills


def billing_run_fixture(db, size, prefix, batch):
    """``size`` new contracts with a reading and a draft billing run over
    them in batches of ``batch``, committed; returns the run's id."""
    tag = unique_tag(prefix)
    with environment(db) as env:
        station, _contracts = make_dataset(env, size, tag)
        run = env["utility.billing.run"].create(
            {"station_ids": [(6, 0, station.ids)], "batch_size": batch}
        )
        env.cr.commit()
        return run.id


def server_command(*args):
    """Command line of an Odoo server: ``odoo_server.py`` (``odoo-bin``
    whose websocket process stays idle, see there). Not ``python -m odoo``:
    with ``--workers`` the prefork master spawns its websocket process as
    ``sys.executable sys.argv[0] gevent``, which fails (and is respawned in
    a loop, eating a core) when ``sys.argv[0]`` is ``odoo/__main__.py``."""
    return [sys.executable, os.path.join(HERE, "odoo_server.py"), *args]


def start_server(db=DB, port=PORT, workers=2, extra=(), log_path=None):
    """Start ``odoo`` serving ``db`` on ``port`` with ``workers`` worker
    processes and no cron thread; wait until it answers. The process gets its
    own session so that ``stop_server`` ends it with its workers."""
    conf = ensure_database(db)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"Port {port} is already in use: set BENCH_PORT to a free port")
    cmd = server_command(
        "-c",
        conf,
        # one database, no --db-filter: Odoo then serves it without listing
        # the server's databases on a new connection for every request
        "-d",
        db,
        "--http-port",
        str(port),
        "--gevent-port",
        str(port + 1),
        "--http-interface",
        "127.0.0.1",
        "--workers",
        str(workers),
        "--max-cron-threads",
        "0",
        "--log-level",
        "warn",
        *extra,
    )
    log = open(log_path or os.devnull, "w", encoding="utf-8")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    proc.log_file = log
    url = f"http://127.0.0.1:{port}/web/health"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Odoo exited with {proc.returncode}: {' '.join(cmd)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return proc
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError("Odoo did not answer within 120 s")


def stop_server(proc):
    """Stop a server started by ``start_server`` (its process group only)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    proc.log_file.close()


def percentile(values, pct):
    """``pct`` percentile (nearest rank) of ``values``, 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100.0 * len(ordered))))
    return ordered[rank - 1]


def print_rows(title, rows):
    """Print ``(step, records, seconds)`` rows as a small table."""
    print(f"\n{title}")
    print(f"| {'step':60} | {'records':>8} | {'seconds':>9} | {'per s':>9} |")
    for step, records, seconds in rows:
        rate = records / seconds if seconds else 0.0
        print(f"| {step:60} | {records:>8} | {seconds:>9.3f} | {rate:>9.1f} |")


def print_figures(title, figures):
    print(f"\n{title}")
    for key, value in figures.items():
        if isinstance(value, float):
            value = f"{value:.3f}"
        print(f"  {key:40} {value}")
