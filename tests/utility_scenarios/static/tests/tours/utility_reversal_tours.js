import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The accountant finds, from the Collection menu, the payment a biller
 * reversed (冲正) through the terminal API that morning: the reversal with
 * its reason, then the payment itself, cancelled, with the reason on its
 * form; the payments' "Reversed by the Channel" filter finds it too.
 */
registry.category("web_tour.tours").add("utility_reversal_accountant_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open the reversals",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_payment_channels.menu_utility_payment_reversal"]:contains(冲正记录)',
            run: "click",
        },
        {
            content: "The biller's reversal is listed with its result and reason",
            trigger:
                ".o_data_row:has(td:contains(TOUR-REV-0001)):has(td:contains(收款已作废)):has(td:contains(扣款失败，用户未付款))",
        },
        {
            content: "The transaction id barred before its payment is listed too",
            trigger: ".o_data_row:has(td:contains(TOUR-REV-0002)):has(td:contains(未入账))",
        },
        {
            content: "Open the reversal",
            trigger: ".o_data_row td:contains(TOUR-REV-0001)",
            run: "click",
        },
        {
            content: "Open its payment",
            trigger: ".o_form_view .o_field_widget[name=payment_id] a",
            run: "click",
        },
        {
            content: "The payment is cancelled",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(已取消)",
        },
        {
            content: "Its reason is on the form",
            trigger:
                ".o_form_view .o_field_widget[name=utility_cancel_reason]:contains(扣款失败，用户未付款)",
        },
        {
            content: "Back to the payments from the menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open the payments",
            trigger: '.dropdown-item[data-menu-xmlid="utility_payment_channels.menu_utility_payment"]',
            run: "click",
        },
        {
            content: "Open the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Payments reversed by the channel",
            trigger: ".o_filter_menu .o-dropdown-item:contains(渠道冲正)",
            run: "click",
        },
        {
            content: "Only the reversed payment is left",
            trigger: ".o_list_view:has(.o_data_row:contains(已取消)):not(:has(.o_data_row:not(:contains(已取消))))",
        },
    ],
});
