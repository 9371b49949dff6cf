from odoo.tests import tagged

from .common import UtilityBillingCase


@tagged("post_install", "-at_install")
class TestNewName(UtilityBillingCase):
    """A record made with the placeholder name "New" in one language gets its
    number whatever the language of the user who saves it."""

    def test_placeholder_of_another_language_still_gets_its_number(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        in_chinese = {
            model: self.env[model].with_context(lang="zh_CN").default_get([field])[field]
            for model, field in (("utility.service.point", "code"), ("utility.contract", "name"))
        }
        self.assertEqual(set(in_chinese.values()), {"新建"})
        english = self.env(context=dict(self.env.context, lang="en_US"))
        point = english["utility.service.point"].create(
            {
                "name": "Li Na house",
                "code": in_chinese["utility.service.point"],
                "station_id": self.station.id,
                "partner_id": self.customer.id,
                "company_id": self.company.id,
            }
        )
        contract = english["utility.contract"].create(
            {
                "name": in_chinese["utility.contract"],
                "partner_id": self.customer.id,
                "service_point_id": point.id,
                "tariff_id": self.tariff.id,
                "company_id": self.company.id,
                "date_start": "2024-01-01",
            }
        )
        self.assertNotIn(point.code, ("新建", "New"))
        self.assertNotIn(contract.name, ("新建", "New"))
