import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The billing officer adds a government fund to the price components of a
 * draft tariff version: from the Utilities menu, Configuration > Tariff
 * Versions, the draft version, its Price Components tab, a new line
 * with the fund's tax, saved. The approved version's components are read-only.
 */
registry.category("web_tour.tours").add("utility_tariff_component_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Configuration menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_config"]',
            run: "click",
        },
        {
            content: "Open the tariff versions",
            trigger: '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_tariff_version"]',
            run: "click",
        },
        {
            content: "Open the approved version of the Henan tariff",
            trigger:
                ".o_data_row:has(td[name=approval_reference]:contains(1234号)):has(td[name=state] .text-bg-success) td[name=date_from]",
            run: "click",
        },
        {
            content: "Its price components",
            trigger: ".o_notebook a.nav-link[name=components]",
            run: "click",
        },
        {
            content: "Approved: the energy and the fund, frozen rates, no line can be added",
            trigger:
                ".o_field_widget[name=component_ids]:not(:has(.o_field_x2many_list_row_add)) .o_data_row:nth-child(2) td[name=rate]:contains(0.0200)",
        },
        {
            content: "Back to the versions",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "Open the draft version",
            trigger: ".o_data_row:has(td[name=state] .text-bg-info) td[name=date_from]",
            run: "click",
        },
        {
            content: "Its price components",
            trigger: ".o_notebook a.nav-link[name=components]",
            run: "click",
        },
        {
            content: "Add a line",
            trigger: ".o_field_widget[name=component_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Name the fund",
            trigger: ".o_field_widget[name=component_ids] .o_selected_row [name=name] input",
            run: "edit 可再生能源电价附加",
        },
        {
            content: "Pick its tax",
            trigger: ".o_field_widget[name=component_ids] .o_selected_row [name=tax_id] input",
            run: "edit 可再生能源",
        },
        {
            content: "The fund's tax is offered",
            trigger: ".o-autocomplete--dropdown-item:contains(可再生能源电价附加)",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: three components, the new one a fund",
            trigger:
                ".o_form_saved .o_field_widget[name=component_ids] .o_data_row:nth-child(3) td[name=name]:contains(可再生能源电价附加)",
        },
    ],
});
