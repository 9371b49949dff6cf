#!/usr/bin/env python3
"""``make test``: build a fresh database, install the add-ons with their demo
data and tests enabled (at_install and post_install tests, the cross-module
scenarios and browser tours of tests/), run the linters, and print one summary
line ``N passed, N failed``. Exits non-zero on any failure or if no test ran.
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odoo_db

ROOT = odoo_db.ROOT
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
# Log lines that mean something broke even if no test counted it
# (a module that failed to install, a data file that failed to load).
BROKEN_RE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
HOOK_RE = re.compile(r"^(?P<name>.+?)\.{3,}.*?(?P<status>Passed|Failed|Skipped)\s*$")


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
        ",".join(f"/{m}" for m in modules) + (f",{args.tags}" if args.tags else ""),
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
    args = parser.parse_args()

    modules = test_modules(args.modules.split(","))
    t_passed, t_failed = run_odoo_tests(args, modules)
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
