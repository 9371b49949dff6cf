import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_utils";
import {inputFiles} from "@web/../tests/utils";
import {user} from "@web/core/user";

/* Daily journeys of the payment channels (issue 21), from the menus, as the
   role that does the job, on records the person makes in the tour. Texts
   that depend on the user's language are not asserted: amounts, states
   (by their technical value in the status bar) and the elements a person
   sees are, so that the same tours run in English and in Chinese. */

const openMenu = (appXmlid, sectionXmlid, itemXmlid) => [
    stepUtils.showAppsMenuItem(),
    {
        content: "Open the Utilities app",
        trigger: `.o_app[data-menu-xmlid='${appXmlid}']`,
        run: "click",
    },
    {
        content: "Open the menu section",
        trigger: `.o_menu_sections [data-menu-xmlid='${sectionXmlid}']`,
        run: "click",
    },
    {
        content: "Open the menu entry",
        trigger: `.dropdown-item[data-menu-xmlid='${itemXmlid}']`,
        run: "click",
    },
];

/* In Chinese (user language zh_CN), the screen shows no English: every run
   of Latin letters (3 or more) in the action's screen and the menus is
   reported, except codes, units and amounts' currency. In another language
   the step only waits for the screen. */
const LATIN_ALLOWED = new Set(["CNY", "POST", "kWh", "PDF", "CSV", "xlsx", "csv", "Odoo"]);
const noEnglish = (what, trigger = ".o_action_manager .o_view_controller") => ({
    content: `No English on ${what}`,
    trigger,
    run() {
        if (!user.lang.toLowerCase().startsWith("zh")) {
            return;
        }
        console.info(`Checking that no English shows on ${what}`);
        const root = document.querySelector(".o_action_manager");
        const texts = [root, document.querySelector(".o_main_navbar")]
            .filter(Boolean)
            .map((el) => el.innerText)
            .join("\n");
        const inputs = [...root.querySelectorAll("input[placeholder], textarea[placeholder]")]
            .map((el) => el.placeholder)
            .join("\n");
        // the user's own name is data, not a label (the demo admin is "Mitchell Admin")
        const ownName = new Set(user.name.split(/\s+/));
        const words = new Set(
            [...`${texts}\n${inputs}`.matchAll(/[A-Za-z][A-Za-z-]{2,}/g)]
                .map((match) => match[0])
                .filter(
                    (word) =>
                        !LATIN_ALLOWED.has(word) &&
                        !ownName.has(word) &&
                        !/^[A-Z]{2,}(-[A-Z0-9]+)*$/.test(word)
                )
        );
        if (words.size) {
            throw new Error(`English on ${what}: ${[...words].join(", ")}`);
        }
    },
});

const field = (name) => `.o_field_widget[name='${name}']`;
const statusIs = (state) => `.o_statusbar_status button.o_arrow_button_current[data-value='${state}']`;
const pickInDropdown = (fieldName, text, label) => [
    {
        content: `Type ${text} in ${fieldName}`,
        trigger: `${field(fieldName)} input`,
        run: `edit ${text}`,
    },
    {
        content: `Pick ${label}`,
        trigger: `.o-autocomplete--dropdown-item a:contains('${label}')`,
        run: "click",
    },
];

/* Cashier cashier_lz, no session open: opens one at the Lizhuang hall from
   the Counter menu, serves customer 0300000185 (two bills, 184.00; pays 200
   in cash, 16.00 change, receipt), then an unknown number, then customer
   0300000186 found by a part of its number (56.00; pays 100, 44.00 change),
   and closes with a count of 439.00 for 440.00 expected. */
registry.category("web_tour.tours").add("utility_cashier_day_tour", {
    steps: () => [
        ...openMenu(
            "utility_billing.menu_utility_root",
            "utility_billing.menu_utility_collection",
            "utility_payment_channels.menu_utility_counter"
        ),
        // no session yet: the counter sends to the open-session form
        {
            content: "The open-session form is shown",
            trigger: `.o_form_view ${field("collection_point_id")}`,
        },
        noEnglish("the open-session form"),
        ...pickInDropdown("collection_point_id", "LZ", "李庄供电营业厅"),
        {
            content: "Opening float of 200",
            trigger: `${field("cash_register_balance_start")} input`,
            run: "edit 200",
        },
        {
            content: "Save the session",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The session is in progress",
            trigger: `.o_form_saved ${statusIs("opened")}`,
        },
        {
            content: "Go to the counter",
            trigger: "button[name='action_open_counter']",
            run: "click",
        },
        // first customer
        {
            content: "The search box has the focus",
            trigger: `${field("search_term")} input:focus`,
        },
        {
            content: "Type the customer number",
            trigger: `${field("search_term")} input`,
            run: "edit 0300000185",
        },
        {
            content: "Go to the cash received",
            trigger: `${field("amount_tendered")} input`,
            run: "click",
        },
        {
            content: "Both open bills are listed",
            trigger: `${field("line_ids")} .o_data_row:nth-child(2)`,
        },
        {
            content: "Amount due is 184.00",
            trigger: `${field("amount_due")}:contains(184.00)`,
        },
        {
            content: "The customer hands over 200",
            trigger: `${field("amount_tendered")} input`,
            run: "edit 200",
        },
        {
            content: "Leave the field",
            trigger: `${field("amount")} input`,
            run: "click",
        },
        {
            content: "The change is 16.00",
            trigger: `${field("amount_change")}:contains(16.00)`,
        },
        noEnglish("the counter with a customer"),
        {
            content: "Pay",
            trigger: "button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The payment is booked",
            trigger: `${statusIs("done")}`,
        },
        {
            content: "The change is still 16.00 and no prepaid credit is shown",
            trigger: `${field("amount_change")}:contains(16.00)`,
            run() {
                if (document.querySelector(field("amount_credit"))) {
                    throw new Error("A prepaid credit is shown after paying exactly what was due");
                }
            },
        },
        {
            content: "Print the receipt",
            trigger: "button[name='action_print_receipt']",
            run: "click",
        },
        {
            content: "The receipt is printed",
            trigger: "body:not(:has(.o_blockUI))",
        },
        {
            content: "Next customer",
            trigger: "button[name='action_next_customer']",
            run: "click",
        },
        // an empty screen, without a breadcrumb per customer served
        {
            content: "An empty counter screen, the search box focused",
            trigger: `${statusIs("draft")}`,
        },
        {
            content: "No breadcrumb of the previous customer",
            trigger: ".o_control_panel .o_breadcrumb:not(:has(.breadcrumb-item))",
        },
        {
            content: "Type an unknown number",
            trigger: `${field("search_term")} input:focus`,
            run: "edit 0399999999",
        },
        {
            content: "Leave the search box",
            trigger: `${field("amount_tendered")} input`,
            run: "click",
        },
        {
            content: "The screen says no customer has this number",
            trigger: ".o_utility_search_message:contains(0399999999)",
        },
        noEnglish("the counter's unknown-number message"),
        {
            content: "Type a part of the second customer's number",
            trigger: `${field("search_term")} input`,
            run: "edit 00186",
        },
        {
            content: "Go to the cash received",
            trigger: `${field("amount_tendered")} input`,
            run: "click",
        },
        {
            content: "The customer is found, 56.00 due",
            trigger: `${field("amount_due")}:contains(56.00)`,
        },
        {
            content: "The customer hands over 100",
            trigger: `${field("amount_tendered")} input`,
            run: "edit 100",
        },
        {
            content: "Leave the field",
            trigger: `${field("amount")} input`,
            run: "click",
        },
        {
            content: "The change is 44.00",
            trigger: `${field("amount_change")}:contains(44.00)`,
        },
        {
            content: "Pay",
            trigger: "button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The second payment is booked",
            trigger: `${statusIs("done")}`,
        },
        // closing
        ...openMenu(
            "utility_billing.menu_utility_root",
            "utility_billing.menu_utility_collection",
            "utility_payment_channels.menu_utility_cashier_session"
        ),
        {
            content: "Open my session",
            trigger: ".o_data_row td[name='collection_point_id']:contains('李庄供电营业厅')",
            run: "click",
        },
        {
            content: "Count the cash",
            trigger: "button[name='action_closing_control']",
            run: "click",
        },
        {
            content: "440.00 is expected in the drawer",
            trigger: `${field("cash_register_balance_end")}:contains(440.00)`,
        },
        {
            content: "Open the cash count",
            trigger: ".o_notebook .nav-link[name='count']",
            run: "click",
        },
        // rows by denomination, largest first: 100, 50, 20, 10, 5, 1, 0.5, 0.1
        ...[
            [1, 4],
            [3, 1],
            [4, 1],
            [5, 1],
            [6, 4],
        ].flatMap(([row, quantity]) => [
            {
                content: `Count row ${row}`,
                trigger: `${field("count_line_ids")} .o_data_row:nth-child(${row}) td[name='quantity']`,
                run: "click",
            },
            {
                content: `${quantity} notes or coins`,
                trigger: `${field("count_line_ids")} .o_data_row:nth-child(${row}) td[name='quantity'] input`,
                run: `edit ${quantity}`,
            },
        ]),
        {
            content: "Explain the difference",
            trigger: `${field("difference_reason")} textarea`,
            run: "edit 少了一枚一元硬币",
        },
        noEnglish("the cash count", `${field("cash_register_difference")}:contains(-1.00)`),
        {
            content: "The counted cash is 439.00, one yuan short",
            trigger: `${field("cash_register_difference")}:contains(-1.00)`,
        },
        {
            content: "Close the session",
            trigger: "button[name='action_close']:visible",
            run: "click",
        },
        {
            content: "The difference waits for the manager",
            trigger: `${field("difference_state")}`,
            run() {
                if (document.querySelector("button[name='action_close']")) {
                    throw new Error("The session can still be closed without the manager");
                }
            },
        },
        {
            content: "The count can no longer be changed",
            trigger: `${field("count_line_ids")} .o_data_row:nth-child(1) td[name='quantity']:not(:has(input))`,
        },
        {
            content: "The session is still counted, not closed",
            trigger: `${statusIs("closing_control")}`,
        },
    ],
});

/* The Collection Manager approves the difference of the Lizhuang session. */
registry.category("web_tour.tours").add("utility_manager_approves_difference_tour", {
    steps: () => [
        ...openMenu(
            "utility_billing.menu_utility_root",
            "utility_billing.menu_utility_collection",
            "utility_payment_channels.menu_utility_cashier_session"
        ),
        {
            content: "Open the Lizhuang session waiting for approval",
            trigger: ".o_data_row td[name='collection_point_id']:contains('李庄供电营业厅')",
            run: "click",
        },
        {
            content: "The manager sees the one-yuan shortage",
            trigger: `${field("cash_register_difference")}:contains(-1.00)`,
        },
        {
            content: "Approve the difference and close",
            trigger: "button[name='action_approve_difference']",
            run: "click",
        },
        {
            content: "The session is closed and posted",
            trigger: `${statusIs("closed")}`,
        },
        noEnglish("the closed session"),
        {
            content: "The difference entry is shown",
            trigger: `${field("difference_move_id")} :contains('/')`,
        },
    ],
});

/* The Utility Accountant imports China Post's file of the day (a line for
   customer 0300000191, one for an unknown number), resolves the unknown
   line to customer 0300000192, creates the settlement with New, loads the
   two payments (90.00 + 30.00), posts the 10.00 commission (the floor) and
   matches the 110.00 transfer already on the bank statement. */
registry.category("web_tour.tours").add("utility_accountant_agency_tour", {
    steps: () => [
        ...openMenu(
            "utility_billing.menu_utility_root",
            "utility_billing.menu_utility_collection",
            "utility_payment_channels.menu_utility_agency_import"
        ),
        {
            content: "New file",
            trigger: ".o_list_button_add",
            run: "click",
        },
        ...pickInDropdown("agency_id", "中国邮政", "中国邮政"),
        {
            content: "Upload the agency's file",
            trigger: `${field("file")} .o_select_file_button`,
            async run() {
                const day = luxon.DateTime.now().setZone("Asia/Shanghai").toFormat("yyyy-MM-dd");
                const text = [
                    "txn_id,paid_at,customer_number,bill_number,amount,outlet_code",
                    `88000001,${day} 09:30:00,0300000191,,90.00,POST-CG`,
                    `88000002,${day} 10:15:00,0399999991,,30.00,POST-CG`,
                    "",
                ].join("\n");
                await inputFiles(`${field("file")} input.o_input_file`, [
                    new File([text], `${day}.csv`, {type: "text/csv"}),
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
            content: "Imported: 120.00 in the file",
            trigger: `${statusIs("done")}`,
        },
        {
            content: "90.00 booked",
            trigger: `${field("booked_total")}:contains(90.00)`,
        },
        {
            content: "30.00 to resolve",
            trigger: `${field("kept_total")}:contains(30.00)`,
        },
        noEnglish("the imported agency file"),
        // resolve the line of the unknown number
        ...openMenu(
            "utility_billing.menu_utility_root",
            "utility_billing.menu_utility_collection",
            "utility_payment_channels.menu_utility_agency_import_line_kept"
        ),
        {
            content: "Open the line of the unknown number",
            trigger: ".o_data_row:has(td[name='txn_id']:contains(88000002)) td[name='partner_id']",
            run: "click",
        },
        ...pickInDropdown("partner_id", "0300000192", "罗小梅"),
        {
            content: "Save the line",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "Book it for this customer",
            trigger: ".o_data_row:has(td[name='txn_id']:contains(88000002)) button[name='action_book']",
            run: "click",
        },
        {
            content: "Nothing left to resolve for this file",
            trigger: ".o_list_view:not(:has(td[name='txn_id']:contains(88000002)))",
        },
        // settle
        ...openMenu(
            "utility_billing.menu_utility_root",
            "utility_billing.menu_utility_collection",
            "utility_payment_channels.menu_utility_agency_settlement"
        ),
        {
            content: "New settlement",
            trigger: ".o_control_panel_main_buttons button.o-kanban-button-new, .o_list_button_add",
            run: "click",
        },
        {
            content: "An empty settlement form",
            trigger: `.o_form_view ${field("gross_amount")}:contains(0.00)`,
        },
        ...pickInDropdown("agency_id", "中国邮政", "中国邮政"),
        {
            content: "The agency's bank journal is proposed",
            trigger: `${field("bank_journal_id")} input:value(县供电公司基本户)`,
        },
        {
            content: "Load the payments",
            trigger: "button[name='action_load_payments']",
            run: "click",
        },
        {
            content: "Two payments, 120.00",
            trigger: `${field("gross_amount")}:contains(120.00)`,
        },
        {
            content: "Commission floor 10.00",
            trigger: `${field("commission_amount")}:contains(10.00)`,
        },
        {
            content: "Post the commission",
            trigger: "button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Commission posted, 110.00 due",
            trigger: `${statusIs("confirmed")}`,
        },
        {
            content: "Net due 110.00",
            trigger: `${field("net_amount")}:contains(110.00)`,
        },
        noEnglish("the settlement"),
        {
            content: "Open the bank transactions",
            trigger: `${field("statement_line_id")} input`,
            run: "click",
        },
        {
            content: "Pick the agency's transfer on the statement",
            trigger: ".o-autocomplete--dropdown-item a:contains('中国邮政代收电费划款')",
            run: "click",
        },
        {
            content: "Reconcile the transfer",
            trigger: "button[name='action_reconcile_bank']",
            run: "click",
        },
        {
            content: "The settlement is reconciled",
            trigger: `${statusIs("reconciled")}`,
        },
        noEnglish("the reconciled settlement"),
    ],
});

/* Cashier cashier_cg (open demo session) takes a consolidated payment for
   the demo payer group of Chengguan east street: the payer is the group's
   village committee, the member owing nothing (0300000199) is not listed,
   and the cash tendered (the total rounded up to the next hundred) gives
   the change. */
const amountOf = (selector) =>
    parseFloat(document.querySelector(selector).innerText.replace(/[^\d.-]/g, ""));

registry.category("web_tour.tours").add("utility_consolidated_payment_tour", {
    steps: () => [
        ...openMenu(
            "utility_billing.menu_utility_root",
            "utility_billing.menu_utility_collection",
            "utility_payment_channels.menu_utility_consolidated_payment"
        ),
        {
            content: "Pick by payer group",
            trigger: `${field("selection_mode")} input[data-value='group']`,
            run: "click",
        },
        ...pickInDropdown("payer_group_id", "东街", "城关镇东街村委会代缴"),
        {
            content: "The payer is the group's village committee",
            trigger: `${field("payer_id")} input:value(城关镇东街村民委员会)`,
        },
        {
            content: "The members owing something are listed",
            trigger: `${field("line_ids")} .o_data_row`,
        },
        {
            content: "The member owing nothing is not listed",
            trigger: `${field("line_ids")}:not(:has(td:contains(0300000199)))`,
        },
        noEnglish("the consolidated payment"),
        {
            content: "The payer hands over the total rounded up to the next hundred",
            trigger: `${field("amount_tendered")} input`,
            async run(helpers) {
                const total = amountOf(`${field("amount_total")}`);
                const tendered = Math.floor(total / 100) * 100 + 100;
                await helpers.edit(String(tendered), `${field("amount_tendered")} input`);
            },
        },
        {
            content: "Leave the field",
            trigger: `${field("payer_group_id")} input`,
            run: "click",
        },
        {
            content: "The change is the tendered cash minus the total",
            trigger: `${field("amount_change")}:not(:contains(0.00))`,
            run() {
                const total = amountOf(`${field("amount_total")}`);
                const tendered = Math.floor(total / 100) * 100 + 100;
                const change = amountOf(`${field("amount_change")}`);
                if (Math.abs(tendered - total - change) > 0.001) {
                    throw new Error(`Change ${change} for ${tendered} tendered on ${total}`);
                }
            },
        },
        {
            content: "Pay all",
            trigger: "button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Paid: one payment per member listed",
            trigger: `${statusIs("done")}`,
        },
        {
            content: "The payments are shown",
            trigger: `${field("payment_ids")} .o_data_row`,
        },
    ],
});
