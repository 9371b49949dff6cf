import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const field = (name) => `.o_field_widget[name='${name}']`;
/** The number shown by a monetary field, without currency or separators. */
const amountOf = (name) =>
    parseFloat(document.querySelector(field(name)).innerText.replace(/[^0-9.-]/g, ""));

/**
 * A village committee pays for its members at the hall (cashier_cg, whose
 * session is open): from the menu, pick the payer group, see the payer and
 * the members who owe (the one owing nothing is not listed), take the cash,
 * see the change, pay all.
 */
registry.category("web_tour.tours").add("utility_committee_pays_for_its_members_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open the consolidated payment",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_payment_channels.menu_utility_consolidated_payment"]',
            run: "click",
        },
        {
            content: "The cashier's open session is taken",
            trigger: `${field("session_id")}:not(:empty)`,
        },
        {
            content: "Pick by payer group",
            trigger: `${field("selection_mode")} input[data-value='group']`,
            run: "click",
        },
        {
            content: "Type the group's name",
            trigger: `${field("payer_group_id")} input`,
            run: "edit 前进村",
        },
        {
            content: "Pick the group",
            trigger: ".o-autocomplete--dropdown-item a:contains('前进村委会代缴')",
            run: "click",
        },
        {
            content: "The payer is the group's payer, the village committee",
            trigger: `${field("payer_id")} input:value(前进村村民委员会)`,
        },
        {
            content: "The two members who owe are listed",
            trigger: `${field("line_ids")} .o_data_row:nth-child(2) td[name=customer_number]`,
        },
        {
            content: "The member owing nothing is not listed",
            trigger: `${field("line_ids")}:not(:has(td:contains(0900000003)))`,
        },
        {
            content: "The total is what both owe",
            trigger: `${field("amount_total")}:contains(300.00)`,
        },
        {
            content: "The committee hands over 500 yuan",
            trigger: `${field("amount_tendered")} input`,
            run: "edit 500",
        },
        {
            content: "Leave the field",
            trigger: `${field("payer_id")} input`,
            run: "click",
        },
        {
            content: "The change is 200.00",
            trigger: `${field("amount_change")}:contains(200.00)`,
            run() {
                const change = amountOf("amount_change");
                const total = amountOf("amount_total");
                if (Math.abs(500 - total - change) > 0.001) {
                    throw new Error(`change ${change} is not 500 - ${total}`);
                }
            },
        },
        {
            content: "Pay all",
            trigger: ".o_form_view button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Paid: the receipts can be printed",
            trigger: ".o_form_view button[name=action_print_receipts]",
        },
        {
            content: "One payment per member",
            trigger: `${field("payment_ids")} .o_data_row:nth-child(2)`,
        },
    ],
});
