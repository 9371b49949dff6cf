import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The Collection Manager, from the Collection menu, finds the remote
 * switch-off the head-end never executed: its last error and the field
 * disconnection order it opened; then the meters switched off and a
 * meter's switching history; finally sends the failed command again.
 */
registry.category("web_tour.tours").add("utility_remote_switching_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open Remote Switching",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_arrears.menu_utility_meter_command"]',
            run: "click",
        },
        {
            content: "The failed switch-off of the tour's meter is listed, in red",
            trigger: ".o_data_row.text-danger:has(td:contains(DB23000005))",
        },
        {
            content: "Open it",
            trigger: ".o_data_row td:contains(DB23000005)",
            run: "click",
        },
        {
            content: "The command failed",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=failed]",
        },
        {
            content: "The head-end's answer is on the form",
            trigger: ".o_form_view .o_field_widget[name=last_error]:contains(500)",
        },
        {
            content: "Open the field order it opened",
            trigger: ".o_form_view .o_field_widget[name=field_order_id] a",
            run: "click",
        },
        {
            content: "A draft disconnection order naming the command",
            trigger:
                ".o_form_view:has(.o_field_widget[name=kind]:contains(停电)):has(.o_field_widget[name=meter_command_id] a)",
        },
        {
            content: "Back to the command",
            trigger: ".o_breadcrumb a:contains(MC20)",
            run: "click",
        },
        {
            content: "Send it again (back on the command)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_retry]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "It is queued again",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=queued]",
        },
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open the meters switched off",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_arrears.menu_utility_meter_supply_off"]',
            run: "click",
        },
        {
            content: "The meter switched off is listed with its time off",
            trigger: ".o_data_row:has(td:contains(DB23000003)):has(td[name=supply_off_days])",
        },
        {
            content: "Open it",
            trigger: ".o_data_row td:contains(DB23000003)",
            run: "click",
        },
        {
            content: "Open the Switching tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name=switching]",
            run: "click",
        },
        {
            content: "Its switch-off is in the history",
            trigger:
                ".o_form_view .o_field_widget[name=meter_command_ids] .o_data_row:has(td[name=state])",
        },
    ],
});
