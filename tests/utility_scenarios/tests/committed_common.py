"""Committed data for the crash-safety and concurrency scenarios.

A crash or a race can only be shown with data other processes and other
connections see, so these scenarios work on committed data, in a company of
their own created once per database (a unique name, its own chart of
accounts, journals and customers): the other tests never see it, and the CI
database is dropped at the end. The test's own cursor is never used for it
(its snapshot predates the data); every step opens its own connection.
"""

import base64
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase
from odoo.tools import config

from .job_worker import requeue_dead_jobs, run_jobs

_logger = logging.getLogger(__name__)

WORKER = os.path.join(os.path.dirname(__file__), "job_worker.py")

# 60 customers on two stations: A (1-40) for the crash scenarios, B (41-60)
# for the races; January 2025 is billed in the set-up (bills due on
# 2025-02-20), February and March are read and validated, not billed
CUSTOMERS = 60
STATION_A = range(1, 41)
PERIODS = {
    "jan": ("2025-01-01", "2025-01-31", "2025-02-05"),
    "feb": ("2025-02-01", "2025-02-28", "2025-03-05"),
    "mar": ("2025-03-01", "2025-03-31", "2025-04-05"),
}


def monthly_kwh(index):
    """kWh a month of customer ``index``: 150 to 268 kWh, across the blocks."""
    return 150 + 2 * index


class CommittedScenarioCase(TransactionCase):
    """Opens its own connections on the test database and builds (once per
    database) the committed company the scenarios work on."""

    _scenario = None  # {"company_id": ..., ...}, shared by the classes

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dbname = cls.env.cr.dbname
        if not CommittedScenarioCase._scenario or (
            CommittedScenarioCase._scenario["db"] != cls.dbname
        ):
            CommittedScenarioCase._scenario = cls._build_scenario()
        cls.scenario = CommittedScenarioCase._scenario
        cls._show_company(True)
        cls.addClassCleanup(cls._show_company, False)

    @classmethod
    def _show_company(cls, show):
        """Open the company to the superuser for the scenarios (as creating
        it did), and close it again for the tests that follow: the
        superuser's default companies stay those of the rest of the suite.
        (Not archived: Odoo's chart checks group accounts by active company.)"""
        company_id = cls.scenario["company_id"]
        cr = db_connect(cls.dbname).cursor()
        try:
            cr.execute("SET lock_timeout = '15s'")
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref("base.user_root").company_ids = [
                Command.link(company_id) if show else Command.unlink(company_id)
            ]
            cr.commit()  # pylint: disable=invalid-commit
        finally:
            cr.rollback()
            cr.close()

    # ------------------------------------------------------------------
    # connections
    # ------------------------------------------------------------------
    def _connection(self):
        """A new connection to the test database, closed at the end of the
        test (rolling back what it did not commit). A lock wait longer than
        15 seconds fails instead of hanging the suite."""
        cr = db_connect(self.dbname).cursor()
        cr.execute("SET lock_timeout = '15s'")
        self.addCleanup(self._close, cr)
        return cr

    @classmethod
    def _class_connection(cls):
        """Same as ``_connection``, kept for the whole class."""
        cr = db_connect(cls.dbname).cursor()
        cr.execute("SET lock_timeout = '15s'")
        cls.addClassCleanup(cls._close, cr)
        return cr

    @staticmethod
    def _close(cr):
        if not cr.closed:
            cr.rollback()
            cr.close()

    @classmethod
    def _env(cls, cr, **context):
        company_id = cls.scenario["company_id"]
        return api.Environment(
            cr,
            SUPERUSER_ID,
            {"allowed_company_ids": [company_id], "tracking_disable": True, **context},
        )

    # ------------------------------------------------------------------
    # the committed company
    # ------------------------------------------------------------------
    @classmethod
    def _build_scenario(cls):
        token = uuid.uuid4().hex[:6].upper()
        start = time.monotonic()
        cr = db_connect(cls.env.cr.dbname).cursor()
        try:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            scenario = cls._create_scenario(env, token)
            cr.commit()  # pylint: disable=invalid-commit
        finally:
            cr.rollback()
            cr.close()
        scenario["db"] = cls.env.cr.dbname
        _logger.info(
            "committed scenario company %s built in %.1f s", token, time.monotonic() - start
        )
        return scenario

    @classmethod
    def _create_scenario(cls, env, token):
        cny = env.ref("base.CNY")
        cny.active = True
        company = env["res.company"].create(
            {"name": f"Crash and race test company {token}", "currency_id": cny.id}
        )
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        company.currency_id = cny
        env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        term = env["account.payment.term"].create(
            {
                "name": f"15 days {token}",
                "company_id": company.id,
                "line_ids": [(0, 0, {"value": "percent", "value_amount": 100.0, "nb_days": 15})],
            }
        )
        station_a, station_b = env["utility.supply.station"].create(
            [
                {"name": f"Station A {token}", "code": "SA", "company_id": company.id},
                {"name": f"Station B {token}", "code": "SB", "company_id": company.id},
            ]
        )
        tariff = env["utility.tariff"].create(
            {
                "name": f"Residential {token}",
                "code": "RES",
                "category": "residential",
                "company_id": company.id,
            }
        )
        version = env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2024-01-01",
                "block_ids": [
                    (0, 0, {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
                    (0, 0, {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
                    (0, 0, {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
                ],
            }
        )
        version.action_approve()
        indexes = range(1, CUSTOMERS + 1)
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Customer {index:02d} {token}",
                    "utility_customer_number": f"{token}{index:04d}",
                    "utility_category": "residential",
                    "utility_station_id": (station_a if index in STATION_A else station_b).id,
                    "company_id": company.id,
                }
                for index in indexes
            ]
        )
        points = env["utility.service.point"].create(
            [
                {
                    "name": f"House {index:02d}",
                    "station_id": partner.utility_station_id.id,
                    "partner_id": partner.id,
                    "company_id": company.id,
                }
                for index, partner in zip(indexes, partners, strict=True)
            ]
        )
        meters = env["utility.meter"].create(
            [
                {
                    "serial": f"M{token}{index:04d}",
                    "service_point_id": point.id,
                    "install_date": "2024-12-31",
                    "initial_reading": 1000,
                }
                for index, point in zip(indexes, points, strict=True)
            ]
        )
        contracts = env["utility.contract"].create(
            [
                {
                    "partner_id": point.partner_id.id,
                    "service_point_id": point.id,
                    "tariff_id": tariff.id,
                    "company_id": company.id,
                    "payment_term_id": term.id,
                    "date_start": "2025-01-01",
                }
                for point in points
            ]
        )
        contracts.action_activate()
        readings = env["utility.meter.reading"].create(
            [
                {
                    "meter_id": meter.id,
                    "reading_date": date_to,
                    "value": 1000 + month * monthly_kwh(index),
                }
                for month, (_from, date_to, _bill) in enumerate(PERIODS.values(), start=1)
                for index, meter in zip(indexes, meters, strict=True)
            ]
        )
        readings.action_validate()
        assert set(readings.mapped("state")) == {"validated"}, readings.mapped("state")
        # January billed: open bills due on 2025-02-20 for the payments and dunning
        january = cls._new_billing_run(env, company, "jan", batch_size=CUSTOMERS)
        january._run_batch(contracts.ids)
        january._finish_run()
        env.flush_all()
        cash = env["account.journal"].create(
            {"name": f"Cash {token}", "code": "CSH", "type": "cash", "company_id": company.id}
        )
        bank = env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        return {
            "token": token,
            "company_id": company.id,
            "station_a_id": station_a.id,
            "station_b_id": station_b.id,
            "partner_ids": partners.ids,
            "contract_ids": contracts.ids,
            "cash_journal_id": cash.id,
            "bank_journal_id": bank.id,
        }

    @staticmethod
    def _new_billing_run(env, company, period, **vals):
        date_from, date_to, invoice_date = PERIODS[period]
        return env["utility.billing.run"].create(
            {
                "company_id": company.id,
                "date_from": date_from,
                "date_to": date_to,
                "invoice_date": invoice_date,
                **vals,
            }
        )

    @classmethod
    def _partners(cls, env, indexes):
        ids = cls.scenario["partner_ids"]
        return env["res.partner"].browse([ids[index - 1] for index in indexes])

    @classmethod
    def _contracts(cls, env, indexes):
        ids = cls.scenario["contract_ids"]
        return env["utility.contract"].browse([ids[index - 1] for index in indexes])

    @classmethod
    def _january_bills(cls, env, indexes):
        return env["account.move"].search(
            [
                ("utility_contract_id", "in", cls._contracts(env, indexes).ids),
                ("utility_period_start", "=", PERIODS["jan"][0]),
                ("move_type", "=", "out_invoice"),
            ]
        )

    @classmethod
    def _agency(cls, env, code):
        """An agency of the company with two outlets and its clearing journal."""
        company_id = cls.scenario["company_id"]
        outlets = env["utility.collection.point"].create(
            [
                {"name": f"{code} outlet 1", "code": f"{code}-1", "kind": "agency"},
                {"name": f"{code} outlet 2", "code": f"{code}-2", "kind": "agency"},
            ]
        )
        return env["utility.agency"].create(
            {
                "name": f"Agency {code}",
                "code": code,
                "company_id": company_id,
                "partner_id": env["res.partner"].create({"name": f"Agency {code}"}).id,
                "outlet_ids": [(6, 0, outlets.ids)],
                "commission_account_id": env["account.account"]
                .search(
                    [("company_ids", "in", company_id), ("account_type", "=", "expense")],
                    limit=1,
                )
                .id,
                "bank_journal_id": cls.scenario["bank_journal_id"],
            }
        )

    @staticmethod
    def _agency_file(agency, bills, paid_at="2025-02-10 10:00:00", prefix="T"):
        """A file of the agency paying each of ``bills`` in full, by bill number."""
        outlet = agency.outlet_ids[0].code
        rows = ["txn_id,paid_at,customer_number,bill_number,amount,outlet_code"] + [
            f"{prefix}{index:04d},{paid_at},{bill.partner_id.utility_customer_number},"
            f"{bill.name},{bill.amount_residual:.2f},{outlet}"
            for index, bill in enumerate(bills, start=1)
        ]
        return base64.b64encode(("\n".join(rows) + "\n").encode())

    # ------------------------------------------------------------------
    # the worker process
    # ------------------------------------------------------------------
    @classmethod
    def _worker_args(cls, records):
        args = [sys.executable, WORKER, "--company-id", str(cls.scenario["company_id"])]
        for record in records:
            args += ["--record", f"{record._name},{record.id}"]
        args += ["--", "-d", cls.dbname, "--log-level=warn", "--no-http"]
        return args + cls._odoo_options()

    @staticmethod
    def _odoo_options():
        """Options giving another Odoo process this one's configuration,
        addons and database server."""
        options = []
        if config.get("config") and os.path.isfile(config["config"]):
            options += ["-c", config["config"]]
        options.append("--addons-path=" + ",".join(config["addons_path"]))
        if config.get("data_dir"):
            options.append("--data-dir=" + config["data_dir"])
        for option in ("db_host", "db_port", "db_user", "db_password"):
            if config.get(option):
                options.append(f"--{option}={config[option]}")
        return options

    @classmethod
    def _kill_worker_mid_run(cls, cr, records, progress_sqls, hold_sql, timeout=120):
        """Start a worker process on the jobs of ``records`` and SIGKILL it in
        the middle of a batch, once at least one batch of each record is
        committed.

        To make the kill land inside a batch every time, another connection
        holds the row locks of ``hold_sql`` (rows a later batch writes): the
        worker commits its first batches, then waits on those rows in the
        middle of a batch, and is killed there. Its database backend, left
        waiting on the lock, is then terminated (what PostgreSQL does when
        it notices the client is gone) and the locks are released.

        :param progress_sqls: per record, SQL giving its committed count of
            items done
        :param hold_sql: ``SELECT ... FOR UPDATE`` of the rows to hold
        :returns: per record, the count of items done when it was killed
        """
        holder = cls._class_connection()
        holder.execute(hold_sql)
        holder.execute("SELECT pg_backend_pid()")
        holder_pid = holder.fetchone()[0]
        process, log = cls._start_worker(records, cls.addClassCleanup)
        start = time.monotonic()
        while True:
            cr.rollback()  # a fresh snapshot at every poll
            done = []
            for sql in progress_sqls:
                cr.execute(sql)
                done.append(cr.fetchone()[0])
            cr.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [holder_pid],
            )
            waiting = [row[0] for row in cr.fetchall()]
            if all(done) and waiting:
                break
            if process.poll() is not None:
                raise AssertionError(f"the worker ended before it was killed:\n{cls._log(log)}")
            if time.monotonic() > start + timeout:
                raise AssertionError(f"{done} done in {timeout} s:\n{cls._log(log)}")
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        _logger.info("worker killed after %.1f s with %s done", time.monotonic() - start, done)
        cr.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [waiting])
        holder.rollback()
        for _attempt in range(200):
            cr.rollback()
            cr.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [waiting])
            if not cr.fetchone()[0]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the killed worker's database session did not end")
        cr.rollback()
        for sql in progress_sqls:
            cr.execute(sql)
            done.append(cr.fetchone()[0])
        return done[len(progress_sqls) :]

    @classmethod
    def _start_worker(cls, records, add_cleanup):
        """A worker process on the jobs of ``records``, writing to a log file
        of its own: ``(process, log)``. ``add_cleanup`` (the test's or the
        class's) stops the process and removes the log."""
        log = tempfile.NamedTemporaryFile(
            mode="w+", prefix="utility_job_worker_", suffix=".log", delete=False
        )
        add_cleanup(os.unlink, log.name)
        add_cleanup(log.close)
        process = subprocess.Popen(
            cls._worker_args(records),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        add_cleanup(cls._stop, process)
        return process, log

    @staticmethod
    def _stop(process):
        if process.poll() is None:
            process.kill()
            process.wait(10)

    @staticmethod
    def _log(log):
        log.flush()
        log.seek(0)
        return log.read()[-4000:]

    @staticmethod
    def _rerun(env, record, action, **context):
        """The re-run after the crash, in this process: queue_job requeues
        the dead worker's job, the user clicks the re-run button, and the
        jobs are performed one transaction each."""
        records = [(record._name, record.id)]
        requeue_dead_jobs(env.cr, records)
        env.cr.commit()
        getattr(record.with_context(**context), action)()
        env.cr.commit()
        return run_jobs(env, records)

    # ------------------------------------------------------------------
    # the books
    # ------------------------------------------------------------------
    def _assert_no_gap(self, moves):
        """The numbers of ``moves`` follow each other in each sequence
        (prefix), from 1, without a hole or a double."""
        numbers = defaultdict(list)
        for name in moves.mapped("name"):
            match = re.fullmatch(r"(.*?)(\d+)", name)
            self.assertTrue(match, f"unnumbered move {name}")
            numbers[match[1]].append(int(match[2]))
        for prefix, values in numbers.items():
            self.assertEqual(
                sorted(values),
                list(range(1, len(values) + 1)),
                f"numbering of {prefix} has a gap or a double",
            )

    def _assert_balanced(self, cr):
        """Every journal entry of the company balances."""
        cr.execute(
            """SELECT move_id, sum(debit), sum(credit) FROM account_move_line
                WHERE company_id = %s GROUP BY move_id
               HAVING round(sum(debit) - sum(credit), 2) <> 0""",
            [self.scenario["company_id"]],
        )
        self.assertEqual(cr.fetchall(), [], "unbalanced journal entries")

    def _assert_once_each(self, values, expected, what):
        counts = Counter(values)
        doubles = {value: count for value, count in counts.items() if count > 1}
        self.assertFalse(doubles, f"{what} twice")
        self.assertEqual(set(counts), set(expected), f"{what} missing")
