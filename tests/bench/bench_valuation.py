#!/usr/bin/env python3
"""Daily valuation of cost-controlled contracts at the county's scale (issue 26).

Sets up ``size`` prepaid contracts on remote-capable meters of one head-end,
each with a billed reading at the end of last month and yesterday's daily
reading (partners, service points, meters, contracts and readings inserted
with bulk SQL: the setup is not what is measured), a prepaid credit for one
customer in 50 and an open bill for one in 100 (journal items inserted
by the ORM for these few hundred). Then values every contract the way the
daily job does it, ``utility.contract._utility_value_balances`` on batches
of ``VALUATION_BATCH_SIZE`` contracts, one after the other in one process
(one job worker), and checks that every contract got its figures.

Reported: total seconds, contracts per second, the seconds of one batch
(p50/p95), and 300,000 contracts' time extrapolated linearly from the rate
(one worker; queue_job's workers split the batches). Target: 300,000
contracts in under 5 minutes.

Run alone: ``python3 tests/bench/bench_valuation.py [contracts]`` (env
``BENCH_DB``).
"""

import os
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_common import DB, environment, percentile, print_figures, unique_tag

COUNTY_CONTRACTS = 300_000


def _setup(env, size, tag):
    """``size`` cost-controlled contracts; returns their ids."""
    company = env.company
    cr = env.cr
    tariff = env["utility.tariff"].search([("code", "=", "BENCH-RES")], limit=1)
    if not tariff:
        tariff = env["utility.tariff"].create(
            {"name": "Bench residential", "code": "BENCH-RES", "category": "residential"}
        )
        version = env["utility.tariff.version"].create(
            {
                "tariff_id": tariff.id,
                "date_from": "2020-01-01",
                "block_ids": [
                    (0, 0, {"sequence": 1, "name": "Block 1", "limit_to": 180, "price": 0.56}),
                    (0, 0, {"sequence": 2, "name": "Block 2", "limit_to": 260, "price": 0.61}),
                    (0, 0, {"sequence": 3, "name": "Block 3", "limit_to": 0, "price": 0.86}),
                ],
            }
        )
        version.action_approve()
    station = env["utility.supply.station"].create(
        {"name": f"Bench valuation {tag}", "code": f"V{tag}", "company_id": company.id}
    )
    headend = env["utility.headend"].create(
        {"name": f"Bench valuation HES {tag}", "code": f"VH{tag}", "state": "enabled"}
    )
    today = date.today()
    billed_day = today.replace(day=1) - timedelta(days=1)
    yesterday = today - timedelta(days=1)
    cr.execute(
        """
        INSERT INTO res_partner
               (name, utility_customer_number, utility_category,
                company_id, active, type, is_company, autopost_bills, create_date,
                write_date)
        SELECT 'Bench CC ' || g, %(tag)s || lpad(g::text, 7, '0'),
               'residential', %(company)s, true, 'contact', false, 'ask', now(), now()
          FROM generate_series(1, %(size)s) g
        RETURNING id
        """,
        {"tag": tag, "company": company.id, "size": size},
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [partner_ids]
    )
    cr.execute(
        """
        INSERT INTO utility_service_point
               (company_id, station_id, partner_id, name, code, active, create_date, write_date)
        SELECT %(company)s, %(station)s, p.id, p.name, 'VP' || p.utility_customer_number,
               true, now(), now()
          FROM res_partner p
         WHERE p.id = ANY(%(partners)s)
        """,
        {"company": company.id, "station": station.id, "partners": partner_ids},
    )
    cr.execute(
        """
        INSERT INTO utility_meter
               (service_point_id, company_id, station_id, serial, digits, register_type,
                payment_mode, state, install_date, multiplier, initial_reading,
                headend_id, remote_capable, supply_state, active, create_date, write_date)
        SELECT sp.id, sp.company_id, sp.station_id, 'VM' || substr(sp.code, 3), 6,
               'single', 'prepaid', 'installed', '2020-01-01', 1, 1000, %(headend)s, true,
               'on', true, now(), now()
          FROM utility_service_point sp
         WHERE sp.station_id = %(station)s
        """,
        {"headend": headend.id, "station": station.id},
    )
    cr.execute(
        """
        INSERT INTO utility_contract
               (company_id, partner_id, service_point_id, tariff_id, name, billing_mode,
                contract_kind, payment_method, state, date_start, billed_from, cost_control,
                create_date, write_date)
        SELECT sp.company_id, sp.partner_id, sp.id, %(tariff)s, 'VC' || substr(sp.code, 3),
               'prepaid', 'permanent', 'counter', 'active', '2020-01-01', '2020-01-01', true,
               now(), now()
          FROM utility_service_point sp
         WHERE sp.station_id = %(station)s
        RETURNING id
        """,
        {"tariff": tariff.id, "station": station.id},
    )
    contract_ids = [row[0] for row in cr.fetchall()]
    # last month's billed reading, then yesterday's daily reading: 3..18 kWh a day
    cr.execute(
        """
        INSERT INTO utility_meter_reading
               (meter_id, service_point_id, contract_id, partner_id, station_id, company_id,
                reading_date, value, reading_type, state, multiplier, create_date, write_date)
        SELECT m.id, m.service_point_id, c.id, c.partner_id, m.station_id, m.company_id,
               %(billed)s, 1000 + (m.id %% 5000), 'remote', 'billed', 1, now(), now()
          FROM utility_meter m
          JOIN utility_contract c ON c.service_point_id = m.service_point_id
         WHERE m.station_id = %(station)s
        """,
        {"billed": billed_day, "station": station.id},
    )
    cr.execute(
        """
        INSERT INTO utility_meter_daily_reading
               (meter_id, headend_id, company_id, register, state, read_at, read_day,
                received_at, value, create_date, write_date)
        SELECT m.id, %(headend)s, m.company_id, 'total', 'ok', %(read_at)s, %(day)s,
               %(read_at)s, 1000 + (m.id %% 5000) + (3 + m.id %% 16) * %(days)s, now(), now()
          FROM utility_meter m
         WHERE m.station_id = %(station)s
        """,
        {
            "headend": headend.id,
            "read_at": f"{yesterday} 15:45:00",
            "day": yesterday,
            "days": (yesterday - billed_day).days,
            "station": station.id,
        },
    )
    cr.commit()
    env.invalidate_all()
    # a prepaid credit for one customer in 50, an open bill for one in 100
    journal = env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
    )
    payments = env["account.payment"].create(
        [
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner_id,
                "amount": 50 + index % 200,
                "journal_id": journal.id,
            }
            for index, partner_id in enumerate(partner_ids[::50])
        ]
    )
    payments.action_post()
    bills = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner_id,
                "invoice_line_ids": [
                    (0, 0, {"name": "Electricity", "quantity": 1, "price_unit": 88.0})
                ],
            }
            for partner_id in partner_ids[5::100]
        ]
    )
    bills.action_post()
    cr.commit()
    return contract_ids


def bench_valuation(db=DB, size=30_000):
    """Value ``size`` cost-controlled contracts in the daily job's batches."""
    with environment(db) as env:
        from odoo.addons.utility_arrears.models.utility_contract_valuation import (
            VALUATION_BATCH_SIZE,
        )

        tag = unique_tag("V")
        setup_start = time.perf_counter()
        contract_ids = _setup(env, size, tag)
        setup_seconds = time.perf_counter() - setup_start
        Contract = env["utility.contract"]
        batch_seconds = []
        start = time.perf_counter()
        for index in range(0, len(contract_ids), VALUATION_BATCH_SIZE):
            batch_start = time.perf_counter()
            # each job in its own transaction, as queue_job runs them
            Contract.browse(
                contract_ids[index : index + VALUATION_BATCH_SIZE]
            ).sudo()._utility_value_balances()
            env.cr.commit()
            env.invalidate_all()
            batch_seconds.append(time.perf_counter() - batch_start)
        seconds = time.perf_counter() - start
        env.cr.execute(
            """
            SELECT COUNT(*) FILTER (WHERE valued_at IS NOT NULL),
                   COUNT(*) FILTER (WHERE valued_unbilled_kwh > 0),
                   COUNT(*) FILTER (WHERE valued_balance < 0),
                   COUNT(*) FILTER (WHERE valued_days_left >= 0)
              FROM utility_contract WHERE id = ANY(%s)
            """,
            [contract_ids],
        )
        valued, unbilled, negative, days = env.cr.fetchone()
        rate = size / seconds if seconds else 0.0
        county = COUNTY_CONTRACTS / rate if rate else 0.0
        return {
            "contracts": size,
            "setup_seconds": round(setup_seconds, 1),
            "seconds": round(seconds, 1),
            "contracts_per_second": round(rate),
            "batch_size": VALUATION_BATCH_SIZE,
            "batch_p50_s": round(percentile(batch_seconds, 50), 2),
            "batch_p95_s": round(percentile(batch_seconds, 95), 2),
            "valued": valued,
            "with_unbilled_kwh": unbilled,
            "negative_balance": negative,
            "with_days_left": days,
            "county_300000_seconds_1_worker": round(county),
            "target_met": valued == size and county < 300,
        }


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    print_figures(
        f"daily valuation of {size} cost-controlled contracts", bench_valuation(size=size)
    )
