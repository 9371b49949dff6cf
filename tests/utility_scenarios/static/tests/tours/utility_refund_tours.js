import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The Collection Manager, from the Collection menu and in Chinese, finds the
 * refund a cashier asked for (a bill paid twice, 183.60), awaiting approval,
 * and approves it: the request shows the approver and waits for payment.
 */
registry.category("web_tour.tours").add("utility_refund_approve_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open Refund Requests",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_refund_request"]',
            run: "click",
        },
        {
            content: "The request is listed, awaiting approval (待审批)",
            trigger: ".o_data_row:has(td:contains(183.60)):has(td:contains(待审批))",
        },
        {
            content: "Open it",
            trigger: ".o_data_row:has(td:contains(183.60)) td[name=name]",
            run: "click",
        },
        {
            content: "The reason is the duplicate payment, in Chinese",
            trigger: ".o_form_view .o_field_widget[name=reason]:contains(重复缴费)",
        },
        {
            content: "The credit is reserved by an entry of the life-cycle journal",
            trigger: ".o_form_view .o_field_widget[name=reserve_move_id]:contains(ULC/)",
        },
        {
            content: "Approve (批准)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_approve]:contains(批准)",
            run: "click",
        },
        {
            content: "Approved (已批准), by the manager",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=approved]):has(.o_field_widget[name=approved_by_id]:contains(Refund Manager))",
        },
        {
            content: "The accountant's button is there, the approval one is gone",
            trigger:
                ".o_form_view .o_statusbar_buttons:has(button[name=action_pay]):not(:has(button[name=action_approve]))",
        },
    ],
});
