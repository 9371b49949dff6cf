import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const field = (name) => `.o_utility_counter .o_field_widget[name='${name}']`;

/**
 * A villager in the queue, served with the keyboard as at a Point of Sale:
 * the cashier types the customer number and Enter (the cash tendered takes
 * the focus), clicks the 200.00 quick-cash button, Enter pays, Enter again
 * prints the receipt and opens an empty counter for the next villager.
 */
registry.category("web_tour.tours").add("utility_counter_keyboard_tour", {
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
            content: "The search box has the focus: type the customer number",
            trigger: `${field("search_term")} input:focus`,
            run: "edit 0300000187",
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
            content: "The cash tendered has the focus",
            trigger: `${field("amount_tendered")} input:focus`,
        },
        {
            content: "The villager hands over a 200 note: quick cash",
            trigger: ".o_utility_quick_cash_button[data-amount='200.00']",
            run: "click",
        },
        {
            content: "The change is 16.00",
            trigger: `${field("amount_change")}:contains(16.00)`,
        },
        {
            content: "Back in the cash tendered",
            trigger: `${field("amount_tendered")} input`,
            run: "click",
        },
        {
            content: "Enter pays",
            trigger: `${field("amount_tendered")} input:focus`,
            run: "press Enter",
        },
        {
            content: "Paid: the receipt can be printed",
            trigger: ".o_utility_counter button[name='action_print_receipt']",
        },
        {
            content: "Enter prints the receipt and opens the next customer",
            trigger: "body",
            run: "press Enter",
        },
        {
            content: "An empty counter waits for the next villager",
            trigger: `.o_utility_counter:not(:has(button[name='action_print_receipt'])) .o_field_widget[name='search_term'] input:focus`,
        },
    ],
});
