import {registry} from "@web/core/registry";

/* The demo cashier opens the counter, finds a customer by customer number,
   takes 200 yuan for two open bills of 184 yuan, sees 16 yuan of change,
   books the payment and prints the receipt. */
registry.category("web_tour.tours").add("utility_counter_tour", {
    steps: () => [
        {
            content: "Find the customer by number",
            trigger: ".o_field_widget[name='search_term'] input",
            run: "edit 0300000184",
        },
        {
            content: "Go to the cash tendered",
            trigger: ".o_field_widget[name='amount_tendered'] input",
            run: "click",
        },
        {
            content: "Both open bills are listed",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row:nth-child(2)",
        },
        {
            content: "Amount due is shown",
            trigger: ".o_field_widget[name='amount_due']:contains(184.00)",
        },
        {
            content: "Customer hands over 200 yuan",
            trigger: ".o_field_widget[name='amount_tendered'] input",
            run: "edit 200",
        },
        {
            content: "Leave the field",
            trigger: ".o_field_widget[name='search_term'] input",
            run: "click",
        },
        {
            content: "The change is computed",
            trigger: ".o_field_widget[name='amount_change']:contains(16.00)",
        },
        {
            content: "Pay",
            trigger: "button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The payment is booked",
            trigger: ".o_field_widget[name='payment_id'] a, .o_field_widget[name='payment_id'] span:not(:empty)",
        },
        {
            content: "The change is still shown after paying",
            trigger: ".o_field_widget[name='amount_change']:contains(16.00)",
        },
        {
            content: "Print the receipt",
            trigger: "button[name='action_print_receipt']",
            run: "click",
        },
        {
            content: "The receipt is printed (downloaded, or shown when wkhtmltopdf is missing)",
            trigger: "body:not(:has(.o_blockUI))",
        },
    ],
});
