from odoo.tests import tagged

from .agency_common import UtilityAgencyCase


@tagged("post_install", "-at_install")
class TestAgencyImportName(UtilityAgencyCase):
    def test_file_uploaded_in_chinese_and_imported_in_english_gets_its_number(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        agency_import = (
            self.env["utility.agency.import"]
            .with_context(lang="zh_CN")
            .create(
                {
                    "agency_id": self.agency.id,
                    "file": self._agency_file(
                        ["N-1,2025-01-10 09:00:00,0100000002,,10.00,POST-CG"]
                    ),
                    "filename": "post_20250110.csv",
                }
            )
        )
        self.assertEqual(agency_import.name, "新建")
        agency_import.with_context(lang="en_US").action_import()
        self.assertNotIn(agency_import.name, ("新建", "New"))
        self.assertEqual(agency_import.state, "done")
