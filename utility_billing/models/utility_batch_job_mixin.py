from odoo import models
from odoo.exceptions import UserError
from odoo.tools import split_every

from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError

from ..tools.locks import lock_nowait


class UtilityBatchJobMixin(models.AbstractModel):
    """The life cycle of a record whose work is split into queue_job jobs:
    the billing run (contracts to bill), the dunning run (actions to carry
    out) and the agency import (matched lines to book).

    1. **Start** (``_batch_job_start``, from the model's button, which
       first row-locks the record without waiting, ``_batch_job_lock``: a
       second user gets a clear message instead of enqueuing every batch
       twice): the record is set to its running state and its units to do
       are enqueued in batches (``_batch_job_enqueue``) — or processed at
       once when the model says so (``_batch_job_run_inline``), or closed at
       once when there is nothing to do.
    2. **Batch job** (the model's job method, named by ``_batch_job_method``,
       calls ``_batch_job_perform``): the units are row-locked without
       waiting — units another job holds make this job retried later
       (``RetryableJobError``), then found done — and processed
       (``_batch_job_process``, idempotent: units already done are left
       alone). Running a batch twice is harmless.
    3. **Done check and close**: with a closing job
       (``_batch_job_close_method``, calling ``_batch_job_finish``), queue_job
       runs it once every batch job of the start is done (the closing job of
       an earlier start leaves the closing to the last start's); without
       one, each batch job closes the record when no unit is left to do
       (``_batch_job_is_done``). Closing (``_batch_job_close``) sets the
       done state (plus the model's message).
       The per-batch check sees only what is committed when the job started:
       two last batches running at once would each see the other's units
       still to do. It is therefore for models whose jobs run one at a time
       (a channel of capacity 1); a model whose jobs run in parallel has a
       closing job.
    4. **Resume** (``_batch_job_resume``): a running record whose worker
       died gets new jobs for the units still to do (never for the units
       done), and is closed when none is left.

    A model inheriting the mixin fills the hooks below (the attributes
    ``_batch_job_*`` and the methods marked *hook*); the other methods are
    the life cycle and are not meant to be overridden. The model also
    inherits ``mail.thread`` and ``utility.protected.fields.mixin`` (before
    this mixin), and has a protected ``state`` selection holding the running
    and done states."""

    _name = "utility.batch.job.mixin"
    _description = "Batch Job Life Cycle"

    # the model of the units: what ``_batch_job_units`` browses
    _batch_job_unit_model = None
    # the job method performing one batch, ``method(unit_ids)``, which calls
    # ``_batch_job_perform``: with the record, the job's identity in
    # queue_job (its job function, its channel and retry settings)
    _batch_job_method = "_run_batch"
    # the queue_job channel of the jobs
    _batch_job_channel = "root"
    # the job method closing the record once every batch job is done, or
    # None: each batch job checks whether the record is done
    _batch_job_close_method = None
    # the values of ``state`` while the jobs run, and once done
    _batch_job_running_state = "running"
    _batch_job_done_state = "done"
    # seconds before a job whose units are locked by another job is retried
    _batch_job_retry_seconds = 10

    # ------------------------------------------------------------------
    # hooks
    # ------------------------------------------------------------------
    def _batch_job_busy_message(self):
        """Hook: the message of the ``UserError`` raised when another
        transaction holds one of the records (started, resumed, imported by
        another user at this moment)."""
        raise NotImplementedError

    def _batch_job_units_busy_message(self):
        """Hook: the message of the ``RetryableJobError`` raised when another
        job holds some of a batch's units."""
        raise NotImplementedError

    def _batch_job_size(self):
        """Hook: the number of units per batch job."""
        return self.batch_size

    def _batch_job_description(self, index, total, start):
        """Hook: the description of the ``index``-th job of ``total``, whose
        first unit is the ``start``-th unit enqueued (both from 1)."""
        raise NotImplementedError

    def _batch_job_close_description(self):
        """Hook (with a closing job): the description of the closing job."""
        raise NotImplementedError

    def _batch_job_todo(self):
        """Hook: the units still to do, in the order they are enqueued."""
        raise NotImplementedError

    def _batch_job_units(self, unit_ids):
        """Hook: the units of a batch job (those still existing)."""
        return self.env[self._batch_job_unit_model].browse(unit_ids).exists()

    def _batch_job_process(self, units):
        """Hook: do the work of a batch of ``units`` (row-locked) and return
        the job's result. Idempotent: a unit already done is left alone."""
        raise NotImplementedError

    def _batch_job_is_done(self):
        """Hook: whether no unit is left to do (the per-batch done check:
        keep it to one cheap query)."""
        return not self._batch_job_todo()

    def _batch_job_close(self):
        """Hook (extend with ``super()``): close the record once its work is
        done. Sets the done state; a model adds its closing message."""
        with self._utility_protected_write():
            self.write({"state": self._batch_job_done_state})

    def _batch_job_run_inline(self, units):
        """Hook: whether ``units`` are processed at once, in the starting
        transaction, instead of in jobs (e.g. a small file)."""
        return False

    def _batch_job_started(self, units):
        """Hook: called once the record is set running, before ``units`` are
        enqueued (e.g. to post a message)."""

    def _batch_job_not_running_message(self):
        """Hook: the message of the ``UserError`` raised when a record that
        is not running is resumed."""
        raise NotImplementedError

    def _batch_job_resumed_message(self, todo):
        """Hook: the message posted on a resumed record (``todo``: the units
        enqueued again), or None."""
        return None

    # ------------------------------------------------------------------
    # life cycle
    # ------------------------------------------------------------------
    def _batch_job_lock(self):
        """Row-lock the records without waiting, or refuse with the model's
        message: a second user starting or resuming the same record at the
        same moment gets it at once instead of enqueuing every batch twice."""
        if not lock_nowait(self):
            raise UserError(self._batch_job_busy_message())

    def _batch_job_start(self, units, vals=None):
        """Start the work of ``units`` (the record locked and checked by the
        caller): processed at once (``_batch_job_run_inline``), or the record
        set to its running state (with ``vals``, then ``_batch_job_started``)
        and the units enqueued."""
        self.ensure_one()
        if self._batch_job_run_inline(units):
            self._batch_job_process(units)
            self._batch_job_close()
            return
        with self._utility_protected_write():
            self.write({"state": self._batch_job_running_state, **(vals or {})})
        self._batch_job_started(units)
        self._batch_job_enqueue(units)

    def _batch_job_enqueue(self, units):
        """One job per batch of ``units``, and the closing job once they are
        all done (alone when there is no unit). Without a closing job, a
        record with no unit to do is closed at once."""
        self.ensure_one()
        size = self._batch_job_size()
        batches = list(split_every(size, units.ids, list))
        delayables = [
            getattr(
                self.delayable(
                    channel=self._batch_job_channel,
                    description=self._batch_job_description(
                        index, len(batches), (index - 1) * size + 1
                    ),
                ),
                self._batch_job_method,
            )(batch)
            for index, batch in enumerate(batches, start=1)
        ]
        if self._batch_job_close_method:
            close = getattr(
                self.delayable(
                    channel=self._batch_job_channel,
                    description=self._batch_job_close_description(),
                ),
                self._batch_job_close_method,
            )()
            if delayables:
                group(*delayables).on_done(close).delay()
            else:
                close.delay()
            return
        for delayable in delayables:
            delayable.delay()
        if not delayables:
            self._batch_job_close()

    def _batch_job_perform(self, unit_ids):
        """The work of one batch job: its units locked without waiting (or
        the job retried later), processed, and without a closing job, the
        record closed when nothing is left to do."""
        self.ensure_one()
        units = self._batch_job_units(unit_ids)
        if not lock_nowait(units):
            raise RetryableJobError(
                self._batch_job_units_busy_message(), seconds=self._batch_job_retry_seconds
            )
        result = self._batch_job_process(units)
        if not self._batch_job_close_method and self._batch_job_is_done():
            self._batch_job_close()
        return result

    def _batch_job_finish(self):
        """The work of the closing job: close the record, unless it was
        started again after this job was enqueued. That later start has its
        own closing job, run once its own batches are done: this one, whose
        batches were done first, would close the record while the later
        batches still run, and the record would be closed twice."""
        self.ensure_one()
        if self._batch_job_superseded():
            return self.env._("Started again since: closed by the closing job of the last start.")
        self._batch_job_close()
        return True

    def _batch_job_superseded(self):
        """Whether the running closing job (``job_uuid`` in the context, set
        by queue_job) has a later closing job of the same record."""
        job_uuid = self.env.context.get("job_uuid")
        if not job_uuid:
            return False
        # sudo: the jobs of this very record, only counted; queue.job is
        # readable by queue_job managers only
        jobs = self.env["queue.job"].sudo()
        current = jobs.search([("uuid", "=", job_uuid)], limit=1)
        return bool(
            current
            and jobs.search_count(
                [
                    ("id", ">", current.id),
                    ("model_name", "=", self._name),
                    ("method_name", "=", self._batch_job_close_method),
                    ("func_string", "=like", f"{self!r}.%"),
                    ("state", "!=", "cancelled"),
                ],
                limit=1,
            )
        )

    def _batch_job_resume(self):
        """Enqueue again the units a running record has not done yet, e.g.
        after its worker was killed: jobs for the units still to do, none for
        the units done; closed when none is left."""
        self._batch_job_lock()
        for record in self:
            if record.state != record._batch_job_running_state:
                raise UserError(record._batch_job_not_running_message())
            todo = record._batch_job_todo()
            record._batch_job_enqueue(todo)
            message = record._batch_job_resumed_message(todo)
            if message:
                record.message_post(body=message)
        return True
