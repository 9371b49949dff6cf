import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * VAT e-invoice requests (数电票), asked for as the person does it, in
 * Chinese: the customer on a phone from the portal home, the cashier at the
 * counter right after a payment.
 */

const BILL_KEY = "utility_einvoice_tours.bill";

registry.category("web_tour.tours").add("utility_portal_customer_requests_an_einvoice_zh", {
    url: "/my",
    steps: () => [
        {
            content: "Open the bills from the portal home (发票)",
            trigger: ".o_portal_index_card a[href^='/my/invoices?filterby=invoices']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the latest bill",
            trigger: ".o_portal_my_doc_table a[href*='/my/invoices/']:contains('UTB/')",
            async run(helpers) {
                sessionStorage.setItem(BILL_KEY, this.anchor.textContent.trim());
                await helpers.click();
            },
            expectUnloadPage: true,
        },
        {
            content: "The bill page offers a VAT e-invoice (申请开票)",
            trigger: ".o_utility_einvoice:contains('增值税电子发票') a.o_utility_einvoice_request_btn:contains('申请开票')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The form names the bill and is filled in with the customer's name",
            trigger: ".o_utility_einvoice_form input[name='buyer_name']",
            run() {
                const bill = sessionStorage.getItem(BILL_KEY);
                if (!document.body.textContent.includes(bill)) {
                    throw new Error(`The request form does not name the bill ${bill}`);
                }
                if (this.anchor.value !== "张伟") {
                    throw new Error(`The invoice title is "${this.anchor.value}", not 张伟`);
                }
            },
        },
        {
            content: "An ordinary invoice hides the special invoice's bank details",
            trigger: ".o_utility_einvoice_form:has(#utility_einvoice_type_ordinary:checked) .o_utility_einvoice_special:not(:visible)",
        },
        {
            content: "Ask for a special VAT invoice (增值税专用发票)",
            trigger: "label[for='utility_einvoice_type_special']:contains('增值税专用发票')",
            run: "click",
        },
        {
            content: "Its bank details are asked for (开户银行)",
            trigger: ".o_utility_einvoice_special:visible label:contains('开户银行')",
        },
        {
            content: "Send it without the tax id and the bank (提交申请)",
            trigger: ".o_utility_einvoice_submit:contains('提交申请')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The form says what is missing and keeps what was typed",
            trigger: ".o_utility_einvoice_error",
            run() {
                const title = document.querySelector("input[name='buyer_name']").value;
                if (title !== "张伟") {
                    throw new Error(`The invoice title was lost: "${title}"`);
                }
            },
        },
        {
            content: "An ordinary invoice after all (普通发票)",
            trigger: "label[for='utility_einvoice_type_ordinary']:contains('普通发票')",
            run: "click",
        },
        {
            content: "Where to send the e-invoice",
            trigger: "input[name='buyer_email']",
            run: "edit zhangwei@example.com",
        },
        {
            content: "Send the request (提交申请)",
            trigger: ".o_utility_einvoice_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back on the bill: the request is recorded",
            trigger: ".o_utility_einvoice_requested:contains('您的开票申请已提交')",
        },
        {
            content: "The bill shows the request as requested (已申请), no second request",
            trigger: ".o_utility_einvoice:not(:has(.o_utility_einvoice_request_btn)) .o_utility_einvoice_request:contains('普通发票') .o_utility_einvoice_state:contains('已申请')",
        },
        {
            content: "Back to the portal home",
            trigger: ".breadcrumb a[href='/my/home'], .breadcrumb a[href='/my']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the e-invoices (电子发票)",
            trigger: ".o_portal_index_card a[href='/my/einvoices']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The request of the bill is listed as requested",
            trigger: ".o_utility_einvoice_list .o_utility_einvoice_request:has(.o_utility_einvoice_state:contains('已申请'))",
            run() {
                const bill = sessionStorage.getItem(BILL_KEY);
                if (!this.anchor.textContent.includes(bill)) {
                    throw new Error(`The e-invoice list does not show the request of ${bill}`);
                }
            },
        },
    ],
});

const field = (name) => `.o_utility_counter .o_field_widget[name='${name}']`;
const dialogField = (name) => `.modal .o_utility_counter_einvoice .o_field_widget[name='${name}']`;

registry.category("web_tour.tours").add("utility_counter_cashier_requests_an_einvoice_zh", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open the counter",
            trigger: '.dropdown-item[data-menu-xmlid="utility_payment_channels.menu_utility_counter"]',
            run: "click",
        },
        {
            content: "Type the customer number",
            trigger: `${field("search_term")} input:focus`,
            run: "edit 0300000188",
        },
        {
            content: "Enter finds the customer",
            trigger: `${field("search_term")} input`,
            run: "press Enter",
        },
        {
            content: "The amount due is shown",
            trigger: `${field("amount_due")}:contains(184.00)`,
        },
        {
            content: "No e-invoice before the payment",
            trigger: ".o_utility_counter:not(:has(button[name='action_request_einvoice']))",
        },
        {
            content: "Cash tendered",
            trigger: `${field("amount_tendered")} input`,
            run: "edit 200",
        },
        {
            content: "Pay (缴费)",
            trigger: ".o_utility_counter button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Paid: the cashier asks for the e-invoice (申请开票)",
            trigger: ".o_utility_counter button[name='action_request_einvoice']:contains('申请开票')",
            run: "click",
        },
        {
            content: "The dialog says one e-invoice per bill, filled in with the customer",
            trigger: ".modal .o_utility_counter_einvoice:contains('每张账单各开一张电子发票')",
            run() {
                const title = document.querySelector(`${dialogField("buyer_name")} input`);
                if (!title || title.value !== "新源县城关五金商店") {
                    throw new Error(`The invoice title is "${title && title.value}"`);
                }
            },
        },
        {
            content: "A special VAT invoice (增值税专用发票)",
            trigger: `${dialogField("invoice_type")} label:contains('增值税专用发票')`,
            run: "click",
        },
        {
            content: "Its bank (开户银行)",
            trigger: `${dialogField("buyer_bank")} input`,
            run: "edit 中国农业银行新源县支行",
        },
        {
            content: "Its bank account (银行账号)",
            trigger: `${dialogField("buyer_bank_account")} input`,
            run: "edit 16230101040099999",
        },
        {
            content: "Send the request (提交申请)",
            trigger: ".modal button[name='action_request']:contains('提交申请')",
            run: "click",
        },
        {
            content: "The counter lists the two requests as requested (已申请)",
            trigger: ".o_utility_counter_einvoices .o_data_row .o_field_badge:contains('已申请')",
            run() {
                const rows = document.querySelectorAll(".o_utility_counter_einvoices .o_data_row");
                if (rows.length !== 2) {
                    throw new Error(`${rows.length} requests listed, not one per bill paid`);
                }
            },
        },
        {
            content: "No second request for the same payment",
            trigger: ".o_utility_counter:not(:has(button[name='action_request_einvoice'])) button[name='action_print_receipt']",
        },
    ],
});
