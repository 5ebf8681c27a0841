"""Sharded, cached per-document work: how a step cuts its input into shards, maps them, caches their
results and skips itself when nothing it reads has changed.

**Map.** A sharded step hands its shards to ``map_fn(fn, shards)`` (builtin ``map``, a process pool's
``map``, Prefect tasks on a flow's task runner, a Dask client's map + gather). ``fn`` is a pure,
picklable function (a module-level function under ``functools.partial``) and a shard is a small
description (a file, a row range, a few keys), never the data: a worker reads its own rows, so the
memory of a worker is bounded by the shard size, not by the corpus, and the process that hands out
the work holds a few small values per document (ids, keys), never the documents. Results come back in shard order and a step writes its output from them in that order, so
the output does not depend on the map or on how many shards there are. :class:`PoolMap` is the
default map of ``curate refresh``: a process pool of ``workers`` processes, started on the first call
that has two or more shards (a run with one shard of work, or none, never starts it).

**Shards.** :func:`cut` cuts an ordered list of units (a document, a thread, a ticket) into contiguous
shards. A cut falls before a unit whose *identity* hash is 0 modulo the target size, so cuts are
content-defined: a new unit moves no cut but its own, and the shards around it keep their names.

**Cache.** :class:`PackStore` keeps a step's per-unit results under
``<output_dir>/<step>/cache/<config hash>/`` in *packs*: one pack per shard, named by the hash of the
keys of its units (a unit's key is the hash of what the unit's result depends on: its documents'
content, and for clean its thread's metadata, from which the names redacted in it follow), and holding their result rows. The config hash
covers the step's config and the source of the code that computes it (:func:`code_fingerprint`), so
a config or code change invalidates by construction. A shard whose pack exists is not read at all; a
shard with some new units copies the results of the others from whichever pack holds them and
computes only the new ones. After a run, packs (and config folders) the run did not use are deleted,
so the cache stays about one copy of the step's output. Every pack is content-addressed, written
through a temporary name, and safe to delete (``rm -r <output_dir>/<step>/cache`` only costs a
recomputation; `curate forget`, which removes the stages' working folders, removes them with the text
they hold).

**Memo.** :func:`memo_key` / :func:`load_memo` / :func:`save_memo`: a step records the hash of its
inputs' bytes, its config and its code; a run that finds the same hash and the step's outputs in
place returns the recorded stats without doing anything (a refresh over unchanged inputs).
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import orjson
import polars as pl

MapFn = Callable[[Callable, Iterable], Iterable]
ProgressFn = Callable[[str, int, int], None]  # (what, shards done, shards in all)
DEFAULT_SHARD_SIZE = 2_000  # documents per shard: what one worker holds in memory at a time (and the unit of load balance)
PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("curation", "schemas", "train")
# Imported once by the pool's fork server, so a worker starts without importing them again.
PRELOAD = ("polars", "curation.clean.pipeline", "curation.examples.build", "curation.ingest.pipeline", "curation.validate.records")


# --- maps ---------------------------------------------------------------------------------------------------

class PoolMap:
    """``map_fn`` over a process pool of ``workers`` processes (fork server), started on first use.

    A call with fewer than two shards runs them here, in order: starting processes for one shard
    costs more than it saves. Close it (or use it as a context manager) to stop the workers.
    """

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._executor: ProcessPoolExecutor | None = None

    def __call__(self, fn: Callable, shards: Iterable) -> Iterable:
        shards = list(shards)
        if self.workers == 1 or len(shards) < 2:
            return map(fn, shards)
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=exit_with_parent, initargs=(os.getpid(),))
        return self._executor.map(fn, shards)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> PoolMap:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def exit_with_parent(parent: int) -> None:
    """A worker's watch (a pool's initializer): end the worker when the process that started the pool is gone (killed, say),
    so no orphan keeps working, or keeps the pipes of whoever waits for that process open."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def map_shards(map_fn: MapFn, fn: Callable, shards: Sequence, *, what: str = "", progress: ProgressFn | None = None) -> list:
    """``fn`` over the shards through ``map_fn``, results in shard order; ``progress(what, done, total)``
    after each shard that came back (and once before the first)."""
    total = len(shards)
    if progress:
        progress(what, 0, total)
    results = []
    for result in map_fn(fn, list(shards)):
        results.append(result)
        if progress:
            progress(what, len(results), total)
    return results


class Laps:
    """Wall seconds of a step's phases: ``lap(name)`` records the time since the previous lap (or the start)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._last, 2)
        self._last = now


class TqdmProgress:
    """A ProgressFn drawing one tqdm bar per step (shards done of all), on a terminal only."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bars: dict = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(what)
        if bar is None:
            bar = self.bars[what] = tqdm(total=total, desc=what, unit="shard", leave=False, disable=None, mininterval=0.5)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            del self.bars[what]


# --- cutting an ordered list of units into shards ----------------------------------------------------------

def cut(identities: Sequence[str], sizes: Sequence[int], target: int, *, breaks: Sequence[bool] | None = None) -> list[tuple[int, int]]:
    """Contiguous shards ``[(start, stop), ...]`` of the units (with their sizes in documents), each about
    ``target`` documents: a shard ends before a unit whose identity hash is 0 modulo the expected
    number of units per shard (rounded to a power of two, so that it stays put as units come and go) or ``breaks[i]`` is set (once the shard holds target / 4 documents), or
    where it would pass 4 x target. The same units give the same cuts, and a
    unit added or removed moves only the cut next to it."""
    n = len(identities)
    if n == 0:
        return []
    mean = max(1.0, sum(sizes) / n)
    modulus = 1 << max(0, round(math.log2(max(1.0, target / mean))))  # a power of two: the same after a few new units
    shards: list[tuple[int, int]] = []
    start, held = 0, 0
    for i in range(n):
        if i > start and (
            held + sizes[i] > 4 * target
            or (held >= target / 4 and ((breaks is not None and breaks[i]) or _identity_hash(identities[i]) % modulus == 0))
        ):
            shards.append((start, i))
            start, held = i, 0
        held += sizes[i]
    shards.append((start, n))
    return shards


def _identity_hash(identity: str) -> int:
    return int.from_bytes(hashlib.blake2b(identity.encode(), digest_size=8).digest(), "big")


def digest(*parts: object) -> str:
    """A 32-hex-digit sha256 of the parts (strings, or JSON-able values)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else orjson.dumps(part, default=str, option=_JSON_KEY))
        h.update(b"\x1f")
    return h.hexdigest()[:32]


_JSON_KEY = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS  # digest's JSON: keys sorted, datetimes as ISO 8601


# --- the per-unit result cache ------------------------------------------------------------------------------

class PackStore:
    """Content-addressed packs of per-unit results: ``<root>/<pack>.<table>.parquet`` (every table has a
    ``key`` column, the unit's key) and ``<root>/<pack>.stats.json`` (the pack's counts). ``root`` is
    ``<output_dir>/<step>/cache/<config hash>``."""

    def __init__(self, root: Path, tables: tuple[str, ...]):
        self.root = Path(root)
        self.tables = tables

    def path(self, pack: str, table: str) -> Path:
        return self.root / f"{pack}.{table}.parquet"

    def stats_path(self, pack: str) -> Path:
        return self.root / f"{pack}.stats.json"

    def has(self, pack: str) -> bool:
        return self.stats_path(pack).exists() and all(self.path(pack, t).exists() for t in self.tables)

    def stats(self, pack: str) -> dict:
        return json.loads(self.stats_path(pack).read_text())

    def write(self, pack: str, frames: dict[str, pl.DataFrame], stats: dict) -> None:
        """Every table through a temporary name; the stats file last (a pack without it is not there)."""
        self.root.mkdir(parents=True, exist_ok=True)
        for table in self.tables:
            tmp = self.root / f".{pack}.{table}.{os.getpid()}.tmp"
            frames[table].write_parquet(tmp, compression="zstd", compression_level=1)
            tmp.replace(self.path(pack, table))
        tmp = self.root / f".{pack}.stats.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(stats, sort_keys=True))
        tmp.replace(self.stats_path(pack))

    def packs(self) -> list[str]:
        return sorted(p.name[: -len(".stats.json")] for p in self.root.glob("*.stats.json")) if self.root.is_dir() else []

    def lookup(self, keys: Iterable[str], table: str, schema: pl.Schema) -> pl.DataFrame:
        """The rows of `table` (with `schema`) of the keys some pack holds, in one frame: all rows of a key from
        one pack, in written order. One scan over the packs; a key no pack holds has no rows."""
        wanted = sorted(set(keys))
        files = [self.path(p, table) for p in self.packs() if self.path(p, table).exists()]
        if not wanted or not files:
            return pl.DataFrame(schema=schema)
        rows = (pl.scan_parquet(files, include_file_paths="_file")
                .filter(pl.col("key").is_in(pl.Series(wanted, dtype=pl.String).implode())).collect())
        first = rows.group_by("key").agg(pl.col("_file").min())  # a unit copied into a newer pack: either copy will do
        return rows.join(first, on=["key", "_file"], how="semi", maintain_order="left").select(list(schema)).cast(dict(schema))

    def prune(self, keep: Iterable[str]) -> int:
        """Delete the packs not in keep, leftovers of killed writes, and the step's other config folders."""
        keep = set(keep)
        removed = 0
        if self.root.is_dir():
            for path in self.root.iterdir():
                pack = path.name.split(".")[0]
                if path.name.startswith(".") or pack not in keep:
                    path.unlink(missing_ok=True)
                    removed += 1
        if self.root.parent.is_dir():
            for sibling in self.root.parent.iterdir():
                if sibling.is_dir() and sibling != self.root:
                    shutil.rmtree(sibling, ignore_errors=True)
        return removed


def in_key_order(new: pl.DataFrame, found: pl.DataFrame, keys: Sequence[str], schema: pl.Schema) -> pl.DataFrame:
    """The rows of the keys, in the order of `keys` (a key listed twice gets its rows twice), each key's rows in
    the order they were made; a key's rows come from `new` (computed now) or `found` (:meth:`PackStore.lookup`)."""
    position = pl.DataFrame({"key": list(keys), "_pos": range(len(keys))}, schema={"key": pl.String, "_pos": pl.Int64})
    both = pl.concat([new.select(list(schema)).cast(dict(schema)).with_row_index("_seq"), found.select(list(schema)).with_row_index("_seq")])
    return both.join(position, on="key", how="inner").sort("_pos", "_seq").select(list(schema))


def scan_packs(store: PackStore, packs: Sequence[str], table: str) -> pl.LazyFrame | None:
    """The rows of `table` of these packs, in pack order, as one lazy frame (None when there are none)."""
    files = [str(store.path(p, table)) for p in packs]
    return pl.scan_parquet(files) if files else None


# --- what a step's result depends on -----------------------------------------------------------------------

@lru_cache(maxsize=64)
def code_fingerprint(*modules: str) -> str:
    """sha256 over the source of these project modules and of every project module they import, directly
    or not (curation, schemas, train): what computes a step's results."""
    seen: set[Path] = set()
    todo = [m for m in modules]
    while todo:
        name = todo.pop()
        path = _module_file(name)
        if path is None or path in seen:
            continue
        seen.add(path)
        todo += _imported_names(path, name if path.name == "__init__.py" else name.rpartition(".")[0])
    h = hashlib.sha256()
    for path in sorted(seen):
        h.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=None)
def _imported_names(path: Path, package: str) -> tuple[str, ...]:
    """What one module's import statements name (a module, or a name that may be one), parsed once per process:
    the steps' fingerprints share most of their modules."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError):
        return ()
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return tuple(names)


def _module_file(name: str) -> Path | None:
    if not name or name.split(".")[0] not in PROJECT_PACKAGES:
        return None
    base = PROJECT_ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes (a folder: of its files' names and bytes); "" when it does not exist."""
    path = Path(path)
    if path.is_dir():
        return digest(*[(p.relative_to(path).as_posix(), file_digest(p)) for p in sorted(path.rglob("*")) if p.is_file()])
    if not path.exists():
        return ""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


# --- memo: a step over unchanged inputs does nothing --------------------------------------------------------

MEMO_FILE = "step_memo.json"


def memo_key(step: str, inputs: Sequence[Path], *parts: object) -> str:
    """What a step's outputs are a function of: its inputs' bytes and the given parts (config, code)."""
    return digest(step, [file_digest(p) for p in inputs], *parts)


def load_memo(folder: Path, key: str, outputs: Sequence[Path]) -> dict | None:
    """The stats recorded with `key` when the step's outputs are still the files it wrote, else None."""
    path = Path(folder) / MEMO_FILE
    if not path.exists() or not all(Path(o).exists() for o in outputs):
        return None
    try:
        memo = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if memo.get("key") != key or memo.get("outputs") != _stamps(outputs):
        return None
    return memo["stats"]


def save_memo(folder: Path, key: str, stats: dict, outputs: Sequence[Path]) -> None:
    path = Path(folder) / MEMO_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "outputs": _stamps(outputs), "stats": stats}, default=str))
    tmp.replace(path)


def _stamps(outputs: Sequence[Path]) -> list[list]:
    """Size and modification time of each output (a folder: of its files): rewritten since, the memo does not hold."""
    stamps = []
    for output in outputs:
        output = Path(output)
        files = sorted(p for p in output.rglob("*") if p.is_file()) if output.is_dir() else [output]
        stamps += [[p.as_posix(), p.stat().st_size, p.stat().st_mtime_ns] for p in files if p.exists()]
    return stamps


def forget_memo(folder: Path) -> None:
    (Path(folder) / MEMO_FILE).unlink(missing_ok=True)
