import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The Collection Manager, in Chinese, opens the remote cost control
 * dashboard from the Collection menu: the meter switched off and the
 * failed command are listed; the failed count opens the failed command,
 * and the command its field disconnection order.
 */
registry.category("web_tour.tours").add("utility_cost_control_dashboard_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu (电费回收)",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open the cost control dashboard (远程费控看板)",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_arrears.menu_utility_cost_control_dashboard"]:contains(远程费控看板)',
            run: "click",
        },
        {
            content: "The meters switched off are counted",
            trigger: ".o_utility_cc_meters_off:contains(停电电表)",
        },
        {
            content: "The meter switched off is listed with its village and amount to pay",
            trigger:
                ".o_utility_cc_meter_off_list .o_data_row:has(td:contains(DB23000003)):has(td:contains(城关镇东街)):has(td[name=supply_amount_to_pay]:contains(8.41))",
        },
        {
            content: "Open the commands failed or waiting (失败或待执行的指令)",
            trigger: ".o_notebook a.nav-link[name=commands]:contains(失败或待执行的指令)",
            run: "click",
        },
        {
            content: "The failed switch-off is listed, in red, with its field order",
            trigger:
                ".o_utility_cc_command_list .o_data_row.text-danger:has(td:contains(DB23000013)):has(td[name=field_order_id]:contains(DIS))",
        },
        {
            content: "Open the failed commands from their count (失败指令)",
            trigger: "button.o_utility_cc_failed:contains(失败指令)",
            run: "click",
        },
        {
            content: "The failed commands' list opens: open the failed command",
            trigger: ".o_view_controller.o_list_view .o_data_row td:contains(DB23000013)",
            run: "click",
        },
        {
            content: "The command failed",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=failed]",
        },
        {
            content: "Open the field order it opened",
            trigger: ".o_form_view .o_field_widget[name=field_order_id] a",
            run: "click",
        },
        {
            content: "The disconnection order for the field staff names the command",
            trigger:
                ".o_form_view:has(.o_field_widget[name=kind]:contains(停电)):has(.o_field_widget[name=meter_command_id] a)",
        },
    ],
});

/**
 * 李娜 (customer03, prepaid, switched off) on her phone, in Chinese: her
 * contract says the power is off (已停电) and what to pay to have it
 * switched back on; the pay button opens the top-up form with that amount.
 */
registry.category("web_tour.tours").add("utility_portal_supply_off_amount_to_pay_zh", {
    url: "/my/utility/contracts",
    steps: () => [
        {
            content: "The contract list says the power is off",
            trigger: "tr:has(.o_utility_contract_link) .o_utility_supply_badge:contains(已停电)",
        },
        {
            content: "Open the contract",
            trigger: ".o_utility_contract_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The supply card says the power is off (已停电)",
            trigger: ".o_utility_supply_state .o_utility_supply_badge:contains(已停电)",
        },
        {
            content: "What to pay to be switched back on",
            trigger: ".o_utility_supply_state:contains(缴清以下金额即可恢复供电) .o_utility_amount_to_switch_on:contains(8.41)",
        },
        {
            content: "Pay now (立即缴费)",
            trigger: ".o_utility_pay_to_switch_on:contains(立即缴费)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The top-up form proposes that amount",
            trigger: ".o_utility_topup_value:contains(8.41)",
        },
    ],
});
