import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const field = (name) => `.o_utility_counter .o_field_widget[name='${name}']`;

/**
 * A prepaid customer switched off remotely tops up at the counter: once
 * paid, the counter tells the cashier that the supply switch-on was sent to
 * the customer's meter, so that the cashier can tell the customer.
 */
registry.category("web_tour.tours").add("utility_switch_on_counter_tour", {
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
            content: "Type the customer number of Li Na (prepaid, switched off)",
            trigger: `${field("search_term")} input:focus`,
            run: "edit 0100000003",
        },
        {
            content: "Enter finds the customer",
            trigger: `${field("search_term")} input`,
            run: "press Enter",
        },
        {
            content: "The customer is found",
            trigger: `${field("customer_number")}:contains(0100000003)`,
        },
        {
            content: "She tops up 100.00",
            trigger: `${field("amount")} input`,
            run: "edit 100",
        },
        {
            content: "Cash tendered: 100.00",
            trigger: `${field("amount_tendered")} input`,
            run: "edit 100",
        },
        {
            content: "The difference is kept as prepaid credit",
            trigger: ".o_utility_credit_warning",
        },
        {
            content: "Pay",
            trigger: ".o_utility_counter button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Paid: the counter says the switch-on went to her meter",
            trigger: ".o_utility_switch_on_message:contains(DB23000003):contains(远程复电)",
        },
        {
            content: "The receipt can be printed",
            trigger: ".o_utility_counter button[name='action_print_receipt']",
        },
    ],
});
