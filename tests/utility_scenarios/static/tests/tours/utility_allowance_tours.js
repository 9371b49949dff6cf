import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/** Put ``content`` as ``name`` into the file input of the binary field ``field``. */
function uploadFile(field, name, content) {
    const input = document.querySelector(`.o_field_widget[name=${field}] input[type=file]`);
    const transfer = new DataTransfer();
    transfer.items.add(new File([content], name, { type: "text/csv" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

/**
 * The billing officer imports the civil affairs bureau's list of low-income
 * and five-guarantee households from the Customers menu, in Chinese: the
 * good line becomes a certificate, the line with an unknown customer number
 * is kept with its reason, and the new certificate opens from the result.
 */
registry.category("web_tour.tours").add("utility_allowance_import_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Customers menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_customers"]',
            run: "click",
        },
        {
            content: "Import the civil affairs list",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_allowance_import"]:contains(导入民政救助名单)',
            run: "click",
        },
        {
            content: "Upload the list",
            trigger: ".modal .o_field_widget[name=file]",
            run() {
                uploadFile(
                    "file",
                    "民政名单.csv",
                    "户号,身份证号,救助类别,证书编号,起始日期,截止日期\n" +
                        "0100000004,410523195012120011,五保,新民五保〔2026〕0021号,2026-01-01,2028-12-31\n" +
                        "0999999999,,低保,新民低保〔2026〕0099号,2026-01-01,2026-12-31\n"
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
            content: "One certificate created",
            trigger:
                ".modal .alert-success:has(.o_field_widget[name=created_count]:contains(1)):contains(个证书已新建)",
        },
        {
            content: "One line rejected, the officer told to correct it",
            trigger:
                ".modal .alert-danger:has(.o_field_widget[name=rejected_count]:contains(1)):contains(行被拒绝)",
        },
        {
            content: "The unknown customer number is explained on its line",
            trigger: ".modal .o_data_row.text-danger td[name=message]:contains(未知户号 0999999999)",
        },
        {
            content: "The good line says created",
            trigger: ".modal .o_data_row.text-success td[name=status]:contains(已新建)",
        },
        {
            content: "Open the imported certificates",
            trigger: ".modal button[name=action_open_certificates]",
            run: "click",
        },
        {
            content: "The imported certificates are listed",
            trigger: ".o_breadcrumb:contains(已导入的证书)",
        },
        {
            content: "The new certificate is listed",
            trigger: ".o_list_view .o_data_row td[name=number]:contains(新民五保〔2026〕0021号)",
            run: "click",
        },
        {
            content: "It is a five-guarantee household's certificate of the customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(刘洋)",
            run() {
                // the selection shows its value in the input of its menu
                const kind = document.querySelector(".o_form_view .o_field_widget[name=kind]");
                const shown = kind.querySelector("input")?.value || kind.textContent;
                if (!shown.includes("五保户")) {
                    throw new Error(`the certificate's kind reads ${shown}`);
                }
            },
        },
        {
            content: "Back to the certificates in force from the menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_customers"]',
            run: "click",
        },
        {
            content: "Open the certificates",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_allowance_certificate"]:contains(低保五保证书)',
            run: "click",
        },
        {
            content: "The certificates in force include the new one",
            trigger:
                ".o_list_view:has(.o_facet_value:contains(有效)) .o_data_row td[name=number]:contains(新民五保〔2026〕0021号)",
        },
    ],
});
