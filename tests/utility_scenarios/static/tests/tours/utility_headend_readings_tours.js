import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The billing officer finds, from the Readings menu, the daily reading the
 * head-end sent that morning and the readings API held for review (below
 * the previous value: negative consumption), reads why, writes a note and
 * approves it.
 */
registry.category("web_tour.tours").add("utility_headend_daily_review_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Readings menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_readings"]',
            run: "click",
        },
        {
            content: "Open the daily readings to review",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_arrears.menu_utility_meter_daily_reading_review"]:contains(待审核日冻结读数)',
            run: "click",
        },
        {
            content: "The held reading is listed, to review, with its reason",
            trigger:
                ".o_data_row:has(td:contains(DB23000003)):has(td:contains(待审核)):has(td:contains(负用电量))",
        },
        {
            content: "Open it",
            trigger: ".o_data_row td:contains(DB23000003)",
            run: "click",
        },
        {
            content: "The reason is shown above the reading",
            trigger: ".o_form_view .alert-warning:contains(负用电量)",
        },
        {
            content: "Write the review note",
            trigger: ".o_form_view .o_field_widget[name=review_note] textarea",
            run: "edit 现场核实：采集终端重新对时后读数正确",
        },
        {
            content: "Approve",
            trigger: ".o_form_view button[name=action_approve]:contains(批准)",
            run: "click",
        },
        {
            content: "Approved, reviewed by the officer: the buttons are gone, the reviewer stamped",
            trigger:
                ".o_form_view:not(:has(button[name=action_approve])):not(:has(button[name=action_reject])):has(.o_field_widget[name=reviewed_by_id]:contains(王丽))",
        },
        {
            content: "Back to the readings to review",
            trigger: ".o_breadcrumb a:contains(待审核日冻结读数)",
            run: "click",
        },
        {
            content: "The approved reading is no longer waiting for review",
            trigger: ".o_list_view:not(:has(.o_data_row td:contains(DB23000003)))",
        },
    ],
});
