import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const { DateTime } = luxon;

/** Put ``content`` as ``name`` into the file input of the binary field ``field``. */
function uploadFile(field, name, content) {
    const input = document.querySelector(`.o_field_widget[name=${field}] input[type=file]`);
    const transfer = new DataTransfer();
    transfer.items.add(new File([content], name, { type: "text/csv" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

/**
 * The billing officer's month: from the Utilities menu, import the day's
 * readings of two meters from a CSV file, then bill last month with a new
 * billing run, looking at the expected bills of its preview (the unusual ones
 * flagged) before creating and posting them.
 */
registry.category("web_tour.tours").add("utility_billing_officer_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Readings menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_readings"]',
            run: "click",
        },
        {
            content: "Import readings",
            trigger: '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_reading_import"]',
            run: "click",
        },
        {
            content: "Upload the readings file",
            trigger: ".modal .o_field_widget[name=file]",
            run() {
                const today = DateTime.now().setZone("Asia/Shanghai").toISODate();
                uploadFile(
                    "file",
                    "readings.csv",
                    "meter_serial,reading_date,value\n" +
                        `DB23000001,${today},1048\n` +
                        `DB23000002,${today},1019\n`
                );
            },
        },
        {
            content: "The file is attached",
            trigger: ".modal .o_field_widget[name=file] .o_clear_file_button",
        },
        {
            content: "Import",
            trigger: ".modal button[name=action_import]",
            run: "click",
        },
        {
            content: "Both readings are imported, none held for review",
            trigger:
                ".modal .alert-success:has(.o_field_widget[name=imported_count]:contains(2)):has(.o_field_widget[name=review_count]:contains(0))",
        },
        {
            content: "Each line says imported",
            trigger: ".modal .o_data_row.text-success td[name=meter_serial]:contains(DB23000002)",
        },
        {
            content: "Close the import",
            trigger: ".modal .modal-footer button.btn-secondary",
            run: "click",
        },
        {
            content: "Open the Billing menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_billing"]',
            run: "click",
        },
        {
            content: "Open the billing runs",
            trigger: '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_billing_run"]',
            run: "click",
        },
        {
            content: "New billing run",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Preview",
            trigger: ".o_form_view button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview expects 27 bills",
            trigger: ".o_form_view .o_field_widget[name=preview_bill_count]:contains(27)",
        },
        {
            content: "The expected bills are listed, one per contract",
            trigger: ".o_form_view .o_notebook .nav-link[name=preview]",
            run: "click",
        },
        {
            content: "The customer of DB23000001 is on the list with last month's consumption",
            trigger:
                ".o_form_view .o_field_widget[name=preview_line_ids] .o_data_row td[name=customer_number]:contains(0100000001)",
        },
        {
            content: "The skipped contracts say why",
            trigger: ".o_form_view .o_notebook .nav-link[name=skipped]",
            run: "click",
        },
        {
            content: "The reading waiting for review blocks its contract's bill",
            trigger:
                ".o_form_view .o_field_widget[name=skip_ids] .o_data_row td[name=reason]",
        },
        {
            content: "Create and post the bills",
            trigger: ".o_form_view button[name=action_run]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The run is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=done]",
        },
        {
            content: "It posted the 27 bills",
            trigger: ".o_form_view .oe_stat_button[name=action_view_bills] .o_stat_value:contains(27)",
        },
    ],
});
