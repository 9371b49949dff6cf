"""Records the tours find on the demo database: customers with open bills
that are not due yet, so that no late fee applies whatever the arrears
policy says."""

from odoo import Command, fields


def customer_with_open_bills(env, name, number, amounts, station="utility_billing.station_lz"):
    """A residential customer of the demo county at ``station`` with one
    posted bill per amount of ``amounts``, the oldest first: ``(customer,
    bills)``."""
    county = env.ref("utility_billing.company_county")
    customer = env["res.partner"].create(
        {
            "name": name,
            "company_id": county.id,
            "utility_customer_number": number,
            "utility_category": "residential",
            "utility_station_id": env.ref(station).id,
        }
    )
    today = fields.Date.context_today(customer)
    bills = (
        env["account.move"]
        .with_company(county)
        .create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": fields.Date.subtract(today, days=10 - index),
                    "invoice_date_due": fields.Date.add(today, days=10 + index),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "电费",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for index, amount in enumerate(amounts)
            ]
        )
    )
    bills.action_post()
    return customer, bills
