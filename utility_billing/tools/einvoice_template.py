"""The tax platform's batch-issue workbook (数电票 批量开具), as data.

The electronic invoice service platform (电子发票服务平台) issues e-invoices
in bulk from a workbook it publishes: sheets ``1-发票基本信息`` (one row per
invoice), ``2-发票明细信息`` (its lines), ``3-特定业务信息``,
``4-附加要素信息`` and ``excelVersion``. Row 1 of a sheet holds the
instructions (填表说明), row 2 what a column requires, row 3 the headers;
data starts on row 4, every cell as text. Rows are linked by ``发票流水号``.

The platform changes the layout from time to time: each version is a
``TEMPLATES`` entry (``CURRENT_VERSION`` is written); the results are read
back by header text, never by position. The layout was taken from public
code that writes the template, and must be checked against the template the
platform offers for download before use in production.

``write_workbook(requests)`` returns the ``.xlsx`` bytes for e-invoice
requests (``utility.einvoice.request``); ``invoice_lines(request)`` the
lines of sheet 2 (item, tax code, quantity, unit price, amount, tax rate),
funds (fixed taxes of the bill's lines) as their own items.
"""

import io

import xlsxwriter

from odoo.tools import float_round

SHEET_BASIC = "1-发票基本信息"
SHEET_LINES = "2-发票明细信息"
SHEET_SPECIAL = "3-特定业务信息"
SHEET_EXTRA = "4-附加要素信息"
SHEET_VERSION = "excelVersion"

INSTRUCTIONS = (
    "填表说明：1、发票流水号：纳税人自定义，长度不超过20位，为导入开具区分发票的唯一标识，"
    "用于关联发票的明细信息、特定业务信息、附加要素信息；2、发票类型：增值税专用发票、普通发票；"
    "3、所有内容输入均为文本格式；4、是否含税：单价、金额为含税时选择“是”；"
    "5、受票方自然人标识：开票给自然人时选择“是”。"
)

# header -> what row 2 says about it, per sheet, per version
TEMPLATES = {
    "pt:2025": {
        SHEET_BASIC: [
            ("发票流水号", "必填(限20字符)"),
            ("发票类型", "必填(限10字符)"),
            ("特定业务类型", "非必填(限10字符)"),
            ("是否含税", "必填(是/否)(限2字符)"),
            ("受票方自然人标识", "非必填(是/否)(限2字符)"),
            ("购买方名称", "必填(限100字符)"),
            ("购买方纳税人识别号", "专票必填(限20字符)"),
            ("购买方证件类型", "非必填(限20字符)"),
            ("购买方证件号码", "非必填(限20字符)"),
            ("购买方国籍（或地区）", "非必填(限100字符)"),
            ("购买方地址", "非必填(限100字符)"),
            ("购买方电话", "非必填(限50字符)"),
            ("购买方开户银行", "非必填(限100字符)"),
            ("购买方银行账号", "非必填(限100字符)"),
            ("是否展示购买方地址电话银行账号", "非必填(限10字符)"),
            ("备注", "非必填(限230字符)"),
            ("报废产品销售类型", "非必填(限10字符)"),
            ("销售方开户行", "非必填(限100字符)"),
            ("销售方银行账号", "非必填(限100字符)"),
            ("是否展示销售方地址电话银行账号", "非必填(限10字符)"),
            ("购买方邮箱", "非必填(限100字符)"),
            ("购买方经办人姓名", "非必填(限100字符)"),
            ("购买方经办人证件类型", "非必填(限20字符)"),
            ("购买方经办人证件号码", "非必填(限20字符)"),
            ("经办人国籍(地区)", "非必填(限100字符)"),
            ("经办人自然人纳税人识别号", "非必填(限20字符)"),
            ("放弃享受减按1%征收率原因", "非必填(限100字符)"),
            ("收款人", "非必填(限20字符)"),
            ("复核人", "非必填(限20字符)"),
        ],
        SHEET_LINES: [
            ("发票流水号", "必填(限20字符)"),
            ("项目名称", "必填(限100字符)"),
            ("商品和服务税收编码", "必填(限19字符)"),
            ("规格型号", "非必填(限150字符)"),
            ("单位", "非必填(限20字符)"),
            ("数量", "非必填(限25字符)"),
            ("单价", "非必填(限25字符)"),
            ("金额", "必填(限18字符)"),
            ("税率", "必填(限10字符)"),
            ("折扣金额", "非必填(限18字符)"),
            ("是否使用优惠政策", "非必填(是/否)"),
            ("优惠政策类型", "非必填(限100字符)"),
            ("即征即退类型", "非必填(限100字符)"),
        ],
        SHEET_SPECIAL: [("发票流水号", "必填(限20字符)")],
        SHEET_EXTRA: [
            ("发票流水号", "必填(限20字符)"),
            ("附加要素名称", "必填(限100字符)"),
            ("附加要素内容", "必填(限200字符)"),
        ],
    },
}
CURRENT_VERSION = "pt:2025"
FIRST_DATA_ROW = 3  # zero-based: row 4 of the sheet

INVOICE_TYPE_LABELS = {"special": "增值税专用发票", "ordinary": "普通发票"}


def _number(value, digits):
    """A number as the platform reads it: a plain decimal, no exponent,
    trailing zeros dropped."""
    text = f"{float_round(value, precision_digits=digits):.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _component_of(env, move, tax):
    """The tariff component of ``tax`` on the bill's approved versions,
    when the tariff components exist (they carry the e-invoice item)."""
    if "utility.tariff.component" not in env:
        return None
    Component = env["utility.tariff.component"].sudo()
    domain = [("tax_id", "=", tax.id)]
    if "version_id" in Component._fields and move.utility_tariff_version_ids:
        domain.append(("version_id", "in", move.utility_tariff_version_ids.ids))
    return Component.search(domain, limit=1) or None


def _item(env, move, line, tax):
    """(item name, tax code) for a line: from the tax's tariff component,
    else the product's name (or the line's label)."""
    component = _component_of(env, move, tax) if tax else None
    name = tax_code = ""
    if component is not None:
        name = getattr(component, "einvoice_item_name", "") or component.display_name
        tax_code = getattr(component, "einvoice_tax_code", "") or ""
    if not name:
        name = tax.name if tax and tax.amount_type == "fixed" else ""
    if not name:
        name = line.product_id.name or line.name or ""
    return name, tax_code


def invoice_lines(request):
    """Sheet 2's lines of ``request``: a dict per item, amounts tax included.

    Each product line of the bills gives its energy item (the line's total
    less its funds, at the line's VAT rate); each fund (a fixed tax) on it
    gives its own item, at a zero rate (funds are outside the VAT base)."""
    env = request.env
    currency = request.currency_id
    lines = []
    for move in request.move_ids.sudo():
        for line in move.invoice_line_ids.filtered(lambda ln: ln.display_type == "product"):
            total = line.price_total
            funds = line.tax_ids.filtered(lambda t: t.amount_type == "fixed")
            vat = line.tax_ids.filtered(lambda t: t.amount_type == "percent")[:1]
            fund_items = []
            for fund in funds:
                amount = currency.round(fund.amount * line.quantity)
                if currency.is_zero(amount):
                    continue
                name, tax_code = _item(env, move, line, fund)
                fund_items.append(
                    {
                        "name": name,
                        "tax_code": tax_code,
                        "uom": line.product_uom_id.name or "",
                        "quantity": line.quantity,
                        "price_unit": fund.amount,
                        "amount": amount,
                        "tax_rate": 0.0,
                    }
                )
            energy_amount = total - sum(item["amount"] for item in fund_items)
            name, tax_code = _item(env, move, line, vat)
            quantity = line.quantity
            lines.append(
                {
                    "name": name,
                    "tax_code": tax_code,
                    "uom": line.product_uom_id.name or "",
                    "quantity": quantity,
                    "price_unit": energy_amount / quantity if quantity else energy_amount,
                    "amount": currency.round(energy_amount),
                    "tax_rate": (vat.amount / 100.0) if vat else 0.0,
                }
            )
            lines.extend(fund_items)
    return lines


def basic_row(request):
    """Sheet 1's row of ``request``, by header."""
    natural_person = not request.buyer_tax_id and request.invoice_type == "ordinary"
    note = "、".join(request.move_ids.sudo().mapped("name"))
    return {
        "发票流水号": request.serial,
        "发票类型": INVOICE_TYPE_LABELS[request.invoice_type],
        "是否含税": "是",
        "受票方自然人标识": "是" if natural_person else "否",
        "购买方名称": request.buyer_name,
        "购买方纳税人识别号": request.buyer_tax_id,
        "购买方地址": request.buyer_address,
        "购买方电话": request.buyer_phone,
        "购买方开户银行": request.buyer_bank,
        "购买方银行账号": request.buyer_bank_account,
        "是否展示购买方地址电话银行账号": "是" if request.invoice_type == "special" else "",
        "备注": note[:230],
        "购买方邮箱": request.buyer_email,
    }


def line_rows(request):
    """Sheet 2's rows of ``request``, by header."""
    digits = request.currency_id.decimal_places
    return [
        {
            "发票流水号": request.serial,
            "项目名称": item["name"],
            "商品和服务税收编码": item["tax_code"],
            "单位": item["uom"],
            "数量": _number(item["quantity"], 6),
            "单价": _number(item["price_unit"], 6),
            "金额": f"{item['amount']:.{digits}f}",
            "税率": _number(item["tax_rate"], 4),
        }
        for item in invoice_lines(request)
    ]


def write_workbook(requests, version=CURRENT_VERSION):
    """The batch-issue workbook of ``requests`` (with serials), as bytes."""
    layout = TEMPLATES[version]
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    text = workbook.add_format({"num_format": "@"})
    header_format = workbook.add_format({"num_format": "@", "bold": True, "bg_color": "#D9E1F2"})
    wrap = workbook.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
    rows_by_sheet = {
        SHEET_BASIC: [basic_row(request) for request in requests],
        SHEET_LINES: [row for request in requests for row in line_rows(request)],
        SHEET_SPECIAL: [],
        SHEET_EXTRA: [],
    }
    for sheet_name, columns in layout.items():
        sheet = workbook.add_worksheet(sheet_name)
        sheet.set_column(0, len(columns) - 1, 18, text)
        if len(columns) > 1:
            sheet.merge_range(0, 0, 0, len(columns) - 1, INSTRUCTIONS, wrap)
        else:
            sheet.write_string(0, 0, INSTRUCTIONS, wrap)
        sheet.set_row(0, 60)
        for col, (header, requirement) in enumerate(columns):
            sheet.write_string(1, col, requirement, text)
            sheet.write_string(2, col, header, header_format)
        for row_index, row in enumerate(rows_by_sheet[sheet_name], start=FIRST_DATA_ROW):
            for col, (header, _requirement) in enumerate(columns):
                sheet.write_string(row_index, col, str(row.get(header) or ""), text)
    version_sheet = workbook.add_worksheet(SHEET_VERSION)
    version_sheet.write_string(0, 0, version, text)
    workbook.close()
    return output.getvalue()
