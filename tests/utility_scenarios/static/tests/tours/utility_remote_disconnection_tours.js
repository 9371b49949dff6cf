import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The field collector, from the Collection menu, opens a disconnection
 * order whose notice period is over and whose customer's meter is
 * switched remotely, and executes it remotely: the switch-off is queued
 * for the head-end and listed on the order, which stays scheduled until
 * the head-end acknowledges it.
 */
registry.category("web_tour.tours").add("utility_remote_disconnection_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "The app's first view is shown (its action is not still loading)",
            trigger: ".o_action_manager .o_view_controller",
        },
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open the disconnection orders",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_arrears.menu_utility_disconnection_order"]',
            run: "click",
        },
        {
            content: "Open the scheduled order of Zhang Wei",
            trigger: ".o_list_view .o_data_row:has(td[name=kind]) td.o_data_cell:contains(张伟)",
            run: "click",
        },
        {
            content: "Execute it remotely",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_execute_remote]:contains(远程执行)",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The switch-off is listed on the order, queued",
            trigger:
                ".o_form_view .o_field_widget[name=meter_command_ids] .o_data_row:has(td:contains(DB23000001)):has(td:contains(停电)):has(td:contains(排队中))",
        },
        {
            content: "The order waits for the head-end: still scheduled, no second remote execution",
            trigger:
                ".o_form_view:not(:has(button[name=action_execute_remote])) .o_statusbar_status button.o_arrow_button_current[data-value=scheduled]",
        },
    ],
});
