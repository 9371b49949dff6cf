"""Two requests at the same moment on a real Odoo server.

A race between two API requests can only be shown on a real server (its
own process, one database connection per request) and committed data
(``committed_common``). A third connection holds a row the first request
needs, so that the second one always arrives while the first is in
flight; it is released once both requests wait on a lock.
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time

from odoo import fields

from odoo.addons.utility_payment_channels.models.utility_payment_terminal import (
    hash_terminal_key,
)

from .committed_common import CommittedScenarioCase

API = "/utility/api/v1"


class RealServerRaceCase(CommittedScenarioCase):
    """Scenarios racing two API requests on a real server."""

    def _race_terminal(self, env, name, code):
        """A terminal of the scenario's bank journal and its key, issued as
        the manager's action would, used just now (so that neither request
        writes the terminal's row)."""
        point = env["utility.collection.point"].create(
            {
                "name": name,
                "code": code,
                "kind": "terminal",
                "journal_id": self.scenario["bank_journal_id"],
            }
        )
        key = secrets.token_urlsafe(32)
        Terminal = env["utility.payment.terminal"]
        with Terminal.browse()._utility_protected_write():
            terminal = Terminal.create(
                {
                    "name": point.name,
                    "collection_point_id": point.id,
                    "key_hash": hash_terminal_key(key),
                    "last_used_at": fields.Datetime.now(),
                }
            )
        return terminal, key

    @staticmethod
    def _post(port, key, path, body):
        """``(status, answer)`` of a POST of ``body`` to the API's ``path``."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request(
                "POST",
                API + path,
                body=body if isinstance(body, str) else json.dumps(body),
                headers={
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "application/json",
                    "Connection": "close",
                },
            )
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def _race(self, setup, port, key, hold, first, second):
        """Send ``first`` then ``second`` (each ``(path, body)``) while a
        third connection holds the row ``hold`` (``(table, id)``): the
        second is sent once the first waits on that row, the row is
        released once both wait. Returns their answers, ``(status,
        answer)`` each."""
        holder = self._connection()
        table, row_id = hold
        holder.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [row_id])
        answers = {}

        def send(index, path, body):
            answers[index] = self._post(port, key, path, body)

        threads = []
        for index, (path, body) in enumerate((first, second)):
            thread = threading.Thread(target=send, args=(index, path, body))
            thread.start()
            threads.append(thread)
            self._wait_for_waiting_requests(setup, index + 1)
        holder.rollback()  # released
        for thread in threads:
            thread.join(120)
        return answers[0], answers[1]

    def _start_server(self):
        """An Odoo server on the test database, in a process of its own,
        serving requests in threads (each with its own connection)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        args = [
            sys.executable,
            "-m",
            "odoo",
            "server",
            "-d",
            self.dbname,
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--workers=0",
            "--max-cron-threads=0",
            # no job runner: the other scenarios' jobs are theirs to run
            "--load=base,web",
            "--log-level=warn",
            *self._odoo_options(),
        ]
        log = tempfile.NamedTemporaryFile(
            mode="w+", prefix="utility_api_server_", suffix=".log", delete=False
        )
        self.addCleanup(os.unlink, log.name)
        self.addCleanup(log.close)
        self.server_log = log
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.addCleanup(self._stop, process)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the server ended:\n{self._log(log)}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/web/health")
                if conn.getresponse().status == 200:
                    return port
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer in 120 s:\n{self._log(log)}")

    def _wait_for_waiting_requests(self, cr, count, timeout=60):
        """Wait until ``count`` connections of the test database wait on a
        lock (the requests being served)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            cr.rollback()  # activity is read once per transaction
            cr.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
            )
            if cr.fetchone()[0] >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"{count} request(s) not waiting after {timeout} s")
