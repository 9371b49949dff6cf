import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

/**
 * The Collection Manager, from the Collection menu and in Chinese, finds the
 * refund a cashier asked for (a bill paid twice, 183.60), awaiting approval,
 * and approves it: the request shows the approver and waits for payment.
 */
registry.category("web_tour.tours").add("utility_refund_approve_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open Refund Requests",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_refund_request"]',
            run: "click",
        },
        {
            content: "The request is listed, awaiting approval (待审批)",
            trigger: ".o_data_row:has(td:contains(183.60)):has(td:contains(待审批))",
        },
        {
            content: "Open it",
            trigger: ".o_data_row:has(td:contains(183.60)) td[name=name]",
            run: "click",
        },
        {
            content: "The reason is the duplicate payment, in Chinese",
            trigger: ".o_form_view .o_field_widget[name=reason]:contains(重复缴费)",
        },
        {
            content: "The credit is reserved by an entry of the life-cycle journal",
            trigger: ".o_form_view .o_field_widget[name=reserve_move_id]:contains(ULC/)",
        },
        {
            content: "Approve (批准)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_approve]:contains(批准)",
            run: "click",
        },
        {
            content: "Approved (已批准), by the manager",
            trigger:
                ".o_form_view:has(.o_statusbar_status button.o_arrow_button_current[data-value=approved]):has(.o_field_widget[name=approved_by_id]:contains(Refund Manager))",
        },
        {
            content: "The accountant's button is there, the approval one is gone",
            trigger:
                ".o_form_view .o_statusbar_buttons:has(button[name=action_pay]):not(:has(button[name=action_approve]))",
        },
    ],
});

const counterField = (name) => `.o_utility_counter .o_field_widget[name='${name}']`;
const fieldIs = (name) => `.o_field_widget[name='${name}']`;
const formField = (name) => `.o_form_view ${fieldIs(name)}`;
const statusIs = (state) =>
    `.o_statusbar_status button.o_arrow_button_current[data-value='${state}']`;
const counterSteps = (number) => [
    ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
    {
        content: "Open the Collection menu",
        trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
        run: "click",
    },
    {
        content: "Open the counter",
        trigger: '.dropdown-item[data-menu-xmlid="utility_payment_channels.menu_utility_counter"]',
        run: "click",
    },
    {
        content: `Type the customer number ${number}`,
        trigger: `${counterField("search_term")} input:focus`,
        run: `edit ${number}`,
    },
    {
        content: "Enter finds the customer",
        trigger: `${counterField("search_term")} input`,
        run: "press Enter",
    },
    {
        content: "The customer is found",
        trigger: `${counterField("customer_number")}:contains(${number})`,
    },
];

/**
 * The cashier, at the counter and in Chinese: 张伟's contract asks for a
 * security deposit of 300.00 that is not paid yet. The counter says so, lists
 * the deposit invoice among the bills, and the customer pays everything due.
 */
registry.category("web_tour.tours").add("utility_deposit_counter_tour", {
    url: "/odoo",
    steps: () => [
        ...counterSteps("0100000001"),
        {
            content: "The deposit still to pay is shown (待缴保证金 300.00)",
            trigger: `${counterField("deposit_unpaid")}:contains(300.00)`,
        },
        {
            content: "The cashier is told the deposit is listed with the bills",
            trigger: ".o_utility_counter .alert:contains(保证金)",
        },
        {
            content: "No refund to ask for: the customer has no credit",
            trigger: ".o_utility_counter:not(:has(button[name='action_request_refund']))",
        },
        {
            content: "The deposit invoice is listed with the bills",
            trigger: `${counterField("line_ids")} .o_data_row td[name=bill_id]:contains(UDP/)`,
        },
        {
            content: "Pay what is due",
            trigger: ".o_utility_counter button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Paid (已缴费)",
            trigger: `.o_utility_counter ${statusIs("done")}`,
        },
    ],
});

/**
 * The cashier, at the counter and in Chinese: 张伟 paid 183.60 twice (at the
 * counter and at the post office) and asks for it back. From the counter the
 * cashier opens a refund request, prefilled with the customer, the contract,
 * the reason and his credit, writes what happened and submits it: the credit
 * is reserved and the request awaits a Collection Manager's approval.
 */
registry.category("web_tour.tours").add("utility_refund_counter_tour", {
    url: "/odoo",
    steps: () => [
        ...counterSteps("0100000001"),
        {
            content: "Request a refund (申请退款)",
            trigger: ".o_utility_counter button[name='action_request_refund']:contains(申请退款)",
            run: "click",
        },
        {
            content: "The request is prefilled with his credit",
            trigger: `${formField("available_credit")}:contains(183.60)`,
        },
        {
            content: "What happened",
            trigger: `${formField("reason_note")} textarea`,
            run: "edit 同一笔电费在柜台和邮政各缴了一次，客户申请退回一笔。",
        },
        {
            content: "Submit (提交)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_submit]:contains(提交)",
            run: "click",
        },
        {
            content: "Awaiting approval, the credit reserved by an entry",
            trigger: `.o_form_view:has(${statusIs("to_approve")}):has(${fieldIs("reserve_move_id")}:contains(ULC/))`,
        },
    ],
});

/**
 * The accountant, from the Collection menu and in Chinese: an approved
 * refund of 183.60 is paid out of the company's bank account; the request
 * is paid and shows the refund payment.
 */
registry.category("web_tour.tours").add("utility_refund_pay_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("utility_billing.menu_utility_root", "Open Utilities"),
        {
            content: "Open the Collection menu",
            trigger: '.o_menu_sections [data-menu-xmlid="utility_billing.menu_utility_collection"]',
            run: "click",
        },
        {
            content: "Open Refund Requests",
            trigger:
                '.dropdown-item[data-menu-xmlid="utility_billing.menu_utility_refund_request"]',
            run: "click",
        },
        {
            content: "Open the approved request (已批准)",
            trigger: ".o_data_row:has(td:contains(183.60)):has(td:contains(已批准)) td[name=name]",
            run: "click",
        },
        {
            content: "Paid from the company's bank account",
            trigger: `${formField("journal_id")} input`,
            run: "edit 基本户",
        },
        {
            content: "Pick 县供电公司基本户",
            trigger: ".o-autocomplete--dropdown-item a:contains(县供电公司基本户)",
            run: "click",
        },
        {
            content: "Pay the refund (支付退款)",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_pay]:contains(支付退款)",
            run: "click",
        },
        {
            content: "Paid (已付款), with its refund payment",
            trigger: `.o_form_view:has(${statusIs("paid")}):has(${fieldIs("refund_payment_id")}:contains(/))`,
        },
    ],
});

/**
 * 张伟 (customer01) on his phone, in Chinese: his contract shows the security
 * deposit held and the refund in progress, with its number and state.
 */
registry.category("web_tour.tours").add("utility_portal_deposit_refund_tour", {
    url: "/my/utility/contracts",
    steps: () => [
        {
            content: "Open the contract",
            trigger: ".o_utility_contract_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The security deposit held (已收保证金 300.00)",
            trigger: "dt:contains(已收保证金) + .o_utility_deposit_held:contains(300.00)",
        },
        {
            content: "The refund in progress, awaiting approval",
            trigger: ".o_utility_refund_in_progress:contains(退款处理中):contains(183.60):contains(RF/):contains(待审批)",
        },
    ],
});
