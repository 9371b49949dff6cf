import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * Account changes (户务变更), in Chinese: the billing officer moves a
 * customer out (销户) from the contract form, transfers a contract with
 * arrears (过户) and is stopped, a Collection Manager overrides the arrears
 * with a reason, and the officer moves a new customer in (入户) from the
 * service point form.
 */

const LINES = ".o_field_widget[name=reading_line_ids]";

function openCustomersMenu(xmlid, label, column) {
    return [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Customers menu (用电客户)",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_customers"]',
            run: "click",
        },
        {
            content: `Open ${label}`,
            trigger: `.dropdown-item[data-menu-xmlid="${xmlid}"]`,
            run: "click",
        },
        {
            content: `${label} are listed`,
            trigger: `.o_list_view .o_data_row td[name=${column}]`,
        },
    ];
}

function openRow(name, column) {
    return [
        {
            content: `Open ${name}`,
            trigger: `.o_data_row:has(td[name=${column}]) td:contains(${name})`,
            run: "click",
        },
    ];
}

/** Enter a reading one unit above the previous one, then "Enter Readings". */
function enterReadingSteps() {
    let previous = 0;
    return [
        {
            content: "One line per meter, with its previous reading (上次示数)",
            trigger: `${LINES} .o_data_row td[name=previous_value]`,
            run() {
                previous = parseFloat(this.anchor.textContent.replace(/,/g, ""));
                if (Number.isNaN(previous)) {
                    throw new Error(`No previous reading: "${this.anchor.textContent}"`);
                }
            },
        },
        {
            content: "Click the reading cell",
            trigger: `${LINES} .o_data_row td[name=value]`,
            run: "click",
        },
        {
            content: "Type the reading read on the meter today",
            trigger: `${LINES} .o_data_row td[name=value] input`,
            async run(helpers) {
                await helpers.edit(String(previous + 1));
            },
        },
        {
            content: "Enter the readings (录入读数)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_record_readings]:contains(录入读数)",
            run: "click",
        },
        {
            content: "The reading is validated (已审核), 1 kWh",
            trigger: `${LINES} .o_data_row:has(td[name=reading_state]:contains(已审核)):has(td[name=consumption]:contains(1.00))`,
        },
    ];
}

function confirmSteps() {
    return [
        {
            content: "Confirm (确认)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]:contains(确认)",
            run: "click",
        },
        {
            content: "Confirm the account change in the dialog",
            trigger: ".modal:contains(户务变更) .modal-footer .btn-primary",
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("utility_move_out_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu("utility_billing.menu_utility_contract", "Supply Contracts", "tariff_id"),
        ...openRow("李娜", "tariff_id"),
        {
            content: "Move the customer out (销户)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_move_out]:contains(销户)",
            run: "click",
        },
        {
            content: "A move-out of the contract, with its steps",
            trigger:
                ".o_form_view:has(.o_field_widget[name=kind]:contains(销户)):has(.o_utility_change_steps:contains(办理步骤)):has(.o_field_widget[name=partner_id]:contains(李娜))",
        },
        ...enterReadingSteps(),
        ...confirmSteps(),
        {
            content: "Done (已完成), the final bill is shown",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=done]):has(.o_field_widget[name=final_bill_id]:contains(UTB/))",
        },
        {
            content: "The amounts of the move-out are shown (金额)",
            trigger: ".o_form_view .o_field_widget[name=final_bill_amount]:contains(¥)",
        },
        {
            content: "Back to the contract",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(李娜)",
            run: "click",
        },
        {
            content: "The contract shows its final bill and its change, and offers no more move-out",
            trigger:
                ".o_form_view:has(.o_field_widget[name=final_bill_id]:contains(UTB/)):has(button[name=action_view_changes]):not(:has(button[name=action_move_out]))",
        },
    ],
});

registry.category("web_tour.tours").add("utility_transfer_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu("utility_billing.menu_utility_contract", "Supply Contracts", "tariff_id"),
        ...openRow("杨磊", "tariff_id"),
        {
            content: "Transfer the contract (过户)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_transfer]:contains(过户)",
            run: "click",
        },
        {
            content: "The overdue bills are announced (逾期欠费)",
            trigger: ".o_form_view .o_utility_change_arrears:contains(逾期欠费)",
        },
        {
            content: "Choose the new customer",
            trigger: ".o_field_widget[name=new_partner_id] input",
            run: "edit 杨小磊",
        },
        {
            content: "Pick 杨小磊",
            trigger: ".o-autocomplete--dropdown-item:contains(杨小磊)",
            run: "click",
        },
        ...enterReadingSteps(),
        ...confirmSteps(),
        {
            content: "Stopped: collect the arrears or ask a Collection Manager",
            trigger: ".modal:contains(收费管理员) .modal-body:contains(逾期欠费)",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The change stays a draft (草稿), no override button for the officer",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=draft]) .o_statusbar_buttons:not(:has(button[name=action_override_arrears]))",
        },
    ],
});

registry.category("web_tour.tours").add("utility_transfer_override_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu("utility_billing.menu_utility_contract_change", "Account Changes", "kind"),
        {
            content: "The transfer waiting (过户, 草稿) is listed",
            trigger: ".o_data_row:has(td[name=kind]:contains(过户)):has(td:contains(杨磊)) td[name=name]",
            run: "click",
        },
        {
            content: "The arrears are shown",
            trigger: ".o_form_view .o_utility_change_arrears:contains(逾期欠费)",
        },
        {
            content: "Give the reason",
            trigger: ".o_field_widget[name=arrears_override_reason] textarea",
            run: "edit 原户主已签订分期还款协议，欠费由原户主承担。",
        },
        {
            content: "Override the arrears (批准带欠费过户)",
            trigger:
                ".o_form_view .o_statusbar_buttons button[name=action_override_arrears]:contains(批准带欠费过户)",
            run: "click",
        },
        {
            content: "The override names the manager",
            trigger: ".o_form_view .o_field_widget[name=arrears_override_by_id]:contains(Change Manager)",
        },
        ...confirmSteps(),
        {
            content: "Done (已完成): the new contract of 杨小磊",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=done]) .o_field_widget[name=new_contract_id]:contains(杨小磊)",
        },
    ],
});

registry.category("web_tour.tours").add("utility_move_in_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomersMenu("utility_billing.menu_utility_service_point", "Service Points", "current_meter_id"),
        ...openRow("李娜", "current_meter_id"),
        {
            content: "Move a new customer in (入户)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_move_in]:contains(入户)",
            run: "click",
        },
        {
            content: "A move-in (入户), with its steps",
            trigger:
                ".o_form_view:has(.o_field_widget[name=kind]:contains(入户)) .o_utility_change_steps:contains(空置)",
        },
        {
            content: "Choose the new customer",
            trigger: ".o_field_widget[name=new_partner_id] input",
            run: "edit 杨小磊",
        },
        {
            content: "Pick 杨小磊",
            trigger: ".o-autocomplete--dropdown-item:contains(杨小磊)",
            run: "click",
        },
        ...enterReadingSteps(),
        {
            content: "The consumption of the vacant days is shown (空置期电量)",
            trigger: ".o_form_view .o_field_widget[name=vacant_consumption]:contains(1.00)",
        },
        ...confirmSteps(),
        {
            content: "Done (已完成): the new contract of 杨小磊",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=done]) .o_field_widget[name=new_contract_id]:contains(杨小磊)",
        },
    ],
});
