import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * A bill whose approved prices include 13% VAT and a 0.02/kWh government
 * fund (Henan, 300 kWh: 184.00 = 157.52 + VAT 20.48 + fund 6.00), as the
 * person sees it in Chinese: the customer on the portal (phone), the
 * cashier at the counter.
 */

// the number of the bill, given by the test in the first page's address
const TAXED_BILL_KEY = "utility_taxed_bill_tours.bill";

registry.category("web_tour.tours").add("utility_portal_customer_reads_a_taxed_bill_zh", {
    steps: () => [
        {
            content: "The portal home lists the customer's bills",
            trigger: ".o_portal_docs a[href='/my/invoices?filterby=invoices']",
            run(helpers) {
                const bill = new URLSearchParams(window.location.search).get("utility_taxed_bill");
                sessionStorage.setItem(TAXED_BILL_KEY, bill);
                return helpers.click();
            },
            expectUnloadPage: true,
        },
        {
            content: "Open the taxed bill from the list",
            trigger: "a[href*='/my/invoices/']",
            run() {
                const number = sessionStorage.getItem(TAXED_BILL_KEY);
                const link = [...document.querySelectorAll("a[href*='/my/invoices/']")].find(
                    (a) => a.textContent.includes(number)
                );
                if (!link) {
                    throw new Error(`Bill ${number} is not in the list of bills`);
                }
                link.click();
            },
            expectUnloadPage: true,
        },
        {
            content: "The bill page shows the charges excl. VAT (电费（不含税）157.52)",
            trigger: ".o_utility_invoice_taxes .o_utility_untaxed:contains('电费（不含税）'):contains('157.52')",
        },
        {
            content: "… the VAT (增值税 13% 20.48)",
            trigger: ".o_utility_invoice_taxes .o_utility_vat:contains('增值税'):contains('13%'):contains('20.48')",
        },
        {
            content: "… the fund by name (6.00)",
            trigger: ".o_utility_invoice_taxes .o_utility_fund:contains('国家重大水利工程建设基金（测试）'):contains('6.00')",
        },
        {
            content: "… and the total (合计 184.00), which is what is due",
            trigger: ".o_utility_invoice_taxes .o_utility_total:contains('合计'):contains('184.00')",
        },
        {
            content: "The electricity bill prints each line tax included",
            trigger: ":iframe .page:contains('金额（含增值税及基金）'):contains('100.80'):contains('48.80'):contains('34.40')",
            timeout: 30000,
        },
        {
            content: "… and its VAT, its fund and its total, as a Chinese bill does",
            trigger: ":iframe .page:has(tr.o_utility_untaxed:contains('电费（不含税）'):contains('157.52')):has(tr.o_utility_vat:contains('增值税 13%'):contains('20.48')):has(tr.o_utility_fund:contains('国家重大水利工程建设基金（测试）'):contains('6.00')):contains('184.00')",
        },
    ],
});

registry.category("web_tour.tours").add("utility_counter_cashier_reads_a_taxed_bill_zh", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open the counter (柜台收费)",
            trigger: '.dropdown-item[data-menu-xmlid="utility_payment_channels.menu_utility_counter"]',
            run: "click",
        },
        {
            content: "Find the customer by number",
            trigger: ".o_field_widget[name='search_term'] input",
            run: "edit 0300000284",
        },
        {
            content: "Go to the cash tendered",
            trigger: ".o_field_widget[name='amount_tendered'] input",
            run: "click",
        },
        {
            content: "The bill lines show the charges, VAT and funds columns in Chinese",
            trigger: ".o_field_widget[name='line_ids'] thead:has(th[data-name='amount_untaxed']:contains('电费（不含税）')):has(th[data-name='amount_vat']:contains('增值税')):has(th[data-name='amount_funds']:contains('基金及附加'))",
        },
        {
            content: "The bill's charges 157.52, VAT 20.48, fund 6.00 and total 184.00",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row:has(td[name='amount_untaxed']:contains('157.52')):has(td[name='amount_vat']:contains('20.48')):has(td[name='amount_funds']:contains('6.00')):has(td[name='amount_total']:contains('184.00'))",
        },
        {
            content: "The amount due stays the bill's total, VAT and fund included",
            trigger: ".o_field_widget[name='amount_due']:contains('184.00')",
        },
        {
            content: "The customer only asked: discard the counter screen",
            trigger: ".o_form_button_cancel",
            run: "click",
        },
    ],
});
