"""The dunning levels of the demo policies were created inline (without xml
ids), once more at every update of the module. They now have xml ids: keep
those, move what referenced an inline copy to its twin and drop the copies."""

from odoo import SUPERUSER_ID, api

DEMO_POLICIES = ("utility_arrears.demo_policy_residential", "utility_arrears.demo_policy_general")


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    policies = env["utility.arrears.policy"]
    for xmlid in DEMO_POLICIES:
        policies |= env.ref(xmlid, raise_if_not_found=False) or policies
    levels = policies.with_context(active_test=False).level_ids
    if not levels:
        return
    xmlids = levels.get_external_id()
    named = levels.filtered(lambda level: xmlids.get(level.id))
    for level in levels - named:
        twin = named.filtered(
            lambda other, level=level: (
                other.policy_id == level.policy_id
                and other.days_overdue == level.days_overdue
                and other.action == level.action
            )
        )[:1]
        if not twin:
            continue
        actions = env["utility.dunning.action"].search([("level_id", "=", level.id)])
        taken = env["utility.dunning.action"].search(
            [("level_id", "=", twin.id), ("bill_id", "in", actions.bill_id.ids)]
        )
        if taken:
            # the bill already went through the named level: keep both
            continue
        actions.write({"level_id": twin.id})
        env["utility.disconnection.order"].search([("level_id", "=", level.id)]).write(
            {"level_id": twin.id}
        )
        level.unlink()
