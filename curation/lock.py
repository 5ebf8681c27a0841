"""One writer at a time per working folder: `curate refresh`, `curate build`, `curate forget` and the
refresh flow take ``<output_dir>/.curate.lock`` (a `filelock` lock: released when the process ends,
however it ends). A second writer fails at once with an error naming the holder, instead of reading
outputs the other is rewriting (a forget purging the stages a refresh is writing, say)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = ".curate.lock"
HOLDER_FILE = ".curate.lock.holder"


class FolderBusy(RuntimeError):
    """Another refresh, build or forget holds the working folder."""


@contextmanager
def working_folder_lock(out: Path, what: str, *, wait_s: float = 0) -> Iterator[None]:
    """Hold the working folder `out` for `what` ("refresh", "forget", ...), waiting at most `wait_s` seconds."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out / LOCK_FILE, timeout=wait_s)
    try:
        lock.acquire()
    except Timeout:
        holder = out / HOLDER_FILE
        who = holder.read_text().strip() if holder.exists() else "another process"
        raise FolderBusy(f"{out} is in use by {who}: run `curate {what}` again when it has finished") from None
    try:
        (out / HOLDER_FILE).write_text(f"`curate {what}` (pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        yield
    finally:
        (out / HOLDER_FILE).unlink(missing_ok=True)
        lock.release()
