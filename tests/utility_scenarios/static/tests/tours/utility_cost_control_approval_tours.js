import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The Collection Manager, from the Customers menu, opens the supply
 * contract of a caring-service customer whose prepaid balance ran out,
 * sees on its Remote Switch-off tab that the switch-off waits for a
 * manager after the caring visit, and approves it.
 */
registry.category("web_tour.tours").add("utility_cost_control_approval_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Customers menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_customers"]',
            run: "click",
        },
        {
            content: "Open Supply Contracts",
            trigger: '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_contract"]',
            run: "click",
        },
        {
            content: "Open the caring customer's contract",
            trigger: ".o_data_row td:contains(GYD2026000003)",
            run: "click",
        },
        {
            content: "Open the Remote Switch-off tab (远程停电)",
            trigger: ".o_form_view .o_notebook a.nav-link:contains(远程停电)",
            run: "click",
        },
        {
            content: "The switch-off waits for a manager's approval (待审批)",
            trigger: ".o_form_view .o_field_widget[name=cc_status]:contains(待审批)",
        },
        {
            content: "The final notice was sent, with the amount to pay",
            trigger:
                ".o_form_view:has(.o_field_widget[name=cc_final_notice_at]):has(.o_field_widget[name=cc_amount_to_pay]:contains(8.51))",
        },
        {
            content: "The form says why: a caring-service customer (亲情服务客户)",
            trigger: ".o_form_view .alert-warning:contains(亲情服务客户)",
        },
        {
            content: "Approve the switch-off (批准停电)",
            trigger: ".o_form_view button[name=action_cc_approve_switch_off]:contains(批准停电)",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The approval is recorded, with the approver",
            trigger: ".o_form_view .o_field_widget[name=cc_approved_by_id]:contains(孙志强)",
        },
        {
            content: "No longer waiting: the final notice is out (已发最终通知)",
            trigger: ".o_form_view .o_field_widget[name=cc_status]:contains(已发最终通知)",
        },
        {
            content: "The approval is in the chatter",
            trigger: ".o-mail-Message:contains(远程停电已由)",
        },
    ],
});
