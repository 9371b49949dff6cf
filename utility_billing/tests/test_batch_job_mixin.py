from odoo.tests import TransactionCase, tagged

from ..models.utility_batch_job_mixin import UtilityBatchJobMixin

# the hooks every model fills: the mixin's own raise NotImplementedError
REQUIRED_HOOKS = (
    "_batch_job_busy_message",
    "_batch_job_units_busy_message",
    "_batch_job_description",
    "_batch_job_todo",
    "_batch_job_process",
)


@tagged("post_install", "-at_install")
class TestBatchJobMixin(TransactionCase):
    """Every model whose work runs in queue_job batches (the billing run, and
    with the other add-ons installed the dunning run and the agency import)
    fills the hooks of utility.batch.job.mixin: the life cycle it inherits
    can start, run, close and resume it."""

    def _batch_models(self):
        names = self.env.registry["utility.batch.job.mixin"]._inherit_children
        return [self.env[name] for name in names if not self.env[name]._abstract]

    def test_billing_run_is_a_batch_job_record(self):
        self.assertIn("utility.billing.run", [model._name for model in self._batch_models()])

    def test_every_batch_job_model_fills_the_hooks_of_its_life_cycle(self):
        for model in self._batch_models():
            with self.subTest(model=model._name):
                cls = type(model)
                for hook in REQUIRED_HOOKS + (
                    # a closing job is described; without one, the record resumes
                    ("_batch_job_close_description",)
                    if model._batch_job_close_method
                    else ("_batch_job_not_running_message",)
                ):
                    self.assertIsNot(getattr(cls, hook), getattr(UtilityBatchJobMixin, hook), hook)
                # the jobs' identity: methods of the model, on a channel
                self.assertTrue(callable(getattr(model, model._batch_job_method)))
                if model._batch_job_close_method:
                    self.assertTrue(callable(getattr(model, model._batch_job_close_method)))
                self.assertTrue(
                    model._batch_job_channel == "root"
                    or model._batch_job_channel.startswith("root.")
                )
                self.assertIn(model._batch_job_unit_model, self.env)
                # the life cycle's states are states of the record
                states = dict(model._fields["state"]._description_selection(self.env))
                self.assertIn(model._batch_job_running_state, states)
                self.assertIn(model._batch_job_done_state, states)
                # the life cycle writes them: protected from any other writer
                self.assertIn("state", model._utility_protected_fields())
