from odoo import models


class AgencySettlementXlsx(models.AbstractModel):
    """Settlement statement sent to the agency: one sheet per settlement with
    its figures and the payments it covers."""

    _name = "report.utility_payment_channels.agency_settlement_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Agency Settlement Statement (xlsx)"

    def get_workbook_options(self):
        # text of agency files, customers and users is written as text: never
        # as a live formula (=HYPERLINK(...), =cmd|...) when the sheet opens
        return dict(super().get_workbook_options(), strings_to_formulas=False)

    def generate_xlsx_report(self, workbook, data, objs):
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        for settlement in objs:
            money = workbook.add_format(
                {"num_format": self._report_xlsx_currency_format(settlement.currency_id)}
            )
            money_bold = workbook.add_format(
                {
                    "bold": True,
                    "num_format": self._report_xlsx_currency_format(settlement.currency_id),
                }
            )
            sheet = workbook.add_worksheet(settlement.name[:31])
            sheet.set_column(0, 0, 22)
            sheet.set_column(1, 6, 18)
            sheet.write(0, 0, self.env._("Settlement statement %s", settlement.name), title)
            header = [
                (self.env._("Agency"), settlement.agency_id.name),
                (self.env._("Company"), settlement.company_id.name),
                (self.env._("Period"), f"{settlement.date_from} - {settlement.date_to}"),
                (self.env._("Payments"), settlement.payment_count),
            ]
            row = 2
            for label, value in header:
                sheet.write(row, 0, label, bold)
                sheet.write(row, 1, value)
                row += 1
            for label, value in (
                (self.env._("Gross collected"), settlement.gross_amount),
                (self.env._("Commission"), settlement.commission_amount),
                (self.env._("Net amount due"), settlement.net_amount),
            ):
                sheet.write(row, 0, label, bold)
                sheet.write_number(row, 1, value, money_bold)
                row += 1
            row += 1
            columns = [
                self.env._("Date"),
                self.env._("Payment"),
                self.env._("Transaction"),
                self.env._("Customer Number"),
                self.env._("Customer"),
                self.env._("Outlet"),
                self.env._("Amount"),
            ]
            for col, label in enumerate(columns):
                sheet.write(row, col, label, bold)
            for payment in settlement.payment_ids.sorted(lambda p: (p.date, p.id)):
                row += 1
                sheet.write(row, 0, str(payment.date))
                sheet.write(row, 1, payment.name or "")
                sheet.write(row, 2, payment.utility_external_txn_id or "")
                sheet.write(row, 3, payment.partner_id.utility_customer_number or "")
                sheet.write(row, 4, payment.partner_id.name or "")
                sheet.write(row, 5, payment.utility_collection_point_id.code or "")
                sheet.write_number(row, 6, payment.amount, money)
