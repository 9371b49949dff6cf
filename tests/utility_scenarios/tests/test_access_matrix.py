"""The access matrix of docs/ACCESS_MATRIX.md is what Odoo enforces.

The test reads the "Rights" table of the document and, for every model and
every group, checks each of read/create/write/unlink with ``has_access`` and
``check_access`` for a user holding exactly that group: the document and the
security files cannot drift apart.
"""

import os
import re

from odoo.exceptions import AccessError
from odoo.modules import get_module_path
from odoo.tests import TransactionCase, new_test_user, tagged

MATRIX_MODULES = ("utility_billing", "utility_payment_channels", "utility_arrears")
GROUP_XMLIDS = {
    "Meter Reader": "utility_billing.group_utility_meter_reader",
    "Cashier": "utility_billing.group_utility_cashier",
    "Field Collector": "utility_billing.group_utility_field_collector",
    "Billing Officer": "utility_billing.group_utility_billing_officer",
    "Utility Accountant": "utility_billing.group_utility_accountant",
    "Collection Manager": "utility_billing.group_utility_manager",
    "Portal": "base.group_portal",
    "Public": "base.group_public",
}
OPERATIONS = {"R": "read", "C": "create", "W": "write", "U": "unlink"}


def read_access_matrix():
    """``(groups, {model: {group: "RCWU"}})`` from the Rights table of the document."""
    module_path = get_module_path("utility_scenarios")
    path = os.path.join(module_path, os.pardir, os.pardir, "docs", "ACCESS_MATRIX.md")
    with open(os.path.normpath(path), encoding="utf-8") as matrix_file:
        text = matrix_file.read()
    section = text.split("## Rights", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    groups = header[1:]
    matrix = {}
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        model = re.search(r"`([\w.]+)`", cells[0]).group(1)
        matrix[model] = {
            group: "" if cell == "-" else cell
            for group, cell in zip(groups, cells[1:], strict=True)
        }
    return groups, matrix


@tagged("post_install", "-at_install")
class TestAccessMatrix(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.groups, cls.matrix = read_access_matrix()
        cls.users = {
            group: new_test_user(
                cls.env,
                login="matrix_" + xmlid.replace(".", "_"),
                groups=xmlid,
                name=f"Matrix {group}",
            )
            for group, xmlid in GROUP_XMLIDS.items()
        }

    def test_matrix_lists_every_group(self):
        self.assertEqual(set(self.groups), set(GROUP_XMLIDS))

    def test_matrix_lists_every_model_with_access_lines(self):
        """A model that gains or loses access lines must be added to the table."""
        data = self.env["ir.model.data"].search(
            [("model", "=", "ir.model.access"), ("module", "in", MATRIX_MODULES)]
        )
        models = set(
            self.env["ir.model.access"].browse(data.mapped("res_id")).mapped("model_id.model")
        )
        self.assertFalse(models - set(self.matrix), "models missing from docs/ACCESS_MATRIX.md")
        self.assertFalse(set(self.matrix) - models, "models in the table without access lines")

    def test_every_group_has_exactly_the_rights_of_the_matrix(self):
        for model, row in self.matrix.items():
            for group, letters in row.items():
                user = self.users[group]
                records = self.env[model].with_user(user)
                for letter, operation in OPERATIONS.items():
                    expected = letter in letters
                    with self.subTest(model=model, group=group, operation=operation):
                        self.assertEqual(
                            records.has_access(operation),
                            expected,
                            f"{group} {'cannot' if expected else 'can'} {operation}",
                        )
                        if expected:
                            records.check_access(operation)
                        else:
                            with self.assertRaises(AccessError):
                                records.check_access(operation)
