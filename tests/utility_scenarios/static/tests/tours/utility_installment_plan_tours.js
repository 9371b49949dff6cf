import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * A Collection Manager, from the Collection menu and in Chinese, agrees an
 * installment plan with a customer whose bills of 120.00, 150.00 and
 * 130.00 are overdue: the form proposes the overdue bills (400.00),
 * generates four installments of 100.00 and agrees the plan, which is then
 * kept (履约中), approved by the manager, the customer told by SMS.
 */
registry.category("web_tour.tours").add("utility_installment_plan_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open Installment Plans (分期缴费协议)",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_arrears.menu_utility_installment_plan"]:contains(分期缴费协议)',
            run: "click",
        },
        {
            content: "New plan",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Choose the customer",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit 分期测试客户",
        },
        {
            content: "Pick the customer in the dropdown",
            trigger: ".o-autocomplete--dropdown-item a:contains(分期测试客户)",
            run: "click",
        },
        {
            content: "The customer's overdue bills are proposed: 400.00 of principal (本金)",
            trigger: ".o_form_view .o_field_widget[name=amount_principal]:contains(400.00)",
        },
        {
            content: "Four installments, the first in ten days",
            trigger: ".o_form_view .o_field_widget[name=installment_count] input",
            run: "edit 4",
        },
        {
            content: "Generate the installments (生成分期)",
            trigger:
                ".o_form_view .o_statusbar_buttons button[name=action_generate_lines]:contains(生成分期)",
            run: "click",
        },
        {
            content: "Four installments of 100.00, open (未完结)",
            trigger:
                ".o_form_view .o_field_widget[name=line_ids] .o_data_row:nth-child(4):has(td:contains(100.00)):has(td:contains(未完结))",
        },
        {
            content: "Agree the plan (确认协议)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]:contains(确认协议)",
            run: "click",
        },
        {
            content: "Confirm in the dialog",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The plan is kept (履约中), agreed by the manager",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current:contains(履约中)):has(.o_field_widget[name=approved_by_id]:contains(Plan Manager))",
        },
        {
            content: "Nothing is due yet, the first installment is next",
            trigger: ".o_form_view .o_field_widget[name=amount_due_now]:contains(0.00)",
        },
        {
            content: "The customer was told by SMS, on the chatter",
            trigger: ".o-mail-Message:contains(分期缴费协议)",
        },
        {
            content: "The plan can only be cancelled now: no more generation or agreement",
            trigger:
                ".o_form_view .o_statusbar_buttons:has(button[name=action_cancel]):not(:has(button[name=action_confirm])):not(:has(button[name=action_generate_lines]))",
        },
    ],
});
