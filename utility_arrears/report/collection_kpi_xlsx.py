from odoo import models
from odoo.tools import float_round


class CollectionKpiXlsx(models.AbstractModel):
    """Excel export of the collection KPIs of a dashboard (company and month):
    recovery by supply station, channel, customer category and billing month
    (the months of the year up to the dashboard's month), the three 100%
    figures by station for the month, and the arrears ageing buckets by
    station as of today. The figures are read from the same SQL views as the
    pivot tables, so the workbook and the screens agree."""

    _name = "report.utility_arrears.collection_kpi_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Collection KPI Excel Export"

    def _get_objs_for_report(self, docids, data):
        if docids:
            return self.env["utility.collection.dashboard"].browse(docids)
        return super()._get_objs_for_report(docids, data)

    def _selection_labels(self, model, fname):
        field = self.env[model]._fields[fname]
        return dict(field._description_selection(self.env))

    def _write_table(self, sheet, formats, title, columns, rows):
        """Write ``title``, the ``columns`` header ((label, width, kind)) and
        ``rows``; kind is ``text``, ``money``, ``rate`` or ``int``."""
        sheet.write(0, 0, title, formats["bold"])
        for col, (label, width, _kind) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write(2, col, label, formats["header"])
        for row, values in enumerate(rows, start=3):
            for col, ((_label, _width, kind), value) in enumerate(
                zip(columns, values, strict=True)
            ):
                if kind == "text":
                    sheet.write(row, col, value or "")
                else:
                    # the cell holds what it shows: rates to 0.01 %, money to the cent
                    digits = 0 if kind == "int" else 2
                    sheet.write_number(
                        row, col, float_round(value or 0.0, precision_digits=digits), formats[kind]
                    )
        sheet.freeze_panes(3, 1)

    def _recovery_label(self, groupby, key, none):
        """Text of a group key: station name, category label or YYYY-MM."""
        if not key:
            return none
        if groupby == "category":
            return self._selection_labels("res.partner", "utility_category").get(key, key)
        if groupby.startswith("bill_month"):
            return key.strftime("%Y-%m")
        return key.display_name

    def _recovery_rows(self, dashboard, groupby, none):
        domain = [
            ("company_id", "=", dashboard.company_id.id),
            ("bill_month", ">=", dashboard.year_start),
            ("bill_month", "<=", dashboard.month_start),
        ]
        groups = self.env["utility.collection.recovery"]._read_group(
            domain,
            [groupby],
            [
                "bill_count:sum",
                "amount_billed:sum",
                "amount_collected:sum",
                "recovery_rate:avg",
                "amount_written_off:sum",
                "recovery_rate_net:avg",
            ],
        )
        return [[self._recovery_label(groupby, key, none), *figures] for key, *figures in groups]

    def get_workbook_options(self):
        # text of agency files, customers and users is written as text: never
        # as a live formula (=HYPERLINK(...), =cmd|...) when the sheet opens
        return dict(super().get_workbook_options(), strings_to_formulas=False)

    def generate_xlsx_report(self, workbook, data, dashboards):
        env = self.env
        for dashboard in dashboards:
            formats = {
                "bold": workbook.add_format({"bold": True}),
                "header": workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1}),
                "money": workbook.add_format(
                    {"num_format": self._report_xlsx_currency_format(dashboard.currency_id)}
                ),
                "rate": workbook.add_format({"num_format": "0.00"}),
                "int": workbook.add_format({"num_format": "0"}),
            }
            period = f"{dashboard.year_start} - {dashboard.month_end}"
            channels = self._selection_labels("utility.collection.recovery", "channel")
            none = env._("None")
            for sheet_name, groupby, dimension in (
                (env._("Recovery by Station"), "station_id", env._("Supply Station")),
                (env._("Recovery by Category"), "category", env._("Customer Category")),
                (env._("Recovery by Month"), "bill_month:month", env._("Billing Month")),
            ):
                sheet = workbook.add_worksheet(sheet_name[:31])
                self._write_table(
                    sheet,
                    formats,
                    f"{sheet_name} {period}",
                    [
                        (dimension, 24, "text"),
                        (env._("Bills"), 10, "int"),
                        (env._("Billed"), 16, "money"),
                        (env._("Collected"), 16, "money"),
                        (env._("Recovery Rate (%)"), 16, "rate"),
                        (env._("Written Off"), 16, "money"),
                        (env._("Recovery Rate excl. Write-offs (%)"), 18, "rate"),
                    ],
                    self._recovery_rows(dashboard, groupby, none),
                )

            # channels: what each collected, as a share of all collected and of billed
            [(total_billed, total_collected)] = env["utility.collection.recovery"]._read_group(
                [
                    ("company_id", "=", dashboard.company_id.id),
                    ("bill_month", ">=", dashboard.year_start),
                    ("bill_month", "<=", dashboard.month_start),
                ],
                [],
                ["amount_billed:sum", "amount_collected:sum"],
            )
            channel_rows = [
                [
                    channels.get(channel, channel),
                    collected,
                    100.0 * collected / total_collected if total_collected else 0.0,
                    100.0 * collected / total_billed if total_billed else 0.0,
                ]
                for channel, collected in env["utility.collection.recovery"]._read_group(
                    [
                        ("company_id", "=", dashboard.company_id.id),
                        ("bill_month", ">=", dashboard.year_start),
                        ("bill_month", "<=", dashboard.month_start),
                        ("kind", "=", "collected"),
                    ],
                    ["channel"],
                    ["amount_collected:sum"],
                )
            ]
            sheet = workbook.add_worksheet(env._("Recovery by Channel")[:31])
            self._write_table(
                sheet,
                formats,
                f"{env._('Recovery by Channel')} {period}",
                [
                    (env._("Channel"), 24, "text"),
                    (env._("Collected"), 16, "money"),
                    (env._("Share of Collected (%)"), 18, "rate"),
                    (env._("Share of Billed (%)"), 18, "rate"),
                ],
                channel_rows,
            )

            figures = env["utility.collection.three.figures"]._read_group(
                dashboard._three_figures_domain(),
                ["station_id"],
                [
                    "contract_count:sum",
                    "contracts_signed:sum",
                    "signing_rate:avg",
                    "amount_collected:sum",
                    "amount_centralized:sum",
                    "centralized_rate:avg",
                    "bill_count:sum",
                    "bills_held:sum",
                    "bill_holding_rate:avg",
                ],
            )
            sheet = workbook.add_worksheet(env._("Three 100% Figures")[:31])
            self._write_table(
                sheet,
                formats,
                f"{env._('Three 100% Figures')} {dashboard.month_start.strftime('%Y-%m')}",
                [
                    (env._("Supply Station"), 24, "text"),
                    (env._("Contracts in Force"), 12, "int"),
                    (env._("Contracts Signed"), 12, "int"),
                    (env._("Contract Signing Rate (%)"), 14, "rate"),
                    (env._("Collected"), 16, "money"),
                    (env._("Collected Centrally"), 16, "money"),
                    (env._("Centralized Collection (%)"), 14, "rate"),
                    (env._("Bills Issued"), 12, "int"),
                    (env._("Bills Held"), 12, "int"),
                    (env._("Bill Holding Rate (%)"), 14, "rate"),
                ],
                [
                    [station.display_name if station else none, *values]
                    for station, *values in figures
                ],
            )

            # a dict, not (name, label) pairs: the translation extractor reads
            # a parenthesis after env._(...) as another call and would export
            # the field names as terms
            ageing_fields = {
                "amount_not_due": env._("Not Due"),
                "amount_0_30": env._("0-30 Days"),
                "amount_31_60": env._("31-60 Days"),
                "amount_61_90": env._("61-90 Days"),
                "amount_over_90": env._("Over 90 Days"),
                "amount_earlier_years": env._("Earlier Years"),
                "amount_overdue": env._("Overdue"),
                "amount_total": env._("Total Open"),
            }
            ageing = env["utility.arrears.ageing"]._read_group(
                [("company_id", "=", dashboard.company_id.id)],
                ["station_id"],
                [f"{fname}:sum" for fname in ageing_fields],
            )
            sheet = workbook.add_worksheet(env._("Ageing Buckets")[:31])
            self._write_table(
                sheet,
                formats,
                env._("Arrears Ageing"),
                [
                    (env._("Supply Station"), 24, "text"),
                    *[(label, 14, "money") for label in ageing_fields.values()],
                ],
                [
                    [station.display_name if station else none, *values]
                    for station, *values in ageing
                ],
            )
