import { registry } from "@web/core/registry";
import { payBillWithDemoProviderSteps } from "@utility_billing/../tests/tours/utility_portal_tours";

registry.category("web_tour.tours").add("utility_portal_pay_overdue_bill", {
    url: "/my/invoices",
    steps: () => [
        {
            content: "Open the overdue bill",
            trigger: ".o_portal_my_doc_table a[href*='/my/invoices/']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Pay now",
            trigger: "a[data-bs-target='#pay_with']",
            run: "click",
        },
        {
            content: "The amount includes the late fee of the day",
            trigger: "#pay_with .o_utility_late_fee:contains('6.00')",
        },
        ...payBillWithDemoProviderSteps(),
    ],
});
