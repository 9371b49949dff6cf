import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The billing officer, in Chinese, opens a cost-controlled contract from the
 * Customers menu, reads its Cost Control group (never valued yet) and values
 * it now: the consumption the head-end read since the last bill, its value
 * and the estimated balance appear.
 */
registry.category("web_tour.tours").add("utility_cost_control_valuation_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Customers menu (用电客户)",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_customers"]',
            run: "click",
        },
        {
            content: "Open Supply Contracts",
            trigger: '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_contract"]',
            run: "click",
        },
        {
            content: "Search the contract of 马超",
            trigger: ".o_searchview_input",
            run: "edit GYD2026000013",
        },
        {
            content: "Search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open it",
            trigger: ".o_data_row td:contains(GYD2026000013)",
            run: "click",
        },
        {
            content: "The Cost Control group (费控), not valued yet",
            trigger:
                ".o_form_view .o_inner_group:has(.o_utility_valued_unbilled_kwh:contains(0.00))",
        },
        {
            content: "The group is titled 费控",
            trigger: ".o_form_view .o_horizontal_separator:contains(费控)",
        },
        {
            content: "Value it now (立即测算)",
            trigger: ".o_form_view button.o_utility_value_now:contains(立即测算)",
            run: "click",
        },
        {
            content: "The kWh read since the last bill: 1674.6 - 1406",
            trigger: ".o_form_view .o_utility_valued_unbilled_kwh:contains(268.60)",
        },
        {
            content: "Their value, priced by the blocks",
            trigger: ".o_form_view .o_utility_valued_unbilled_amount:not(:contains(0.00))",
        },
        {
            content: "The estimated balance: the open bills and that value, owed",
            trigger: ".o_form_view .o_utility_valued_balance:contains(-)",
        },
        {
            content: "When it was valued",
            trigger: ".o_form_view .o_field_widget[name=valued_at]:not(:empty)",
        },
    ],
});
