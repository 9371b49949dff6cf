from odoo import models


class BillingRunXlsx(models.AbstractModel):
    """Excel export of a billing run: its bills and its skipped contracts."""

    _name = "report.utility_billing.billing_run_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Billing Run Excel Export"

    def _get_objs_for_report(self, docids, data):
        if docids:
            return self.env["utility.billing.run"].browse(docids)
        return super()._get_objs_for_report(docids, data)

    def _bill_columns(self):
        return [
            (self.env._("Bill"), 18),
            (self.env._("Customer Number"), 16),
            (self.env._("Customer"), 24),
            (self.env._("Contract"), 16),
            (self.env._("Supply Station"), 18),
            (self.env._("Category"), 14),
            (self.env._("Period Start"), 12),
            (self.env._("Period End"), 12),
            (self.env._("Consumption (kWh)"), 16),
            (self.env._("Amount"), 14),
            (self.env._("Due Date"), 12),
            (self.env._("Payment Status"), 14),
            (self.env._("Cancelled by Credit Note"), 12),
        ]

    def get_workbook_options(self):
        # text of agency files, customers and users is written as text: never
        # as a live formula (=HYPERLINK(...), =cmd|...) when the sheet opens
        return dict(super().get_workbook_options(), strings_to_formulas=False)

    def generate_xlsx_report(self, workbook, data, runs):
        bold = workbook.add_format({"bold": True})
        header = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        qty_format = workbook.add_format({"num_format": "#,##0.00"})
        category_labels = dict(
            self.env["res.partner"]._fields["utility_category"]._description_selection(self.env)
        )
        payment_labels = dict(
            self.env["account.move"]._fields["payment_state"]._description_selection(self.env)
        )
        reason_labels = dict(
            self.env["utility.billing.run.skip"]._fields["reason"]._description_selection(self.env)
        )
        for run in runs:
            money = workbook.add_format(
                {"num_format": self._report_xlsx_currency_format(run.currency_id)}
            )
            sheet = workbook.add_worksheet(f"{run.name[:20]} {self.env._('Bills')}"[:31])
            sheet.write(0, 0, run.name, bold)
            sheet.write(0, 2, self.env._("Period"), bold)
            sheet.write_datetime(0, 3, run.date_from, date_format)
            sheet.write_datetime(0, 4, run.date_to, date_format)
            for col, (title, width) in enumerate(self._bill_columns()):
                sheet.set_column(col, col, width)
                sheet.write(2, col, title, header)
            moves = run.move_ids.filtered(lambda m: m.move_type == "out_invoice").sorted("name")
            row = 3
            for move in moves:
                sheet.write(row, 0, move.name)
                sheet.write(row, 1, move.utility_customer_number or "")
                sheet.write(row, 2, move.partner_id.name or "")
                sheet.write(row, 3, move.utility_contract_id.name or "")
                sheet.write(row, 4, move.utility_station_id.name or "")
                sheet.write(row, 5, category_labels.get(move.utility_category, ""))
                sheet.write_datetime(row, 6, move.utility_period_start, date_format)
                sheet.write_datetime(row, 7, move.utility_period_end, date_format)
                sheet.write_number(row, 8, move.utility_consumption, qty_format)
                sheet.write_number(row, 9, move.amount_total, money)
                if move.invoice_date_due:
                    sheet.write_datetime(row, 10, move.invoice_date_due, date_format)
                sheet.write(row, 11, payment_labels.get(move.payment_state, ""))
                sheet.write(row, 12, self.env._("Yes") if move.utility_credited else "")
                row += 1
            if moves:
                sheet.write(row, 7, self.env._("Total"), bold)
                sheet.write_formula(row, 8, f"=SUM(I4:I{row})", qty_format)
                sheet.write_formula(row, 9, f"=SUM(J4:J{row})", money)
            sheet.freeze_panes(3, 0)

            skipped = workbook.add_worksheet(f"{run.name[:20]} {self.env._('Skipped')}"[:31])
            for col, (title, width) in enumerate(
                [
                    (self.env._("Customer Number"), 16),
                    (self.env._("Customer"), 24),
                    (self.env._("Contract"), 16),
                    (self.env._("Supply Station"), 18),
                    (self.env._("Reason"), 30),
                    (self.env._("Detail"), 60),
                ]
            ):
                skipped.set_column(col, col, width)
                skipped.write(0, col, title, header)
            for row, skip in enumerate(run.skip_ids, start=1):
                skipped.write(row, 0, skip.customer_number or "")
                skipped.write(row, 1, skip.partner_id.name or "")
                skipped.write(row, 2, skip.contract_id.name or "")
                skipped.write(row, 3, skip.station_id.name or "")
                skipped.write(row, 4, reason_labels.get(skip.reason, ""))
                skipped.write(row, 5, skip.detail or "")
            skipped.freeze_panes(1, 0)
