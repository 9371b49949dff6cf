import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The collection manager makes the biller 微信生活缴费 require signed
 * requests and issues its terminal's key and signing secret: from the
 * Utilities menu, Configuration > Agencies and Billers, the biller, its API
 * Access tab; each credential is shown once, in a notification.
 */
registry.category("web_tour.tours").add("utility_biller_signature_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Configuration menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_config"]',
            run: "click",
        },
        {
            content: "Open the agencies and billers",
            trigger: '.dropdown-item[data-menu-xmlid="utility_payment_channels.menu_utility_agency"]',
            run: "click",
        },
        {
            content: "Open the biller WeChat life payment",
            trigger: ".o_data_row td[name=name]:contains(微信生活缴费)",
            run: "click",
        },
        {
            content: "Its API access",
            trigger: ".o_notebook a.nav-link[name=api]",
            run: "click",
        },
        {
            content: "Its terminal has no key yet",
            trigger:
                ".o_field_widget[name=terminal_ids] .o_data_row:has(td[name=name]:contains(微信生活缴费接口)) td[name=has_key] input:not(:checked)",
        },
        {
            content: "Require signed requests",
            trigger: ".o_field_widget[name=signature_required] input",
            run: "click",
        },
        {
            content: "The window shows, 300 s by default",
            trigger: ".o_field_widget[name=signature_window] input",
            run: function () {
                if (this.anchor.value !== "300") {
                    throw new Error(`window ${this.anchor.value}, expected 300`);
                }
            },
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Generate the terminal's key",
            trigger:
                ".o_form_saved .o_field_widget[name=terminal_ids] .o_data_row button[name=action_generate_key]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The key is shown once",
            trigger: ".o_notification:contains(微信生活缴费接口) .o_notification_close",
            run: "click",
        },
        {
            content: "Generate its signing secret",
            trigger:
                ".o_field_widget[name=terminal_ids] .o_data_row:has(td[name=has_key] input:checked) button[name=action_generate_signing_secret]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The signing secret is shown once",
            trigger: ".o_notification:contains(微信生活缴费接口)",
        },
        {
            content: "The terminal now has both",
            trigger:
                ".o_field_widget[name=terminal_ids] .o_data_row td[name=has_signing_secret] input:checked",
        },
    ],
});
