"""Fault injection for crash-safety tests: stop the process at a named point, every time.

A test sets ``CURATE_FAULT=<point>`` (a comma-separated list is allowed) in the environment of a
refresh or training subprocess; when the run reaches that point, the process kills itself with
SIGKILL, exactly as ``kill -9`` would, at the one moment the test wants to prove safe (a temporary
folder written, nothing renamed into place yet). No race with a polling test, no sleep.

The points sit where files are renamed into place:

=======================  ====================================================================
``ingest:rename``        ingest's parquet parts are written to ``*.tmp``, before the first rename
``dedup:store``          dedup's new signature part is written, its text store not yet moved beside it
``publish:rename``       a version's temporary folder is complete, before it is renamed into place
``adapter:rename``       an adapter's temporary folder is complete, before it is renamed into place
=======================  ====================================================================

Unset (the normal case) it costs one dictionary lookup. It is never set by the product itself.
"""

from __future__ import annotations

import os
import signal

ENV = "CURATE_FAULT"
POINTS = ("ingest:rename", "dedup:store", "publish:rename", "adapter:rename")


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL if ``$CURATE_FAULT`` names this point."""
    if name not in POINTS:
        raise ValueError(f"unknown fault point {name!r}; known: {', '.join(POINTS)}")
    wanted = os.environ.get(ENV)
    if wanted and name in {part.strip() for part in wanted.split(",")}:
        os.kill(os.getpid(), signal.SIGKILL)
