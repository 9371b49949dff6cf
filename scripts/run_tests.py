#!/usr/bin/env python3
"""``make test``: build a fresh database, install the add-ons with their demo
data and tests enabled (at_install and post_install tests, the cross-module
scenarios and browser tours of tests/, and Odoo's own accounting tests of
what the add-ons extend), run the linters, and print one summary line
``N passed, N failed``. Exits non-zero on any failure or if no test ran.
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odoo_db
import psycopg2
from psycopg2 import sql as psql

ROOT = odoo_db.ROOT
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
# Log lines that mean something broke even if no test counted it
# (a module that failed to install, a data file that failed to load).
BROKEN_RE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
HOOK_RE = re.compile(r"^(?P<name>.+?)\.{3,}.*?(?P<status>Passed|Failed|Skipped)\s*$")
# Odoo's own tests of what the add-ons extend, run with the add-ons and their
# demo data installed: invoices and their numbering, reconciliation, payments
# and the register-payment wizard, the payments widget, the customer portal's
# invoices, partners, account_payment (online payment of invoices), and the
# taxes on invoices and credit notes (the add-ons give bills price-included
# taxes and guard the taxes of approved tariff components). The
# whole of account's suite (912 tests, about 30 minutes here) passes as well;
# these classes exercise the Odoo methods the add-ons override.
ODOO_SUITES = (
    "/account:TestAccountMoveOutInvoiceOnchanges",
    "/account:TestAccountMoveReconcile",
    "/account:TestAccountPaymentRegister",
    "/account:TestAccountPayment",
    "/account:TestSequenceMixin",
    "/account:TestSequenceGaps",
    "/account:TestAccountMovePaymentsWidget",
    "/account:TestPortalInvoice",
    "/account:TestAccountPartner",
    "/account:TestAccountMoveOutRefundOnchanges",
    "/account:TestInvoiceTaxes",
    "/account:TestAccountTax",
    "/account:TestTax",
    "/account_payment",
)


def test_modules(modules):
    """The add-ons under test: ours, plus the scenario add-ons of tests/."""
    names = list(modules)
    tests_dir = os.path.join(ROOT, "tests")
    for entry in sorted(os.listdir(tests_dir)):
        if os.path.isfile(os.path.join(tests_dir, entry, "__manifest__.py")):
            names.append(entry)
    return names


def run_odoo_tests(args, modules):
    conf = odoo_db.local_config()
    odoo_db.drop_database(args.db)
    log_path = os.path.join(odoo_db.STATE, "test.log")
    cmd = odoo_db.odoo_command(
        "-c",
        conf,
        "-d",
        args.db,
        "-i",
        ",".join(modules),
        "--with-demo",
        "--test-enable",
        "--test-tags",
        ",".join(
            [f"/{m}" for m in modules]
            + ([] if args.no_odoo_suites else list(ODOO_SUITES))
            + ([args.tags] if args.tags else [])
        ),
        "--stop-after-init",
        "--http-port",
        str(args.http_port),
        "--workers",
        "0",
        "--max-cron-threads",
        "0",
        "--log-level",
        "info",
    )
    print("$", " ".join(cmd), flush=True)
    summary, broken = None, []
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
            match = RESULT_RE.search(line)
            if match:
                summary = tuple(int(x) for x in match.groups())
            elif BROKEN_RE.match(line):
                broken.append(line.strip())
        rc = proc.wait()
    if summary is None:
        print(f"!! Odoo ended (exit {rc}) without a test report; see {log_path}")
        return 0, 1
    failed, errors, total = summary
    bad = failed + errors
    if not bad and (rc != 0 or broken):
        # Something failed outside a test (install error, data file): count it.
        print("!! errors outside tests:\n  " + "\n  ".join(broken[:20]))
        bad = 1
    return total - failed - errors, bad


def _data_snapshot(db):
    """Row counts of every utility_* table and of the accounting tables, and
    sums of the journal items, as {name: value}."""
    conn = psycopg2.connect(dbname=db, **odoo_db.connection_params())
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND (tablename LIKE 'utility\\_%' OR tablename IN "
                "('account_move', 'account_payment', 'account_move_line')) ORDER BY tablename"
            )
            snapshot = {}
            for (table,) in cr.fetchall():
                cr.execute(psql.SQL("SELECT count(*) FROM {}").format(psql.Identifier(table)))
                snapshot[f"rows {table}"] = cr.fetchone()[0]
            cr.execute(
                "SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(ABS(balance)), 0), "
                "COALESCE(SUM(amount_residual), 0) FROM account_move_line"
            )
            for name, value in zip(
                ("sum balance", "sum abs(balance)", "sum amount_residual"),
                cr.fetchone(),
                strict=True,
            ):
                snapshot[name] = round(float(value), 2)
            return snapshot
    finally:
        conn.close()


def run_upgrade_check(db, http_port, modules):
    """Upgrade safety: ``-u`` of the add-ons on the test database, full of
    demo data, keeps every row and every amount. One passed or failed check."""
    print(f"\n== upgrade check: -u {modules} on {db}", flush=True)
    if not odoo_db.database_exists(db):
        print(f"!! upgrade check: database {db} does not exist")
        return 0, 1
    before = _data_snapshot(db)
    log_path = os.path.join(odoo_db.STATE, "upgrade.log")
    cmd = odoo_db.odoo_command(
        "-c",
        odoo_db.local_config(),
        "-d",
        db,
        "-u",
        modules,
        "--stop-after-init",
        "--http-port",
        str(http_port),
        "--workers",
        "0",
        "--max-cron-threads",
        "0",
    )
    with open(log_path, "w", encoding="utf-8") as log:
        rc = subprocess.run(
            cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True, check=False
        ).returncode
    with open(log_path, encoding="utf-8") as log:
        broken = [line.strip() for line in log if BROKEN_RE.match(line)]
    after = _data_snapshot(db)

    def lost(name, value):
        if name.startswith("rows "):
            return after.get(name, -1) < value  # a count may grow, never shrink
        return after.get(name) != value  # amounts stay exactly the same

    problems = [
        f"{name}: {value} -> {after.get(name, 'missing')}"
        for name, value in before.items()
        if lost(name, value)
    ]
    if rc:
        problems.append(f"the upgrade exited with {rc}")
    problems += broken[:20]
    if problems:
        print(f"!! upgrade check failed (log: {log_path}):\n  " + "\n  ".join(problems))
        return 0, 1
    rows = sum(value for name, value in before.items() if name.startswith("rows "))
    print(
        f"upgrade check: passed, {rows} rows in {len(before) - 3} tables kept, "
        f"journal items sum abs(balance) {before['sum abs(balance)']} unchanged"
    )
    return 1, 0


def run_linters():
    if not os.path.isdir(os.path.join(ROOT, ".git")):
        print("!! not a git checkout: linters skipped")
        return 0, 1
    proc = subprocess.run(
        ["pre-commit", "run", "--all-files", "--show-diff-on-failure", "--color", "never"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    sys.stdout.write(proc.stdout)
    passed = failed = 0
    for line in proc.stdout.splitlines():
        match = HOOK_RE.match(line)
        if match:
            if match["status"] == "Passed":
                passed += 1
            elif match["status"] == "Failed":
                failed += 1
    if proc.returncode and not failed:
        failed = 1
    return passed, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="utility_test")
    parser.add_argument("--modules", default="utility_billing")
    parser.add_argument("--http-port", type=int, default=8169)
    parser.add_argument("--tags", default="", help="extra --test-tags (e.g. -post_install)")
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument(
        "--no-odoo-suites", action="store_true", help="skip Odoo's own account tests"
    )
    args = parser.parse_args()

    modules = test_modules(args.modules.split(","))
    t_passed, t_failed = run_odoo_tests(args, modules)
    u_passed, u_failed = run_upgrade_check(args.db, args.http_port, args.modules)
    t_passed, t_failed = t_passed + u_passed, t_failed + u_failed
    l_passed, l_failed = (0, 0) if args.no_lint else run_linters()
    print()
    print(f"odoo tests: {t_passed} passed, {t_failed} failed")
    if not args.no_lint:
        print(f"linters (pre-commit hooks): {l_passed} passed, {l_failed} failed")
    passed, failed = t_passed + l_passed, t_failed + l_failed
    print(f"{passed} passed, {failed} failed")
    if failed or not t_passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
