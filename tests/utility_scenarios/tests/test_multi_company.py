"""Multi-company isolation of every model the utility add-ons define.

The list of models comes from the registry, so a new model is covered the
day it is added: every stored model defined by utility_billing,
utility_payment_channels or utility_arrears that has a stored ``company_id``
must carry a multi-company record rule, and a user of another company (with
the broadest utility rights) must neither find nor read any of the demo
database's records of it. Models without ``company_id`` are listed in the
log and in ``MODELS_WITHOUT_COMPANY``, which must stay in step.
"""

import logging

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

_logger = logging.getLogger(__name__)

UTILITY_MODULES = ("utility_billing", "utility_payment_channels", "utility_arrears")

# Models of the add-ons with no company_id of their own (reviewed list: a new
# model without company_id makes the test fail until it is added here).
# Those scoped through a parent record must still have a multi-company rule
# and are checked like the others.
COMPANY_THROUGH_PARENT = {
    "utility.cashier.session.count": "cash count lines of a session",
    "utility.tariff.block": "blocks of a tariff version",
}
SHARED_WITHOUT_COMPANY = {
    "utility.api.auth.failure": "refused API keys by address, before any company is known",
    "utility.api.nonce": "nonces of signed API requests, read by administrators only",
    "utility.customer.category": "classification of customers shared by all companies",
}
MODELS_WITHOUT_COMPANY = {**COMPANY_THROUGH_PARENT, **SHARED_WITHOUT_COMPANY}


@tagged("post_install", "-at_install")
class TestMultiCompanyIsolation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Isolated Other County"})
        cls.user_b = new_test_user(
            cls.env,
            login="utility_company_b",
            groups="base.group_user,base.group_system,utility_billing.group_utility_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )

    def _utility_models(self):
        """(models with a stored company_id, models without) of the add-ons."""
        with_company, without_company = [], []
        for name in sorted(self.env.registry):
            model = self.env[name]
            if (
                model._abstract
                or model._transient
                or not model._auto
                or model._original_module not in UTILITY_MODULES
            ):
                continue
            field = model._fields.get("company_id")
            if field is not None and field.store:
                with_company.append(name)
            else:
                without_company.append(name)
        return with_company, without_company

    def test_models_without_company_are_the_reviewed_ones(self):
        with_company, without_company = self._utility_models()
        _logger.info(
            "multi-company: %d models with company_id checked, without company_id: %s",
            len(with_company),
            ", ".join(without_company),
        )
        self.assertGreater(len(with_company), 10)
        self.assertEqual(
            sorted(without_company),
            sorted(MODELS_WITHOUT_COMPANY),
            "a model gained or lost its company_id: update MODELS_WITHOUT_COMPANY",
        )

    def test_every_company_model_has_a_multi_company_rule(self):
        with_company, _without = self._utility_models()
        with_company += list(COMPANY_THROUGH_PARENT)
        rules = self.env["ir.rule"].sudo().search([("model_id.model", "in", with_company)])
        missing = [
            name
            for name in with_company
            if not rules.filtered(
                lambda rule, name=name: (
                    rule.model_id.model == name
                    and rule.active
                    and "company_ids" in (rule.domain_force or "")
                )
            )
        ]
        self.assertEqual(missing, [], "models without a multi-company record rule")

    def test_a_user_of_another_company_cannot_read_any_record(self):
        with_company, _without = self._utility_models()
        with_company += list(COMPANY_THROUGH_PARENT)
        checked = {}
        for name in with_company:
            # every record existing before company B was created belongs to
            # another company (or to none: shared, not checked)
            domain = [("company_id", "!=", False)] if name not in COMPANY_THROUGH_PARENT else []
            records = self.env[name].sudo().with_context(active_test=False).search(domain, limit=50)
            if not records:
                continue
            checked[name] = len(records)
            with self.subTest(model=name):
                as_b = self.env[name].with_user(self.user_b).with_context(active_test=False)
                self.assertFalse(as_b.search([("id", "in", records.ids)]), name)
                self.assertEqual(as_b.search_count([("id", "in", records.ids)]), 0, name)
                with self.assertRaises(AccessError):
                    as_b.browse(records[:1].id).read(["display_name"])
        _logger.info(
            "multi-company: company B read none of %d records of %d models (%s); "
            "models without demo records checked by their rule only: %s",
            sum(checked.values()),
            len(checked),
            ", ".join(f"{name}: {count}" for name, count in checked.items()),
            ", ".join(sorted(set(with_company) - set(checked))),
        )
        self.assertGreater(len(checked), 5, "the demo data has records to check")
