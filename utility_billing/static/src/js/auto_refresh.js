import { Component, onMounted, onWillUnmount } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * Reloads a form while its record is running (a billing run's batches are
 * jobs), so that its progress moves without a click. Stops as soon as the
 * record leaves the running state, or when the user edits the form.
 */
export class UtilityAutoRefresh extends Component {
    static template = "utility_billing.AutoRefresh";
    static props = {
        ...standardWidgetProps,
        interval: { type: Number, optional: true },
    };

    setup() {
        onMounted(() => {
            this.timer = setInterval(() => this.refresh(), (this.props.interval || 3) * 1000);
        });
        onWillUnmount(() => clearInterval(this.timer));
    }

    async refresh() {
        const record = this.props.record;
        if (record.data.state !== "running" || record.isNew || record.dirty) {
            return;
        }
        await record.load();
    }
}

registry.category("view_widgets").add("utility_auto_refresh", {
    component: UtilityAutoRefresh,
    extractProps: ({ attrs }) => ({
        interval: attrs.interval ? parseInt(attrs.interval) : undefined,
    }),
});
