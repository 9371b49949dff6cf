import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_utils";
import {inputFiles} from "@web/../tests/utils";

/* A biller's next-day reconciliation file (issue 25), as the Utility
   Accountant, from the menu: amounts and states are asserted, not labels,
   so that the tour runs in English and in Chinese. */

const field = (name) => `.o_field_widget[name='${name}']`;

/* 云闪付生活缴费's file of trade date 2025-12-01: U-1 (60.00, as its API
   booked it), U-2 (45.00; the API booked 40.00) and U-3 (30.00, which its
   API never booked); the API's U-9 (30.00) is not in the file. The
   accountant imports it, sees 135.00 = 60.00 matched + 0.00 booked from
   file + 75.00 kept and 30.00 booked here only, then confirms U-3, which is
   booked: 135.00 = 60.00 + 30.00 + 45.00. */
registry.category("web_tour.tours").add("utility_accountant_biller_recon_tour", {
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Utilities app",
            trigger: ".o_app[data-menu-xmlid='utility_billing.menu_utility_root']",
            run: "click",
        },
        {
            content: "Open Collection",
            trigger: ".o_menu_sections [data-menu-xmlid='utility_billing.menu_utility_collection']",
            run: "click",
        },
        {
            content: "Open the agency and biller files",
            trigger: ".dropdown-item[data-menu-xmlid='utility_payment_channels.menu_utility_agency_import']",
            run: "click",
        },
        {
            content: "New file",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Type the biller's name",
            trigger: `${field("agency_id")} input`,
            run: "edit 云闪付",
        },
        {
            content: "Pick 云闪付生活缴费",
            trigger: ".o-autocomplete--dropdown-item a:contains('云闪付生活缴费')",
            run: "click",
        },
        {
            content: "Upload the biller's reconciliation file",
            trigger: `${field("file")} .o_select_file_button`,
            async run() {
                const text = [
                    "txn_id|customer_number|amount|paid_at",
                    "U-1|0300000201|60.00|2025-12-01 08:30:00",
                    "U-2|0300000202|45.00|2025-12-01 09:10:00",
                    "U-3|0300000203|30.00|2025-12-01 20:45:00",
                    "合计|3|135.00|20251201",
                    "",
                ].join("\n");
                await inputFiles(`${field("file")} input.o_input_file`, [
                    new File([text], "unionpay_recon.csv", {type: "text/csv"}),
                ]);
            },
        },
        {
            content: "The file is attached",
            trigger: `${field("file")} input.o_input:value(.csv)`,
        },
        {
            content: "Import",
            trigger: "button[name='action_import']",
            run: "click",
        },
        {
            content: "Imported",
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value='done']",
        },
        {
            content: "The trade date is the file's",
            trigger: `${field("summary_count")}:contains(3)`,
        },
        {
            content: "File total 135.00",
            trigger: `${field("file_total")}:contains(135.00)`,
        },
        {
            content: "= 60.00 matched",
            trigger: `${field("recon_matched_total")}:contains(60.00)`,
        },
        {
            content: "+ 0.00 booked from the file",
            trigger: `${field("recon_booked_total")}:contains(0.00)`,
        },
        {
            content: "+ 75.00 kept",
            trigger: `${field("recon_kept_total")}:contains(75.00)`,
        },
        {
            content: "Every line is in one of the totals",
            trigger: `${field("recon_balanced")} input:checked`,
        },
        {
            content: "30.00 booked here only, not in the file",
            trigger: `${field("recon_here_only_total")}:contains(30.00)`,
        },
        {
            content: "Open the lines, grouped by category",
            trigger: "button[name='action_view_lines']",
            run: "click",
        },
        {
            content: "Open the kept lines (75.00)",
            trigger: ".o_group_header:contains(75.00)",
            run: "click",
        },
        {
            content: "Confirm U-3, on the file only, and book it",
            trigger: ".o_data_row:has(td[name='txn_id']:contains(U-3)) button[name='action_book']",
            run: "click",
        },
        {
            content: "Confirm in the dialog",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "Only U-2 (45.00) is still kept",
            trigger: ".o_group_header:contains(45.00)",
        },
        {
            content: "Back to the file",
            trigger: ".o_breadcrumb .breadcrumb-item:last-child a",
            run: "click",
        },
        {
            content: "+ 30.00 booked from the file",
            trigger: `${field("recon_booked_total")}:contains(30.00)`,
        },
        {
            content: "+ 45.00 kept",
            trigger: `${field("recon_kept_total")}:contains(45.00)`,
        },
    ],
});
