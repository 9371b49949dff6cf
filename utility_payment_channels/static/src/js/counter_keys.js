import { Component, useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useExternalListener } from "@odoo/owl";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The counter's keyboard and quick-cash buttons, as a Point of Sale cashier
 * expects them: type a customer number and Enter (the cash tendered gets the
 * focus once the customer is found), type the cash or click a quick-cash
 * amount, Enter pays; Enter again prints the receipt and opens an empty
 * counter for the next customer.
 */
export class UtilityCounterKeys extends Component {
    static template = "utility_payment_channels.CounterKeys";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.busy = false;
        useExternalListener(window, "keydown", this.onKeydown, { capture: true });
        // the customer found: the cash tendered is what the cashier types next
        useEffect(
            (partnerId, state) => {
                if (partnerId && state === "draft") {
                    this.focusTendered();
                }
            },
            () => [this.props.record.data.partner_id?.id, this.props.record.data.state]
        );
    }

    get data() {
        return this.props.record.data;
    }

    /** The exact amount due and the next round sums above it. */
    get quickAmounts() {
        const due = this.data.amount_due || 0;
        if (due <= 0) {
            return [];
        }
        const amounts = [Math.round(due * 100) / 100];
        for (const step of [10, 50, 100]) {
            const rounded = Math.ceil(due / step) * step;
            if (!amounts.includes(rounded)) {
                amounts.push(rounded);
            }
        }
        return amounts;
    }

    format(amount) {
        return amount.toFixed(2);
    }

    focusTendered() {
        const input = document.querySelector(
            ".o_utility_counter .o_field_widget[name='amount_tendered'] input"
        );
        if (input && document.activeElement !== input) {
            input.focus();
            input.select();
        }
    }

    async setTendered(amount) {
        await this.props.record.update({ amount_tendered: amount });
    }

    async onKeydown(ev) {
        if (ev.key !== "Enter" || ev.altKey || ev.ctrlKey || ev.shiftKey || this.busy) {
            return;
        }
        const form = document.querySelector(".o_utility_counter");
        if (!form || document.querySelector(".modal")) {
            return;
        }
        const target = ev.target;
        if (this.data.state === "draft" && target.closest?.(".o_field_widget[name='amount_tendered']")) {
            // Enter in the cash tendered pays (the field's value is saved first)
            ev.preventDefault();
            ev.stopPropagation();
            form.querySelector("button.o_utility_counter_pay")?.click();
        } else if (this.data.state === "done" && !target.closest?.("input, textarea, button")) {
            ev.preventDefault();
            ev.stopPropagation();
            this.busy = true;
            try {
                const model = this.props.record.resModel;
                const ids = [this.props.record.resId];
                await this.action.doAction(await this.orm.call(model, "action_print_receipt", [ids]));
                await this.action.doAction(await this.orm.call(model, "action_next_customer", [ids]));
            } finally {
                this.busy = false;
            }
        }
    }
}

registry.category("view_widgets").add("utility_counter_keys", {
    component: UtilityCounterKeys,
});
