import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * Daily journeys of issue 21, walked as the person who does them, in
 * Chinese, from the portal home or the back-office menu, on the demo data.
 */

const BILL_NUMBER = /UTB\/\d{4}\/\d+/;

/** Steps paying the bill of the open page with Odoo's demo provider. */
function payWithDemoProviderSteps(formSelector) {
    return [
        {
            content: "Enter the demo card number",
            trigger: `${formSelector} input[name='customer_input']`,
            run: "edit 4242424242424242",
        },
        {
            content: "The demo payment ends in success",
            trigger: `${formSelector} select#simulated_payment_state`,
            run() {
                if (this.anchor.value !== "done") {
                    throw new Error(
                        `The demo payment status is "${this.anchor.value}", not "done": the ` +
                            "payment would fail (translated option values?)"
                    );
                }
            },
        },
        {
            content: "Pay (支付)",
            trigger: `${formSelector} button[name='o_payment_submit_button']`,
            run: "click",
            expectUnloadPage: true,
        },
    ];
}

// The number of the bill the customer pays, read on the home page warning
// (kept across the page loads of the tour).
const PAID_BILL_KEY = "utility_journey_tours.paid_bill";

registry.category("web_tour.tours").add("utility_portal_customer_pays_a_bill_zh", {
    url: "/my",
    steps: () => [
        {
            content: "The home page warns of an overdue bill, in Chinese",
            trigger: ".o_utility_warning:contains('已逾期，请尽快缴费')",
        },
        {
            content: "Open the overdue bill from its warning (查看账单)",
            trigger: ".o_utility_warning:contains('已逾期') a:contains('查看账单')",
            async run(helpers) {
                const warning = this.anchor.closest(".o_utility_warning");
                sessionStorage.setItem(PAID_BILL_KEY, warning.textContent.match(BILL_NUMBER)[0]);
                await helpers.click();
            },
            expectUnloadPage: true,
        },
        {
            content: "The bill page shows the electricity bill, with its readings and amount in capitals",
            trigger: ":iframe .page:contains('电费账单'):contains('抄表示数'):contains('大写')",
            timeout: 30000,
        },
        {
            content: "No salesperson on a utility bill",
            trigger: "body:not(:has(.o_portal_contact_details, .o_portal_sidebar :contains('销售员')))",
        },
        {
            content: "Download the bill as a PDF",
            trigger: "a.o_download_btn",
            timeout: 30000,
            async run() {
                const response = await fetch(this.anchor.href);
                const type = response.headers.get("Content-Type") || "";
                if (response.status !== 200 || !type.includes("pdf")) {
                    throw new Error(`The bill PDF could not be downloaded (${response.status})`);
                }
            },
        },
        {
            content: "Pay now (立即支付)",
            trigger: "a[data-bs-target='#pay_with']:contains('立即支付')",
            run: "click",
        },
        {
            content: "The amount to pay includes the late fee of the day",
            trigger: "#pay_with .o_utility_late_fee:contains('违约金')",
        },
        ...payWithDemoProviderSteps("#pay_with"),
        {
            content: "Back on the bill: nothing left to pay",
            trigger: ".o_portal_invoice_sidebar:not(:has(a[data-bs-target='#pay_with']))",
            timeout: 30000,
        },
        {
            content: "Go to the list of bills",
            trigger: ".breadcrumb a[href^='/my/invoices']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The bill is paid",
            trigger: ".o_portal_my_doc_table tr:has(a[href*='/my/invoices/']) .badge.text-bg-success",
            run() {
                const paidBill = sessionStorage.getItem(PAID_BILL_KEY);
                const row = [...document.querySelectorAll(".o_portal_my_doc_table tr")].find(
                    (tr) => tr.textContent.includes(paidBill)
                );
                if (!row || !row.querySelector(".badge.text-bg-success")) {
                    throw new Error(`Bill ${paidBill} is not shown as paid`);
                }
            },
        },
        {
            content: "Back to the home page",
            trigger: ".breadcrumb a[href='/my/home'], .breadcrumb a[href='/my']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The paid bill's overdue warning is gone at once",
            trigger: ".o_portal_my_home",
            run() {
                const paidBill = sessionStorage.getItem(PAID_BILL_KEY);
                const warnings = [...document.querySelectorAll(".o_utility_warning")];
                if (warnings.some((w) => w.textContent.includes(paidBill))) {
                    throw new Error(`The home page still warns that ${paidBill} is overdue`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("utility_portal_prepaid_customer_tops_up_zh", {
    url: "/my",
    steps: () => [
        {
            content: "The home page warns that the prepaid balance is low",
            trigger: ".o_utility_warning:contains('预付费余额不足')",
        },
        {
            content: "Top up now (立即充值)",
            trigger: ".o_utility_warning:contains('预付费余额不足') a:contains('立即充值')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Amount to top up",
            trigger: "#utility_topup_amount",
            run: "edit 100",
        },
        {
            content: "Continue to the payment",
            trigger: ".o_utility_topup_amount button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The amount is confirmed",
            trigger: ".o_utility_topup_value:contains('100.00')",
        },
        ...payWithDemoProviderSteps("body"),
        {
            content: "Back on the contract: the top-up is received",
            trigger: ".alert-success:contains('您的充值已到账')",
            timeout: 30000,
        },
        {
            content: "The new balance: 12.00 + 100.00",
            trigger: ".o_utility_prepaid_balance:contains('112.00')",
        },
        {
            content: "The low-balance warning is gone at once",
            trigger: "body:not(:has(.o_utility_warning:contains('预付费余额不足')))",
        },
    ],
});

registry.category("web_tour.tours").add("utility_manager_dunning_and_disconnection_zh", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Utilities app (电力营销)",
            trigger: ".o_app[data-menu-xmlid='utility_billing.menu_utility_root']",
            run: "click",
        },
        {
            content: "Collection menu (电费回收)",
            trigger: ".o_menu_sections [data-menu-xmlid='utility_billing.menu_utility_collection']",
            run: "click",
        },
        {
            content: "Dunning runs (催费批次)",
            trigger: ".dropdown-item[data-menu-xmlid='utility_arrears.menu_utility_dunning_run']",
            run: "click",
        },
        {
            content: "New run",
            trigger: ".o_control_panel:has(.o_breadcrumb:contains('催费批次')) .o_list_button_add",
            run: "click",
        },
        {
            content: "Run it (执行批次)",
            trigger: ".o_form_view button[name='action_run']:contains('执行批次')",
            run: "click",
        },
        {
            content: "The run is done and lists what it did to 张伟's overdue bill",
            trigger:
                ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('已完成')",
        },
        {
            content: "张伟's action, done",
            trigger:
                ".o_field_widget[name=action_ids] .o_data_row:contains('张伟') td[name=state]:contains('已完成')",
        },
        {
            content: "Disconnection orders (停复电工单)",
            trigger: ".o_menu_sections [data-menu-xmlid='utility_billing.menu_utility_collection']",
            run: "click",
        },
        {
            content: "Open the list",
            trigger:
                ".dropdown-item[data-menu-xmlid='utility_arrears.menu_utility_disconnection_order']",
            run: "click",
        },
        {
            content: "New order",
            trigger: ".o_control_panel:has(.o_breadcrumb:contains('停复电工单')) .o_list_button_add",
            run: "click",
        },
        {
            content: "Customer 张伟",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit 张伟",
        },
        {
            content: "Pick 张伟",
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains('张伟')",
            run: "click",
        },
        {
            content: "The order names 张伟's overdue bills",
            trigger: ".o_field_widget[name=bill_ids] .o_data_row td:contains('UTB/')",
        },
        {
            content: "with their amount overdue",
            trigger: ".o_field_widget[name=amount_overdue]:not(:contains('0.00'))",
        },
        {
            content: "Give the written notice (送达通知)",
            trigger: ".o_form_view button[name='action_notify']:contains('送达通知')",
            run: "click",
        },
        {
            content: "Notified",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('已通知')",
        },
        {
            content: "Schedule (排期)",
            trigger: ".o_form_view button[name='action_schedule']:contains('排期')",
            run: "click",
        },
        {
            content: "Scheduled, still for its bills",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('已排期')",
        },
        {
            content: "The scheduled order still names its bills",
            trigger: ".o_field_widget[name=bill_ids] .o_data_row td:contains('UTB/')",
        },
    ],
});
