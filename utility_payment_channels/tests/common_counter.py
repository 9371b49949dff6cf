from odoo.tests import new_test_user

from .common import UtilityPaymentCase


class UtilityCounterCase(UtilityPaymentCase):
    """A company in CNY with two service halls (A: the common hall on the
    company's cash journal, B: its own cash journal), a cashier per hall
    (two at hall A) and an open session of cashier A with a 500 yuan float."""

    @classmethod
    def setup_independent_company(cls, **kwargs):
        cny = cls._enable_currency("CNY")
        return super().setup_independent_company(currency_id=cny.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company_data["company"]
        cls.currency = company.currency_id

        def cashier(login):
            return new_test_user(
                cls.env,
                login=login,
                groups="utility_billing.group_utility_cashier",
                company_id=company.id,
                company_ids=[company.id],
            )

        cls.cashier = cashier("hall_a_cashier")
        cls.cashier_a2 = cashier("hall_a_cashier_2")
        cls.cashier_b = cashier("hall_b_cashier")
        cls.manager = new_test_user(
            cls.env,
            login="collection_manager",
            groups="utility_billing.group_utility_manager",
            company_id=company.id,
            company_ids=[company.id],
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.hall.write(
            {
                "user_ids": [(6, 0, (cls.cashier | cls.cashier_a2).ids)],
                "card_journal_id": cls.bank_journal.id,
            }
        )
        cls.cash_journal_b = cls.env["account.journal"].create(
            {"name": "Lizhuang hall cash", "code": "LZH", "type": "cash", "company_id": company.id}
        )
        cls.hall_b = cls.env["utility.collection.point"].create(
            {
                "name": "Lizhuang hall",
                "code": "LZ-H1",
                "kind": "hall",
                "journal_id": cls.cash_journal_b.id,
                "user_ids": [(6, 0, cls.cashier_b.ids)],
            }
        )
        cls.session = cls._open_session(cls.cashier, cls.hall, 500.0)

    @classmethod
    def _open_session(cls, user, hall, opening_float=0.0):
        return (
            cls.env["utility.cashier.session"]
            .with_user(user)
            .create({"collection_point_id": hall.id, "cash_register_balance_start": opening_float})
        )

    def _count(self, session, counts):
        """Enter the closing count: ``{"100": 7, "0.5": 1}``."""
        session.action_closing_control()
        for line in session.count_line_ids:
            line.quantity = counts.get(line.denomination, 0)
