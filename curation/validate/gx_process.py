"""Great Expectations in a process of its own, started when a refresh starts.

Importing Great Expectations costs about 5 s, a seventh of a refresh that adds 1% to a 100k-unit
corpus (docs/benchmarks.md). `curate refresh` starts this process first: it imports GX on a core the
steps before validate leave idle, then runs :func:`~curation.validate.suite.run_suites` when validate
hands it the dataset's tables, and answers with the same report the function gives in the calling
process (the same code over the same GX folder). A process that has imported GX already (a notebook,
the test suite) gains nothing from it, and the refresh runs the suites in place.

The process serves one validation at a time. An exception in it is raised in the caller with its type
and its traceback as a note; a process that ends without answering (killed, out of memory) is an error
naming its exit code. :meth:`SuiteProcess.stop` (leaving the ``with`` block) stops it without waiting for it to
wind down, also while it is still importing: a refresh whose validate step found nothing changed does not wait
for an import it never needed; :meth:`SuiteProcess.close` also waits until it has ended.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import polars as pl

from curation.validate.suite import GxReport, ValidateConfig, run_suites

POLL_SECONDS = 0.5  # how often a caller waiting for the answer checks that the process is still alive


class SuiteProcess:
    """``run_suites`` (same signature) in a spawned process that imported GX when this object was made."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, os.getpid()), name="great-expectations", daemon=True)
        self._process.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    @property
    def exitcode(self) -> int | None:
        return self._process.exitcode

    @staticmethod
    def wanted() -> bool:
        """Worth starting: this process has not imported GX yet."""
        return "great_expectations" not in sys.modules

    def __call__(self, tables: dict[str, pl.DataFrame], config: ValidateConfig, ratios: dict[str, float], *, project_root: Path,
                 run_name: str = "dataset") -> GxReport:
        return self.submit(tables, config, ratios, project_root=project_root, run_name=run_name)()

    def submit(self, tables: dict[str, pl.DataFrame], config: ValidateConfig, ratios: dict[str, float], *, project_root: Path,
               run_name: str = "dataset") -> Callable[[], GxReport]:
        """Hand the process the tables and return at once; the function returned waits for the report (validate
        writes the export meanwhile)."""
        try:
            self._conn.send((tables, config, ratios, Path(project_root), run_name))
        except OSError:  # the process is gone: waiting for the answer says so
            pass
        return self._answer

    def _answer(self) -> GxReport:
        try:
            while not self._conn.poll(POLL_SECONDS) and self._process.is_alive():
                pass
            ok, value, trace = self._conn.recv()
        except (EOFError, OSError):  # the process is gone, and its end of the pipe with it
            self._process.join()
            raise RuntimeError(f"the Great Expectations process ended (exit code {self._process.exitcode}) before it answered") from None
        if ok:
            return value
        value.add_note(f"raised in the Great Expectations process:\n{trace}")
        raise value

    def stop(self) -> None:
        """Ask the process to end (SIGTERM: a normal exit) and return at once: an interpreter that has imported GX
        takes most of a second to wind down, which the refresh spends building the dashboard instead."""
        if self._process.is_alive():
            self._process.terminate()
        self._conn.close()

    def close(self) -> None:
        """Stop the process and wait until it has ended."""
        self.stop()
        self._process.join()

    def __enter__(self) -> SuiteProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _serve(conn: Connection, parent: int) -> None:
    from curation.shards import exit_with_parent

    # stopped (close()) as a normal exit, also in the middle of the import: the interpreter's own clean-up runs,
    # so the semaphores the import made (tqdm's lock) are released, not reported as leaked by the parent's tracker
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the refresh's to handle; it stops this process on its way out
    exit_with_parent(parent)
    import great_expectations  # noqa: F401  the import this process exists to take off the refresh's path

    while True:
        try:
            tables, config, ratios, project_root, run_name = conn.recv()
        except EOFError:  # the caller closed its end
            return
        try:
            answer = (True, run_suites(tables, config, ratios, project_root=project_root, run_name=run_name), "")
        except Exception as error:  # raised again in the caller
            answer = (False, error, traceback.format_exc())
            try:
                pickle.dumps(error)
            except Exception:
                answer = (False, RuntimeError(f"{type(error).__name__}: {error}"), answer[2])
        conn.send(answer)
