import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("utility_contract_list_tour", {
    url: "/odoo/action-utility_billing.action_utility_contract",
    steps: () => [
        {
            content: "The active supply contracts are listed",
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Open the contract of customer 张伟",
            trigger: ".o_data_row td[name=partner_id]:contains('张伟')",
            run: "click",
        },
        {
            content: "The contract shows its customer number",
            trigger: ".o_form_view .o_field_widget[name=customer_number]:contains('0100000001')",
        },
    ],
});
