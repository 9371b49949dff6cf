import { registry } from "@web/core/registry";

/**
 * Steps paying the open Pay Now dialog of a bill with the demo provider,
 * then checking in the list of bills that the bill is paid.
 */
export function payBillWithDemoProviderSteps() {
    return [
        {
            content: "Enter the demo card number",
            trigger: "#pay_with input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay with the demo provider",
            trigger: "#pay_with button[name='o_payment_submit_button']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back on the bill, go to the list of bills",
            trigger: ".o_portal_submenu a[href^='/my/invoices']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The bill is paid",
            trigger: ".o_portal_my_doc_table .badge:contains('Paid')",
        },
    ];
}

registry.category("web_tour.tours").add("utility_portal_pay_bill", {
    url: "/my/invoices",
    steps: () => [
        {
            content: "Open the bill",
            trigger: ".o_portal_my_doc_table a[href*='/my/invoices/']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Download the bill PDF",
            trigger: "a.o_download_btn",
            // the first PDF rendering builds the report assets: be patient
            timeout: 30000,
            async run() {
                const response = await fetch(this.anchor.href);
                const disposition = response.headers.get("Content-Disposition") || "";
                if (response.status !== 200 || !disposition.includes(".pdf")) {
                    throw new Error(`The bill PDF could not be downloaded (${response.status})`);
                }
            },
        },
        {
            content: "Pay now",
            trigger: "a[data-bs-target='#pay_with']",
            run: "click",
        },
        ...payBillWithDemoProviderSteps(),
    ],
});

registry.category("web_tour.tours").add("utility_portal_topup", {
    url: "/my/utility/contracts",
    steps: () => [
        {
            content: "Open the prepaid contract",
            trigger: "a.o_utility_contract_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Top up",
            trigger: "a.o_utility_topup_btn",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Amount",
            trigger: "#utility_topup_amount",
            run: "edit 50",
        },
        {
            content: "Continue to payment",
            trigger: ".o_utility_topup_amount button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Enter the demo card number",
            trigger: "input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay with the demo provider",
            trigger: "button[name='o_payment_submit_button']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back on the contract: top-up received",
            trigger: ".alert-success:contains('top-up has been received')",
        },
        {
            content: "The new balance is shown",
            trigger: ".o_utility_prepaid_balance:contains('50.00')",
        },
    ],
});
