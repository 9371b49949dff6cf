from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.utility_payment_channels.tools.api_error import UtilityApiError


@tagged("post_install", "-at_install")
class TestHeadend(TransactionCase):
    """The head-end system: its readings key, shown once and stored as a
    digest, refused when revoked or disabled; its provider hooks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="headend_manager", groups="utility_billing.group_utility_manager"
        )
        cls.officer = new_test_user(
            cls.env, login="headend_officer", groups="utility_billing.group_utility_billing_officer"
        )
        cls.headend = (
            cls.env["utility.headend"]
            .with_user(cls.manager)
            .create({"name": "HES", "code": "HES-T", "state": "enabled"})
        )

    def _authenticate(self, key):
        return self.env["utility.headend"]._utility_api_authenticate(f"Bearer {key}", "192.0.2.7")

    def test_key_is_shown_once_stored_as_digest_and_revocable(self):
        key = self.headend.action_generate_key()["params"]["message"]
        self.assertNotIn(key, str(self.headend.sudo().read()))
        self.assertEqual(self._authenticate(key), self.headend)
        self.headend.state = "disabled"
        with self.assertRaises(UtilityApiError) as refused:
            self._authenticate(key)
        self.assertEqual(refused.exception.status, 401)
        self.headend.state = "enabled"
        self.headend.with_user(self.manager).action_revoke_key()
        with self.assertRaises(UtilityApiError):
            self._authenticate(key)

    def test_only_a_manager_issues_keys_and_nobody_writes_the_digest(self):
        with self.assertRaises(AccessError):
            self.headend.with_user(self.officer).action_generate_key()
        with self.assertRaises(AccessError):
            self.headend.with_user(self.manager).write({"key_hint": "forged"})
        with self.assertRaises(AccessError):
            self.headend.sudo().write({"key_hash": "0" * 64})

    def test_commands_go_to_the_providers_own_method(self):
        command = object()
        model = type(self.env["utility.headend"])
        with patch.object(model, "_headend_http_json_send_command", return_value="REF-1") as send:
            self.assertEqual(self.headend._headend_send_command(command), "REF-1")
        send.assert_called_once_with(command)
        # a provider without the hook
        with (
            patch.object(model, "_headend_http_json_send_command", None),
            self.assertRaisesRegex(UserError, "cannot send_command"),
        ):
            self.headend._headend_send_command(command)
