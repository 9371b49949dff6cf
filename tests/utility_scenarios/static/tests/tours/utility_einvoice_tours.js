import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * A business customer asks for a VAT e-invoice of its bill: the billing
 * officer opens the bill from the Utilities menu, requests the e-invoice
 * (the buyer pre-filled from the customer), then sends the request to the
 * tax platform as a batch file.
 */
registry.category("web_tour.tours").add("utility_einvoice_request_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Billing menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_billing"]',
            run: "click",
        },
        {
            content: "Open the bills",
            trigger: '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_bills"]',
            run: "click",
        },
        {
            content: "Open the customer's bill",
            // the bills list's customer column: the app's customer list,
            // shown until the bills load, lists the same name
            trigger: ".o_list_view .o_data_row td[name=partner_id]:contains(开票测试五金店)",
            run: "click",
        },
        {
            content: "Request an e-invoice",
            trigger: ".o_form_view button[name=action_utility_request_einvoice]",
            run: "click",
        },
        {
            content: "The buyer is the customer",
            trigger: ".modal .o_field_widget[name=buyer_name] input:value(开票测试五金店)",
        },
        {
            content: "Its address comes from the customer's record",
            trigger: ".modal .o_field_widget[name=buyer_address] input:value(城关镇西街8号)",
        },
        {
            content: "The customer wants a special VAT invoice",
            trigger: ".modal .o_field_widget[name=invoice_type] input[data-value=special]",
            run: "click",
        },
        {
            content: "Give the tax ID",
            trigger: ".modal .o_field_widget[name=buyer_tax_id] input",
            run: "edit 91410725MA44TOUR8X",
        },
        {
            content: "Give the bank",
            trigger: ".modal .o_field_widget[name=buyer_bank] input",
            run: "edit 中国农业银行新源县支行",
        },
        {
            content: "Give the bank account",
            trigger: ".modal .o_field_widget[name=buyer_bank_account] input",
            run: "edit 16230101040088888",
        },
        {
            content: "Request",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The request waits to be sent, for the bill's amount",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=requested]) .o_field_widget[name=amount_total]:contains(268.40)",
        },
        {
            content: "Send it to the tax platform",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_send]",
            run: "click",
        },
        {
            content: "The batch is exported",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=exported]",
        },
        {
            content: "Its file is ready to upload on the platform",
            trigger: ".o_form_view .o_field_widget[name=file]:contains(.xlsx)",
        },
        {
            content: "The batch holds the request, sent",
            trigger:
                ".o_form_view .o_field_widget[name=request_ids] .o_data_row:contains(开票测试五金店):contains(268.40):contains(UE)",
        },
    ],
});
