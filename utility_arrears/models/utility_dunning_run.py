from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.utility_billing.models.account_move_lifecycle import chased_bill_sql
from odoo.addons.utility_billing.tools.new_name import is_new_name

JOB_CHANNEL = "root.utility_arrears"


class UtilityDunningRun(models.Model):
    """A dunning run: on a date, the dunning level due for every overdue bill
    of the company (at most once per level and bill), previewed as actions to
    do, then carried out in queue_job batches."""

    _name = "utility.dunning.run"
    _description = "Dunning Run"
    _inherit = ["mail.thread", "utility.protected.fields.mixin", "utility.batch.job.mixin"]
    _order = "date desc, id desc"
    # the run's life cycle (utility.batch.job.mixin): draft actions carried
    # out in batches of ``batch_size``, one job at a time on the arrears
    # channel, the last one closing the run
    _batch_job_unit_model = "utility.dunning.action"
    _batch_job_method = "_run_batch"
    _batch_job_channel = JOB_CHANNEL

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        default=lambda self: self.env._("New"),
    )
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    batch_size = fields.Integer(
        default=2000,
        help="Actions carried out per background job (each job commits its batch).",
    )
    action_ids = fields.One2many(
        comodel_name="utility.dunning.action", inverse_name="run_id", string="Actions"
    )
    action_count = fields.Integer(compute="_compute_action_count")
    todo_count = fields.Integer(compute="_compute_action_count")

    @api.model
    def _utility_protected_fields(self):
        # the run's workflow: Run, Resume and its jobs
        return {"state"}

    @api.model
    def _utility_create_only_fields(self):
        return {"name"}

    def _compute_action_count(self):
        data = self.env["utility.dunning.action"]._read_group(
            [("run_id", "in", self.ids)], ["run_id", "state"], ["__count"]
        )
        totals, todo = {}, {}
        for run, state, count in data:
            totals[run] = totals.get(run, 0) + count
            if state == "draft":
                todo[run] = todo.get(run, 0) + count
        for run in self:
            run.action_count = totals.get(run, 0)
            run.todo_count = todo.get(run, 0)

    @api.model_create_multi
    def create(self, vals_list):
        new_label = self.env._("New")
        for vals in vals_list:
            if is_new_name(self, vals.get("name")):
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("utility.dunning.run") or new_label
                )
        return super().create(vals_list)

    @api.model
    def _level_table(self, levels):
        """``levels`` as plain tuples ``(days_overdue, sequence, id, action)``
        in the order levels are reached, computed once per policy."""
        return sorted((lv.days_overdue, lv.sequence, lv.id, lv.action) for lv in levels)

    @api.model
    def _choose_level_id(self, table, days, done_ids, done_days):
        """Id of the level to apply (or None), from a ``_level_table``, the
        ids of the levels done on the bill and the highest of their days
        overdue (-1 when none): see ``_choose_level``."""
        candidates = []
        for row in table:
            if row[0] > days:
                break
            if row[0] > done_days and row[2] not in done_ids:
                candidates.append(row)
        if not candidates:
            return None
        if candidates[-1][3] == "disconnection_notice" and not done_ids:
            reminders = [row for row in candidates if row[3] != "disconnection_notice"]
            return reminders[-1][2] if reminders else None
        return candidates[-1][2]

    @api.model
    def _choose_level(self, levels, days, done_levels):
        """The level to apply to a bill ``days`` overdue: the highest level
        reached, not done yet, and above every level already done. A
        disconnection notice needs an earlier reminder: without one, the
        highest reminder reached comes first."""
        level_id = self._choose_level_id(
            self._level_table(levels),
            days,
            set(done_levels.ids),
            max(done_levels.mapped("days_overdue"), default=-1),
        )
        return levels.browse(level_id) if level_id else levels.browse()

    def _overdue_bill_rows(self):
        """The overdue bills of the run in one query, as plain rows
        ``(bill_id, partner_id, station_id, category, is_care, days_overdue,
        done_level_ids, highest_done_days)``: the company's posted customer
        invoices still open and past due on the run date, with the levels
        already applied to each (by any run, whatever the outcome) and the
        highest of their days overdue."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, m.partner_id, p.utility_station_id, p.utility_category,
                       COALESCE(p.utility_is_care, FALSE),
                       %(date)s::date - m.invoice_date_due,
                       done.level_ids, COALESCE(done.days, -1)
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.partner_id
             LEFT JOIN LATERAL (
                           SELECT array_agg(a.level_id) AS level_ids,
                                  MAX(l.days_overdue) AS days
                             FROM utility_dunning_action a
                             JOIN utility_arrears_level l ON l.id = a.level_id
                            WHERE a.bill_id = m.id
                       ) done ON TRUE
                 WHERE m.company_id = %(company)s
                   AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND %(chased)s
                   AND m.amount_residual > 0
                   AND m.invoice_date_due < %(date)s
              ORDER BY m.id
                """,
                date=self.date,
                company=self.company_id.id,
                # not held by an installment plan or a write-off, no deposit
                chased=chased_bill_sql("m"),
            )
        )
        return self.env.cr.fetchall()

    def action_preview(self):
        """List the actions due on the run date (replacing a previous preview):
        the bills and the levels done on them read in one query, the level of
        each bill chosen from plain tuples, the actions inserted in one
        statement."""
        Action = self.env["utility.dunning.action"]
        for run in self:
            if run.state != "draft":
                raise UserError(self.env._("Only a draft run can be previewed."))
            Action.search([("run_id", "=", run.id), ("state", "=", "draft")]).unlink()
            rows = run._overdue_bill_rows()
            policies = self.env["utility.arrears.policy"]._get_policy_map(
                {(run.company_id, row[3]) for row in rows}
            )
            tables = {
                key[1]: self._level_table(policy.level_ids) for key, policy in policies.items()
            }
            channels = {
                level.id: level.action for policy in policies.values() for level in policy.level_ids
            }
            care_message = self.env._("Caring-service customer: gentle reminders only.")
            values = []
            for (
                bill_id,
                partner_id,
                station_id,
                category,
                is_care,
                days,
                done_ids,
                done_days,
            ) in rows:
                level_id = self._choose_level_id(tables[category], days, done_ids or (), done_days)
                if not level_id:
                    continue
                channel = channels[level_id]
                allowed = Action._is_allowed_channel(is_care, channel)
                values.append(
                    (
                        bill_id,
                        partner_id,
                        station_id,
                        level_id,
                        channel,
                        days,
                        "draft" if allowed else "skipped",
                        None if allowed else care_message,
                    )
                )
            run._insert_actions(values)
        return True

    def _insert_actions(self, values):
        """Insert the run's actions ``values`` (tuples ``(bill_id, partner_id,
        station_id, level_id, channel, days_overdue, state, message)``, the
        station being the customer's, stored related as ``create`` would set
        it) in one statement. The bills are the run company's."""
        self.ensure_one()
        if not values:
            return
        columns = [list(col) for col in zip(*values, strict=True)]
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO utility_dunning_action (
                    run_id, bill_id, partner_id, station_id, company_id, level_id, channel,
                    days_overdue, date, state, message,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(run)s, v.bill_id, v.partner_id, v.station_id, %(company)s,
                       v.level_id, v.channel, v.days, %(date)s, v.state, v.message,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(bills)s::int[], %(partners)s::int[], %(stations)s::int[],
                              %(levels)s::int[], %(channels)s::varchar[], %(days)s::int[],
                              %(states)s::varchar[], %(messages)s::text[])
                       AS v(bill_id, partner_id, station_id, level_id, channel, days, state,
                            message)
                """,
                run=self.id,
                company=self.company_id.id,
                date=self.date,
                uid=self.env.uid,
                now=now,
                bills=columns[0],
                partners=columns[1],
                stations=columns[2],
                levels=columns[3],
                channels=columns[4],
                days=columns[5],
                states=columns[6],
                messages=columns[7],
            )
        )
        self.invalidate_recordset(["action_ids", "action_count", "todo_count"])
        self.env["account.move"].invalidate_model(["utility_dunning_action_ids"])

    # ------------------------------------------------------------------
    # the run's jobs (life cycle: utility.batch.job.mixin)
    # ------------------------------------------------------------------
    def _todo_domain(self):
        return [("run_id", "=", self.id), ("state", "=", "draft")]

    def _batch_job_todo(self):
        """The actions of the run still to do (ids only, nothing read)."""
        self.ensure_one()
        return self.env["utility.dunning.action"].search(self._todo_domain(), order="id")

    def _batch_job_is_done(self):
        # one query, not a read of every action of the run by every job
        return not self.env["utility.dunning.action"].search_count(self._todo_domain(), limit=1)

    def _batch_job_size(self):
        return max(self.batch_size, 1)

    def _batch_job_busy_message(self):
        return self.env._(
            "Dunning run %s is being processed by another user right now: "
            "refresh and try again in a moment.",
            ", ".join(self.mapped("name")),
        )

    def _batch_job_units_busy_message(self):
        return self.env._("These dunning actions are being carried out by another worker.")

    def _batch_job_description(self, index, total, start):
        return self.env._("Dunning %(run)s: actions %(start)s", run=self.name, start=start)

    def _batch_job_not_running_message(self):
        return self.env._("Only a running dunning run can be resumed.")

    def _batch_job_resumed_message(self, todo):
        return self.env._("Run resumed: %s actions still to do.", len(todo))

    def _batch_job_process(self, actions):
        actions.filtered(lambda a: a.state == "draft")._execute()

    def action_run(self):
        """Carry out the previewed actions in background batches."""
        self._batch_job_lock()
        for run in self:
            if run.state != "draft":
                raise UserError(self.env._("This run has already been started."))
            if not self.env["utility.dunning.action"].search_count(
                [("run_id", "=", run.id)], limit=1
            ):
                run.action_preview()
            # the stored arrears of the customers this run notifies by TV,
            # which the operator's feed publishes, are brought up to date;
            # the other customers' figures are the daily cron's (updating a
            # county's customer rows took 10 s of a 100,000-bill run)
            self.env["utility.dunning.action"].flush_model(["run_id", "partner_id", "channel"])
            self.env.cr.execute(
                "SELECT DISTINCT partner_id FROM utility_dunning_action "
                "WHERE run_id = %s AND channel = 'tv'",
                [run.id],
            )
            customers = self.env["res.partner"].browse([row[0] for row in self.env.cr.fetchall()])
            self.env["res.partner"]._utility_refresh_arrears(customers, on_date=run.date)
            run._batch_job_start(run._batch_job_todo())
        return True

    def action_resume(self):
        """Run again what a running run has not carried out yet, e.g. after
        its worker was killed: new jobs for the actions still to do, none for
        the actions done (a level is never applied twice to a bill)."""
        return self._batch_job_resume()

    def _run_batch(self, action_ids):
        """Job: carry out a batch of actions. Idempotent: actions already
        carried out are not repeated, and actions another worker is carrying
        out right now are retried later (then found done)."""
        return self._batch_job_perform(action_ids)

    def action_view_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "utility_arrears.action_utility_dunning_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        return action

    @api.model
    def _cron_daily_run(self):
        """Daily: one run per company having an arrears policy."""
        companies = self.env["utility.arrears.policy"].search([]).company_id
        runs = self.create([{"company_id": company.id} for company in companies])
        runs.action_run()
