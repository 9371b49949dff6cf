#!/usr/bin/env python3
"""Odoo server launcher of the benchmarks (``odoo-bin`` with one change).

With ``--workers`` Odoo's prefork master starts its websocket process as
``sys.executable sys.argv[0] gevent ...`` and starts it again whenever it
exits. On machines where gevent cannot start (e.g. ``zope.interface``
installed without the metadata gevent's plugin loader looks for) that
process fails at import and is respawned in a loop, eating CPU that the
benchmarks measure. The benchmarks use no websocket, so here the ``gevent``
process just waits until the master stops it.
"""

import signal
import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["gevent"]:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        while True:
            signal.pause()
    import odoo.cli

    odoo.cli.main()
