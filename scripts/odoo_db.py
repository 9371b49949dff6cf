#!/usr/bin/env python3
"""Database and server helpers behind ``make run``, ``make test`` and ``make pot``.

The connection comes from the environment (DB_HOST, DB_PORT, DB_USER,
DB_PASSWORD, as printed by scripts/pg.sh); everything else from odoo.conf.
A copy of odoo.conf with the connection and absolute addons paths is written
to .local/odoo-local.conf so that every Odoo command sees the same settings.
"""

import argparse
import configparser
import os
import subprocess
import sys

import psycopg2
from psycopg2 import sql

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.environ.get("UTILITY_STATE_DIR", os.path.join(ROOT, ".local"))


def connection_params():
    return {
        "host": os.environ.get("DB_HOST", "localhost"),
        "port": int(os.environ.get("DB_PORT", "5432")),
        "user": os.environ.get("DB_USER", "odoo"),
        "password": os.environ.get("DB_PASSWORD", "odoo"),
    }


def local_config():
    """Write .local/odoo-local.conf and return its path."""
    parser = configparser.ConfigParser()
    parser.read(os.path.join(ROOT, "odoo.conf"))
    opts = parser["options"]
    params = connection_params()
    opts["db_host"] = params["host"]
    opts["db_port"] = str(params["port"])
    opts["db_user"] = params["user"]
    opts["db_password"] = params["password"]
    opts["addons_path"] = ",".join(
        os.path.join(ROOT, p.strip()) for p in opts["addons_path"].split(",")
    )
    opts["data_dir"] = os.path.join(STATE, "filestore")
    os.makedirs(STATE, exist_ok=True)
    path = os.path.join(STATE, "odoo-local.conf")
    with open(path, "w", encoding="utf-8") as fh:
        parser.write(fh)
    return path


def odoo_command(*args):
    return [sys.executable, "-m", "odoo", *args]


def _admin_connection():
    conn = psycopg2.connect(dbname="postgres", **connection_params())
    conn.autocommit = True
    return conn


def database_exists(name):
    with _admin_connection() as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def drop_database(name):
    conn = _admin_connection()
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            cr.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    filestore = os.path.join(STATE, "filestore", "filestore", name)
    subprocess.run(["rm", "-rf", filestore], check=False)


def installed_modules(name, modules):
    conn = psycopg2.connect(dbname=name, **connection_params())
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' AND name = ANY(%s)",
                [list(modules)],
            )
            return {row[0] for row in cr.fetchall()}
    except psycopg2.Error:
        return set()
    finally:
        conn.close()


# Odoo's demo payment provider: the demo customers pay their bills and top up
# online from the portal. Installed only in the demo database, never a
# dependency of the add-ons (a real company configures its own provider).
DEMO_EXTRA_MODULES = ["payment_demo"]

# Run in ``odoo shell`` once the modules are installed: the demo provider is
# copied disabled into the companies created after it (the demo county), so
# enable it in test mode for every top-level company. Odoo 19's Chinese
# translation of payment_demo translates the values of the "payment status"
# options too ("done" becomes "完成"), so that every demo payment made in
# Chinese fails: the option values are put back, their labels stay Chinese.
ENABLE_DEMO_PAYMENT = """
import re
view = env.ref("payment_demo.payment_details", raise_if_not_found=False)
if view:
    fixes = {}
    for term in view.get_field_translations("arch_db")[0]:
        if "simulated_payment_state" in term["source"] and term["value"]:
            values = iter(re.findall(r'<option value="([^"]*)"', term["source"]))
            fixed = re.sub(
                r'<option value="[^"]*"',
                lambda m, values=values: '<option value="%s"' % next(values),
                term["value"],
            )
            if fixed != term["value"]:
                fixes.setdefault(term["lang"], {})[term["source"]] = fixed
    if fixes:
        view.update_field_translations("arch_db", fixes)
Provider = env["payment.provider"].sudo()
for company in env["res.company"].search([("parent_id", "=", False)]):
    provider = Provider.search([("code", "=", "demo"), ("company_id", "=", company.id)], limit=1)
    if not provider:
        provider = env.ref("payment.payment_provider_demo").sudo().copy({"company_id": company.id})
    if provider.state == "disabled":
        provider.write({"state": "test", "is_published": True})
        print("Demo payment provider enabled for", company.name)
env.cr.commit()
"""


def enable_demo_payment(conf, db):
    subprocess.run(
        odoo_command("shell", "-c", conf, "-d", db, "--no-http"),
        input=ENABLE_DEMO_PAYMENT,
        text=True,
        check=True,
        cwd=ROOT,
    )


def cmd_demo(args):
    conf = local_config()
    modules = args.modules.split(",")
    modules += [name for name in DEMO_EXTRA_MODULES if name not in modules]
    args.modules = ",".join(modules)
    if database_exists(args.db):
        missing = set(modules) - installed_modules(args.db, modules)
        if not missing:
            print(f"Database {args.db} is ready (modules installed); updating them.")
            subprocess.run(
                odoo_command("-c", conf, "-d", args.db, "-u", args.modules, "--stop-after-init"),
                check=True,
                cwd=ROOT,
            )
            enable_demo_payment(conf, args.db)
            return
    print(f"Creating demo database {args.db} with {args.modules} and demo data ...")
    subprocess.run(
        odoo_command(
            "-c",
            conf,
            "-d",
            args.db,
            "-i",
            args.modules,
            "--with-demo",
            "--load-language",
            "zh_CN",
            "--stop-after-init",
        ),
        check=True,
        cwd=ROOT,
    )
    enable_demo_payment(conf, args.db)


def cmd_serve(args):
    conf = local_config()
    os.chdir(ROOT)
    cmd = odoo_command(
        "-c", conf, "-d", args.db, "--db-filter", f"^{args.db}$", "--http-port", str(args.http_port)
    )
    os.execv(cmd[0], cmd)


def cmd_pot(args):
    """Export each module's .pot into its i18n folder."""
    conf = local_config()
    for module in args.modules.split(","):
        subprocess.run(
            odoo_command("i18n", "export", "-c", conf, "-d", args.db, module, "-l", "pot"),
            check=True,
            cwd=ROOT,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("demo", "serve", "pot"):
        p = sub.add_parser(name)
        p.add_argument("--db", required=True)
        p.add_argument("--modules", default="utility_billing")
        p.add_argument("--http-port", type=int, default=8069)
    args = parser.parse_args()
    {"demo": cmd_demo, "serve": cmd_serve, "pot": cmd_pot}[args.command](args)


if __name__ == "__main__":
    main()
