import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const openWriteoffMenu = (menu) => [
    ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
    {
        content: "Open the Collection menu (电费回收)",
        trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
        run: "click",
    },
    {
        content: `Open ${menu}`,
        trigger: `.dropdown-item[data-menu-xmlid="utility_arrears.${menu}"]`,
        run: "click",
    },
];

/**
 * The accountant, from the Collection menu and in Chinese, writes off the
 * debt of a customer who died: a new write-off (坏账核销), the customer,
 * Add Bills (the bill overdue more than a year, 183.60, and its late fee,
 * 12.40), the death certificate as evidence, then Submit for Approval.
 */
registry.category("web_tour.tours").add("utility_writeoff_tour", {
    url: "/odoo",
    steps: () => [
        ...openWriteoffMenu("menu_utility_writeoff_batch"),
        {
            content: "The list of write-offs (坏账核销)",
            trigger: ".o_breadcrumb:contains(坏账核销)",
        },
        {
            content: "New write-off",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Choose the customer",
            trigger: ".o_field_widget[name=partner_ids] input",
            run: "edit 0190077001",
        },
        {
            content: "Pick 张三",
            trigger: ".o-autocomplete--dropdown-item:contains(张三)",
            run: "click",
        },
        {
            content: "Explain (说明)",
            trigger: ".o_field_widget[name=reason_note] textarea",
            run: "edit 户主已故，无继承人，多次上门催收无果。",
        },
        {
            content: "Attach the death certificate (证明材料)",
            trigger: ".o_field_widget[name=evidence_attachment_ids] .o_attach:contains(证明材料)",
            run() {
                const input = document.querySelector(
                    ".o_field_widget[name=evidence_attachment_ids] input[type=file]"
                );
                const files = new DataTransfer();
                files.items.add(
                    new File(["%PDF-1.4 death certificate"], "死亡证明.pdf", {
                        type: "application/pdf",
                    })
                );
                input.files = files.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The certificate is attached",
            trigger: ".o_field_widget[name=evidence_attachment_ids] :contains(死亡证明.pdf)",
        },
        {
            content: "Add Bills (添加账单)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_add_bills]:contains(添加账单)",
            run: "click",
        },
        {
            content: "The bill and its late fee are proposed: 196.00 in all",
            trigger:
                ".o_form_view:has(.o_field_widget[name=line_ids] .o_data_row:contains(183.60)):has(.o_field_widget[name=line_ids] .o_data_row:contains(12.40)):has(.o_field_widget[name=amount_total]:contains(196.00))",
        },
        {
            content: "Submit for Approval (提交审批)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_submit]:contains(提交审批)",
            run: "click",
        },
        {
            content: "Awaiting approval (待审批); the accountant cannot approve",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=to_approve]):not(:has(button[name=action_approve]))",
        },
    ],
});

/**
 * A Collection Manager, from the Collection menu and in Chinese, approves
 * the write-off the accountant submitted (批准), posts it (过账核销), and
 * finds the customer in the written-off register (核销台账).
 */
registry.category("web_tour.tours").add("utility_writeoff_approve_tour", {
    url: "/odoo",
    steps: () => [
        ...openWriteoffMenu("menu_utility_writeoff_batch"),
        {
            content: "The write-off awaits approval (待审批)",
            trigger: ".o_data_row:has(td:contains(196.00)):has(td:contains(待审批))",
        },
        {
            content: "Open it",
            trigger: ".o_data_row:has(td:contains(196.00)) td[name=name]",
            run: "click",
        },
        {
            content: "The evidence is there for the approver",
            trigger: ".o_field_widget[name=evidence_attachment_ids] :contains(死亡证明.pdf)",
        },
        {
            content: "Approve (批准)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_approve]:contains(批准)",
            run: "click",
        },
        {
            content: "Post the write-off (过账核销)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_post]:contains(过账核销)",
            run: "click",
        },
        {
            content: "Posted (已过账), with its UWO entry",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=posted])",
        },
        {
            content: "The Approval tab (审批)",
            trigger: ".o_notebook a.nav-link:contains(审批)",
            run: "click",
        },
        {
            content: "The write-off entry is in the bad-debt journal",
            trigger: ".o_field_widget[name=move_id]:contains(UWO/)",
        },
        ...openWriteoffMenu("menu_utility_writeoff_register").slice(-2),
        {
            content: "The register (核销台账) groups the customer's written-off bills",
            trigger: ".o_group_header:contains(张三)",
            run: "click",
        },
        {
            content: "By reason: death of the customer (客户死亡), 196.00 not recovered",
            trigger: ".o_group_header:contains(客户死亡):contains(196.00)",
        },
    ],
});
