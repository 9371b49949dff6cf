from odoo.tests import new_test_user, tagged

from .common import UtilityArrearsCase


@tagged("post_install", "-at_install")
class TestCareProfile(UtilityArrearsCase):
    """The caring service plans the next visit for the staff member who
    makes it."""

    def test_visit_activity_is_written_in_the_visitor_language(self):
        """The visit to-do is read by the visitor: in their language, even
        when the profile is entered by someone working in another one."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["utility_arrears"], ["zh_CN"])
        visitor = new_test_user(
            self.env, login="care_visitor", lang="zh_CN", groups="base.group_user"
        )
        profile = (
            self.env["utility.care.profile"]
            .with_context(lang="en_US")
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "care_type": "elderly_alone",
                    "user_id": visitor.id,
                }
            )
        )
        self.assertEqual(profile.activity_ids.user_id, visitor)
        self.assertEqual(profile.activity_ids.summary, "亲情走访")
