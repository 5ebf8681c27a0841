"""Dedup: examples.parquet -> survivors + clusters + ledger + signatures (stage "dedup").

1. Exact: rows with the same example id (a hash of the normalised content) form an exact cluster; one
   row survives (the survivor policy decides; ties by row order), the rest are ``exact_duplicate``.
2. Signatures: MinHash of every distinct example not already in ``previous_signatures``, computed by
   the pure :func:`~curation.dedup.minhash.signature_shard` over shards through ``map_fn``.
3. LSH: bucket by (band, kind, band key); candidate pairs; with ``verify_jaccard`` their exact
   Jaccard, else the MinHash estimate; pairs at or above the threshold are edges.
4. Clusters around centres (see :mod:`curation.dedup.cluster`), one survivor each by the policy; the
   other members are ``near_duplicate`` naming the survivor and their similarity to it.

Incremental runs: ``previous_signatures`` is the signatures.parquet of the last published version.
Its kept examples are *earlier*: not hashed again, never dropped, and a new example that matches one
is dropped naming it (earlier wins). An earlier example that is no longer in the input takes no part
by default (``earlier_absent="ignore"``: the version could not hold it, so it must not suppress a new
near-copy); with ``earlier_absent="match"`` it still wins, for inputs that hold only a new batch. Its
rows also remember the examples earlier runs dropped (``survivor_id`` set): such an example is
dropped again for the same survivor without being hashed (when the LSH settings are unchanged), and
when it was directly similar to its survivor it is an *anchor*: a new example that matches it is
dropped for its survivor too (``matched=`` names the anchor). Only the new examples are hashed; they
are matched against each other and against every earlier example and anchor.

LSH bands and rows (``DedupConfig.false_negative_weight`` / ``false_positive_weight``): (bands, rows)
minimise ``fp_weight * P(candidate | J < threshold) + fn_weight * P(missed | J >= threshold)``
(datasketch's ``_optimal_param``). Every candidate pair is checked with its exact Jaccard, so a false
positive candidate costs one set comparison while a false negative is a duplicate lost for good: the
default weights are 0.1 / 0.9, giving 20 bands x 6 rows at threshold 0.7 and 128 permutations
(the balanced 0.5 / 0.5 gives 14 x 9). ``benchmarks/dedup.py --docs 100000`` (scattered edits,
2 cores), fn weight -> (bands, rows): candidate pairs, full-run seconds, recall / F1 of the planted
pairs, recall of the pairs whose true Jaccard is >= 0.7:

- 0.5 -> (14, 9): 10,772 candidates, 6.4 s, recall 0.784 / F1 0.879, recall at threshold 0.909
- 0.7 -> (16, 8): 12,245, 6.7 s, 0.854 / 0.921, 0.959
- 0.8 -> (18, 7): 13,436, 7.0 s, 0.891 / 0.942, 0.982
- 0.9 -> (20, 6): 14,526, 7.2 s, 0.914 / 0.955, 0.995  (default)
- 0.98 -> (23, 5): 15,521, 7.2 s, 0.921 / 0.959, 0.9995

0.9 finds 99.5 % of the pairs at the threshold for +35 % candidates and +12 % time; beyond it the
gain is under 0.5 points while P(candidate) of pairs at Jaccard 0.3-0.5 (templated mails, real
corpora have many) doubles (0.27 -> 0.52 at J = 0.5), which is where verification cost explodes.
The planted-pair recall is capped below 1 because some 4-5 %-edited copies have a true Jaccard
below the threshold and are, correctly, kept.

Incremental cost: ``signatures.parquet`` is a folder of parts; an incremental run links the
previous parts and appends one part for its hashed examples, and reads of the previous parts only
the ids, outcomes and stored band keys (not 128 uint32 per example). Each part has a text store
beside it (``texts-NNNNN.arrow``: the comparison texts, uncompressed Arrow IPC), memory-mapped so
that the exact Jaccard against an earlier candidate touches that candidate's bytes only; the input
is laid out for scans (large compressed row groups), so the earlier candidates of scattered new rows
would otherwise cost a read of nearly the whole input. Earlier signatures are read only for pairs
that need a MinHash estimate (``verify_jaccard`` off, or a part without a text store). The new rows'
texts are read from their row groups only. The step writes a selection of the input
(``survivors.parquet``), not a copy of its texts; what stays proportional to the whole input is the
ledger (a row per input unit), the clusters and the per-row bookkeeping. Numbers:
``docs/benchmarks.md`` (dedup).

Outputs in ``out_dir``:

- ``survivors.parquet``: the input rows that survive (``row``, ``id``; SURVIVORS_SCHEMA, input order),
  a selection of ``examples_path`` rather than a copy of its texts; :func:`read_survivors` /
  :func:`scan_survivors` give the surviving rows themselves (the split step reads them so);
- ``clusters.parquet``: every row of a group of two or more rows that share a survivor
  (CLUSTER_SCHEMA; ``duplicate`` is survivor / near / exact; an earlier survivor that is not in the
  input has a row with ``row`` null);
- ``ledger.parquet``: LEDGER_SCHEMA, one row per (source document, input row): ``kept`` with the
  example id, or ``dropped`` with ``exact_duplicate`` / ``near_duplicate`` and a detail
  ``survivor=<id> similarity=<x>`` (plus ``matched=<id> matched_similarity=<x>`` when the row was
  matched through a cluster centre that is itself dropped);
- ``signatures.parquet``: a folder of parts ``part-NNNNN.parquet``: the previous version's parts
  (hard links where the file system allows, else copies) and one new part with this run's hashed
  examples (SIGNATURE_SCHEMA plus ``band_tag`` and ``band_keys``, their LSH bucket keys; ``survivor_id``
  null for kept ones), each with its text store ``texts-NNNNN.arrow`` (column ``text``, row for row).
  :func:`read_signatures` reads a folder (or an older single file) as one table; a later part's row
  wins for an id decided again;
- ``dedup_summary.json``: :class:`DedupSummary`.

Survivor policies: ``longest`` = max ``n_chars``; ``most_recent`` = max ``created_at`` (none = oldest);
``quality`` = letter share of the non-space characters + distinct-word share of the words +
min(words, 256) / 256 (each in [0, 1]: clean prose, little repetition, enough content). Ties go to the
smallest example id. Earlier examples always win over new ones.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

from curation.dedup.cluster import ShingleSets, center_clusters, exact_jaccard
from curation.dedup.config import DedupConfig
from curation.dedup.lsh import band_keys, candidate_pairs, estimated_similarity
from curation.dedup.minhash import MAX_HASH32, example_text, shingle_set_shard, signature_shard, token_hash, with_context_turns
from curation.faults import fault_point
from curation.files import link_or_copy
from schemas.frames import CLUSTER_SCHEMA, LEDGER_SCHEMA, SURVIVORS_SCHEMA

STAGE = "dedup"
DROP_REASONS = {
    "exact_duplicate": "another row holds the same example (same content hash); one row is kept",
    "near_duplicate": "MinHash LSH found a kept example at or above the similarity threshold",
}
def signature_schema(num_perm: int) -> pl.Schema:
    return pl.Schema({
        "id": pl.String,
        "kind": pl.String,
        "signature": pl.Array(pl.UInt32, num_perm),
        "survivor_id": pl.String,  # null: kept; else the example it was dropped for
        "similarity": pl.Float64,  # to that survivor
        "scheme": pl.String,  # DedupConfig.scheme: signatures are comparable only within one scheme
        "lsh": pl.String,  # threshold and bands: remembered decisions hold only within one
    })


_WRITE = {"compression": "zstd", "compression_level": 1}
SIGNATURE_PART = "part-{:05d}.parquet"
MapFn = Callable[[Callable, Iterable], Iterable]


@dataclass
class DedupSummary:
    inputs: int = 0
    distinct_examples: int = 0
    earlier_examples: int = 0
    remembered: int = 0
    hashed: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    clusters: int = 0
    largest_cluster: int = 0
    candidate_pairs: int = 0
    similar_pairs: int = 0
    cluster_rounds: int = 0
    bands: int = 0
    rows: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _lsh_tag(config: DedupConfig) -> str:
    bands, rows = config.bands_rows
    return f"t{config.threshold}:b{bands}:r{rows}:verify{int(config.verify_jaccard)}"


def sharded(map_fn: MapFn, fn: Callable, texts: pl.Series, num_shards: int) -> list:
    """fn over up to num_shards contiguous slices of texts, through map_fn, results in order."""
    bounds = np.linspace(0, texts.len(), min(num_shards, max(texts.len(), 1)) + 1).astype(int)
    shards = [texts.slice(int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    return list(map_fn(fn, shards))


def _texts(path: Path, rows: np.ndarray) -> pl.Series:
    """The comparison text of the given input rows (sorted row numbers), in that order.

    Only the row groups holding those rows are read: an incremental run's new rows (usually appended
    at the end) cost their own row groups, not the whole input.
    """
    import pyarrow.parquet as pq

    if not len(rows):
        return pl.Series("text", [], pl.String)
    rows = np.asarray(rows, np.int64)
    file = pq.ParquetFile(path)
    if 2 * _row_groups_of(file, rows).size > file.metadata.num_row_groups:  # most of the file: polars' scan is faster
        wanted = pl.Series(rows, dtype=pl.UInt32).implode()
        return (
            pl.scan_parquet(path).with_row_index("row").filter(pl.col("row").is_in(wanted))
            .select(example_text()).collect(engine="streaming").to_series()
        )
    frame = pl.DataFrame([_read_rows(file, rows, column) for column in ("messages", "context_turns") if column in file.schema_arrow.names])
    return with_context_turns(frame).select(example_text()).to_series()


def _quality(texts: pl.Series) -> np.ndarray:
    text = pl.col("text")
    words = text.str.to_lowercase().str.extract_all(r"\w+")
    non_space = text.str.len_chars() - text.str.count_matches(r"\s")
    n_words = words.list.len()
    score = (
        text.str.count_matches(r"\p{L}") / pl.max_horizontal(non_space, 1)
        + words.list.n_unique() / pl.max_horizontal(n_words, 1)
        + pl.min_horizontal(n_words, 256) / 256
    )
    return pl.DataFrame({"text": texts}).select(score.fill_null(0.0)).to_series().to_numpy().astype(np.float64)


def _metric(meta: pl.DataFrame, policy: str) -> np.ndarray:
    """Higher is better, from the row metadata: n_chars (longest) or created_at (most_recent)."""
    if policy == "most_recent":
        return meta.select(pl.col("created_at").dt.epoch("us").cast(pl.Float64).fill_null(-np.inf)).to_series().to_numpy()
    return meta.select(pl.col("n_chars").cast(pl.Float64).fill_null(0.0)).to_series().to_numpy()


def _exact_representatives(meta: pl.DataFrame, policy: str) -> pl.DataFrame:
    """One row per distinct id, sorted by row: the policy's best row of each id (ties: the first)."""
    dup = meta.filter(pl.col("id").is_duplicated())
    if dup.is_empty():
        return meta
    best = (
        dup.with_columns(_m=pl.Series(_metric(dup, policy)))  # copies share their content: quality ~ length
        .sort(["id", "_m", "row"], descending=[False, True, False])
        .group_by("id", maintain_order=True).first()
        .select("row")
    )
    keep = pl.concat([meta.filter(~pl.col("id").is_duplicated()).select("row"), best]).to_series()
    return meta.filter(pl.col("row").is_in(keep.implode()))


def signature_parts(path: Path) -> list[Path]:
    """The parquet files of a signatures output: the parts of a folder in order, or the one (older, single) file."""
    path = Path(path)
    return sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]


def read_signatures(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    """All rows of a signatures file or folder; an id decided again in a later part keeps its last row."""
    frames = [pl.read_parquet(part, columns=columns) for part in signature_parts(path)]
    table = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    if table.height and table.get_column("id").is_duplicated().any():
        last = table.with_row_index("_at").group_by("id").agg(pl.col("_at").max()).get_column("_at")
        table = table.with_row_index("_at").filter(pl.col("_at").is_in(last.implode())).drop("_at")
    return table


def _band_tag(config: DedupConfig) -> str:
    bands, rows = config.bands_rows
    return f"b{bands}:r{rows}"


def _band_key_column(signatures: np.ndarray, kinds: pl.Series, config: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """(rows with a usable signature, their (n, bands) LSH keys): an example without shingles matches nothing."""
    bands, rows = config.bands_rows
    usable = np.flatnonzero(~(signatures == MAX_HASH32).all(axis=1)) if signatures.size else np.empty(0, np.int64)
    return usable, band_keys(signatures[usable], bands, rows, _kind_salt(kinds.gather(usable)))


def _keys_series(n: int, usable: np.ndarray, keys: np.ndarray, bands: int) -> pl.Series:
    full = np.zeros((n, bands), np.uint64)
    full[usable] = keys
    valid = np.zeros(n, bool)
    valid[usable] = True
    series = pl.Series("band_keys", full, dtype=pl.Array(pl.UInt64, bands))
    if valid.all():
        return series
    return pl.select(pl.when(pl.lit(pl.Series(valid))).then(pl.lit(series))).to_series().alias("band_keys")


_INDEX_COLUMNS = ("id", "survivor_id", "similarity", "scheme", "lsh")


def _previous(path: Path | None, config: DedupConfig) -> tuple[pl.DataFrame, list[Path]]:
    """Index of the earlier signatures without the signatures themselves: id, survivor_id, similarity, lsh,
    band_keys (null: no usable signature), part and pos (where the row's signature is), one row per id.

    Parts written by this version store their LSH band keys; the keys of an older file, or of a part
    written with other bands / rows, are computed again from its signatures.
    """
    bands = config.bands_rows[0]
    schema = {"id": pl.String, "survivor_id": pl.String, "similarity": pl.Float64, "scheme": pl.String, "lsh": pl.String,
              "band_keys": pl.Array(pl.UInt64, bands), "part": pl.UInt32, "pos": pl.UInt32}
    if path is None:
        return pl.Schema(schema).to_frame(), []
    parts = signature_parts(path)
    frames = []
    for k, part in enumerate(parts):
        names = pl.read_parquet_schema(part)
        wanted = [c for c in (*_INDEX_COLUMNS, "band_tag", "band_keys") if c in names]
        frame = pl.read_parquet(part, columns=wanted)
        schemes = frame.get_column("scheme").drop_nulls().unique().to_list() if "scheme" in names else []
        if schemes and schemes != [config.scheme]:
            raise ValueError(f"{path} holds signatures of scheme {schemes}; this config computes {config.scheme!r}: run a full dedup")
        fresh_keys = "band_keys" in names and frame.get_column("band_tag").eq(_band_tag(config)).all()
        if not fresh_keys:
            stored = pl.read_parquet(part, columns=["kind", "signature"])
            signatures = stored.get_column("signature").to_numpy().reshape(-1, config.num_perm) if stored.height else np.empty((0, config.num_perm), np.uint32)
            usable, keys = _band_key_column(signatures, stored.get_column("kind"), config)
            frame = frame.with_columns(_keys_series(stored.height, usable, keys, bands))
        missing = {name: pl.lit(None, dtype) for name, dtype in schema.items() if name not in frame.columns and name not in ("part", "pos")}
        frames.append(frame.with_columns(**missing).with_row_index("pos").with_columns(part=pl.lit(k, pl.UInt32)).select(list(schema)).cast(schema))
    index = pl.concat(frames) if frames else pl.Schema(schema).to_frame()
    if len(parts) > 1 and index.get_column("id").is_duplicated().any():  # decided again by a later run: its last row holds
        last = index.with_row_index("_at").group_by("id").agg(pl.col("_at").max()).get_column("_at")
        index = index.with_row_index("_at").filter(pl.col("_at").is_in(last.implode())).drop("_at")
    return index, parts


def _stored_keys(frame: pl.DataFrame, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows of `frame` with band keys, their (n, bands) keys)."""
    valid = frame.get_column("band_keys").is_not_null().to_numpy()
    usable = np.flatnonzero(valid)
    keys = frame.get_column("band_keys").filter(pl.Series(valid)).to_numpy() if usable.size else np.empty((0, bands), np.uint64)
    return usable, np.ascontiguousarray(keys.reshape(-1, bands)).astype(np.uint64, copy=False)


def _gather_by_part(part: np.ndarray, pos: np.ndarray, read: Callable[[int, np.ndarray], pl.Series], name: str,
                    dtype: pl.DataType | None = None) -> pl.Series:
    """Values at the given (part, row) positions, in that order: ``read(k, rows)`` gives part k's values at
    its sorted row numbers."""
    order = np.lexsort((pos, part))
    out = [read(int(k), pos[order][part[order] == k].astype(np.int64)) for k in np.unique(part)]
    values = pl.concat(out) if out else pl.Series(name, [], dtype)
    inverse = np.empty(len(order), np.int64)
    inverse[order] = np.arange(len(order))
    return values.gather(inverse)


def _rows_of_parts(parts: list[Path], part: np.ndarray, pos: np.ndarray, column: str) -> pl.Series:
    """Column values of the given (part, row) positions, in that order, reading only the row groups that hold them."""
    import pyarrow.parquet as pq

    return _gather_by_part(part, pos, lambda k, rows: _read_rows(pq.ParquetFile(parts[k]), rows, column), column)


def _row_group_bounds(file) -> np.ndarray:
    meta = file.metadata
    bounds = np.zeros(meta.num_row_groups + 1, np.int64)
    np.cumsum([meta.row_group(g).num_rows for g in range(meta.num_row_groups)], out=bounds[1:])
    return bounds


def _row_groups_of(file, rows: np.ndarray) -> np.ndarray:
    """The row groups of a pyarrow ParquetFile that hold the given row numbers."""
    return np.unique(np.searchsorted(_row_group_bounds(file), rows, side="right") - 1)


def _read_rows(file, rows: np.ndarray, column: str) -> pl.Series:
    """One column of the given sorted row numbers of a pyarrow ParquetFile, reading only the row groups that hold them."""
    bounds = _row_group_bounds(file)
    groups = np.searchsorted(bounds, rows, side="right") - 1
    parts = []
    for g in np.unique(groups):
        table = file.read_row_group(int(g), columns=[column])
        parts.append(pl.from_arrow(table.take(rows[groups == g] - bounds[g])).to_series())
    return pl.concat(parts) if parts else pl.Series(column, [])


def _bucket() -> pl.Expr:
    """What near-duplicates must share: kind and language (a translation is not a copy)."""
    return pl.concat_str([pl.col("kind"), pl.col("language").fill_null("")], separator="|")


def _kind_salt(kinds: pl.Series) -> np.ndarray:
    """A stable 64-bit salt per kind, folded into the LSH bucket keys (kinds never share a bucket)."""
    salt = {kind: token_hash(kind or "") for kind in kinds.unique().to_list()}
    return kinds.replace_strict(salt, return_dtype=pl.UInt64).to_numpy() if kinds.len() else np.empty(0, np.uint64)


def _source_refs(path: Path | None) -> pl.DataFrame | None:
    if path is None or not Path(path).exists():
        return None
    return (
        pl.scan_parquet(path).select("unit_id", "source_kind", "path", "locator")
        .unique("unit_id", keep="first", maintain_order=True).collect()
    )


def dedup(
    examples_path: Path,
    out_dir: Path,
    config: DedupConfig | None = None,
    *,
    previous_signatures: Path | None = None,
    map_fn: MapFn = map,
    source_ledger: Path | None = None,
) -> DedupSummary:
    """Deduplicate examples.parquet into out_dir (see the module docstring).

    ``map_fn(fn, shards)`` runs the pure shard functions (builtin ``map``, a thread or process pool's
    ``map``, a Dask client's map + gather); the result does not depend on it or on ``num_shards``.
    ``source_ledger``: a ledger whose rows give each source document's source kind, path and
    locator (default: ``ledger.parquet`` next to ``examples_path``, as the examples step writes it).
    """
    config = config or DedupConfig()
    examples_path, out_dir = Path(examples_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bands, rows_per_band = config.bands_rows
    summary = DedupSummary(bands=bands, rows=rows_per_band)
    clock = start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        summary.timings[name] = round(now - clock, 3)
        clock = now

    meta = (
        pl.scan_parquet(examples_path).with_row_index("row")
        .select("row", "id", _bucket().alias("kind"), pl.col("created_at").cast(pl.Datetime("us", "UTC")), "n_chars").collect()
    )
    summary.inputs = meta.height
    lap("read_examples")
    reps = _exact_representatives(meta, config.survivor)
    summary.distinct_examples = reps.height
    lap("exact")

    # earlier (kept before), remembered (dropped before, same LSH settings) or new
    previous, parts = _previous(previous_signatures, config)
    lap("read_previous")
    lsh_tag = _lsh_tag(config)
    earlier = previous.filter(pl.col("survivor_id").is_null())
    if config.earlier_absent == "ignore":  # only what this version can hold takes part; see DedupConfig.earlier_absent
        earlier = earlier.filter(pl.col("id").is_in(reps.get_column("id").implode()))
    # a remembered drop holds while its survivor is an earlier example taking part (else it is decided again)
    remembered = previous.filter(
        pl.col("survivor_id").is_in(earlier.get_column("id").implode()) & (pl.col("lsh") == lsh_tag))
    reps = reps.with_columns(
        status=pl.when(pl.col("id").is_in(earlier.get_column("id").implode())).then(pl.lit("earlier"))
        .when(pl.col("id").is_in(remembered.get_column("id").implode())).then(pl.lit("remembered"))
        .otherwise(pl.lit("new"))
    )
    new = reps.filter(pl.col("status") == "new")
    remembered = remembered.filter(pl.col("id").is_in(reps.filter(pl.col("status") == "remembered").get_column("id").implode()))
    summary.earlier_examples = earlier.height
    summary.remembered = remembered.height
    summary.hashed = new.height

    # 2. signatures of the new examples, sharded
    new_text = _texts(examples_path, new.get_column("row").to_numpy())
    lap("read_texts")
    # this run's part of the text store, written while the signatures are computed (I/O beside CPU work)
    # and moved next to its signature part at the end
    fresh_texts = out_dir / "texts.arrow.tmp"
    text_writer = ThreadPoolExecutor(1, thread_name_prefix="dedup-texts")
    texts_written = text_writer.submit(_write_texts, fresh_texts, new_text)
    shards = sharded(map_fn, partial(signature_shard, config=config), new_text, config.num_shards)
    new_sig = np.concatenate(shards) if shards else np.empty((0, config.num_perm), np.uint32)
    del shards
    lap("signatures")

    # 3. LSH. Nodes: the earlier examples, the anchors (remembered examples directly similar to their
    # survivor that share a bucket key with a new example), then the new ones. Earlier examples and
    # anchors are frozen (their outcome stands) and take part only where they share a bucket key with a
    # new example; a new example clustered around an anchor is dropped for the anchor's survivor.
    # The earlier rows' band keys come stored with them: their signatures are read only where a
    # similarity has to be estimated (no text to compare, or verify_jaccard off).
    def touching(keys: np.ndarray, others: np.ndarray) -> np.ndarray:
        if not keys.size or not others.size:
            return np.zeros(keys.shape[0], bool)
        return pl.Series(keys.reshape(-1)).is_in(pl.Series(others.reshape(-1)).implode()).to_numpy().reshape(keys.shape).any(axis=1)

    new_usable, new_keys = _band_key_column(new_sig, new.get_column("kind"), config)
    fresh_band_keys = _keys_series(new.height, new_usable, new_keys, bands)  # stored with this run's signatures
    anchors = remembered.filter(pl.col("similarity") >= config.threshold)  # directly similar to their survivor
    anchor_usable, anchor_keys = _stored_keys(anchors, bands)
    touched = touching(anchor_keys, new_keys)
    anchors = anchors[anchor_usable[touched]]
    # the earlier examples that matter: those sharing a bucket key with a new example, and the anchors' survivors
    old_usable, old_keys = _stored_keys(earlier, bands)
    wanted = old_usable[touching(old_keys, new_keys)]
    del old_keys
    anchor_survivors = earlier.select("id").with_row_index("at").join(anchors.select(pl.col("survivor_id").alias("id")), on="id")
    wanted = np.union1d(wanted, anchor_survivors.get_column("at").to_numpy().astype(np.int64))
    earlier_nodes = earlier[wanted]
    old_usable, old_keys = _stored_keys(earlier_nodes, bands)
    anchor_keys = _stored_keys(anchors, bands)[1]
    n_earlier, n_anchor = earlier_nodes.height, anchors.height
    first_new = n_earlier + n_anchor
    frozen_where = pl.concat([earlier_nodes.select("part", "pos"), anchors.select("part", "pos")])
    signatures = np.concatenate([np.full((first_new, config.num_perm), MAX_HASH32, np.uint32), new_sig])
    loaded = np.arange(len(signatures)) >= first_new  # the frozen nodes' signatures are read when needed
    del new_sig
    usable = np.concatenate([old_usable, n_earlier + np.arange(n_anchor), first_new + new_usable])
    ci, cj = candidate_pairs(np.concatenate([old_keys, anchor_keys, new_keys]), max_all_pairs=config.max_bucket_all_pairs,
                             n_frozen=len(old_usable) + n_anchor)
    ci, cj = usable[ci], usable[cj]
    del old_keys, anchor_keys, new_keys
    summary.candidate_pairs = len(ci)
    ids = pl.concat([earlier_nodes.get_column("id"), anchors.get_column("id"), new.get_column("id")])
    del earlier_nodes, earlier
    n_nodes = len(ids)
    frozen = np.arange(n_nodes) < first_new
    is_anchor = frozen & (np.arange(n_nodes) >= n_earlier)

    def load_signatures(at: np.ndarray) -> None:
        at = np.unique(at[~loaded[at]])
        if at.size:
            where = frozen_where[at]
            values = _rows_of_parts(parts, where.get_column("part").to_numpy(), where.get_column("pos").to_numpy(), "signature")
            signatures[at] = values.to_numpy().reshape(-1, config.num_perm)
            loaded[at] = True

    # texts of the candidate nodes (new ones from memory, the others read back if still in the input)
    nodes = np.unique(np.concatenate([ci, cj]))
    node_rows = np.full(n_nodes, -1, np.int64)
    node_rows[first_new:] = new.get_column("row").to_numpy()
    if first_new:
        old_rows = ids.slice(0, first_new).to_frame("id").with_row_index("node").join(reps.select("id", "row"), on="id")
        node_rows[old_rows.get_column("node").to_numpy()] = old_rows.get_column("row").to_numpy()
    need_text = config.verify_jaccard or config.survivor == "quality"
    # every frozen node still in the input gets its text: an anchor's survivor (not a candidate itself)
    # is then compared exactly too, and no earlier signature has to be read for it
    # frozen nodes' texts come from the text store (memory-mapped: only the rows asked for are touched),
    # else, for parts written before the store existed, from the input's row groups
    text_nodes = np.union1d(nodes, np.arange(first_new)) if config.verify_jaccard else nodes
    text_nodes = text_nodes if need_text else nodes[:0]
    new_part = text_nodes[text_nodes >= first_new]
    frozen_part = frozen_where.get_column("part").to_numpy().astype(np.int64)
    stored_texts = np.array([_texts_part(part).exists() for part in parts], bool)
    old_part = text_nodes[text_nodes < first_new]
    from_store = old_part[stored_texts[frozen_part[old_part]]] if len(parts) else old_part[:0]
    from_input = np.setdiff1d(old_part, from_store)
    from_input = from_input[node_rows[from_input] >= 0]
    from_input = from_input[np.argsort(node_rows[from_input], kind="stable")]
    lap("lsh")
    where = frozen_where[from_store]
    cand_text = pl.concat([
        _stored_texts(parts, where.get_column("part").to_numpy(), where.get_column("pos").to_numpy()),
        _texts(examples_path, node_rows[from_input]),
        new_text.gather(new_part - first_new),
    ])
    lap("read_candidate_texts")
    with_text = np.concatenate([from_store, from_input, new_part])
    del new_text
    text_index = np.full(n_nodes, -1, np.int64)
    text_index[with_text] = np.arange(len(with_text))

    sets = ShingleSets(np.empty(0, np.uint32), np.empty(0, np.int64))
    if config.verify_jaccard and len(with_text):
        shards = sharded(map_fn, partial(shingle_set_shard, config=config), cand_text, config.num_shards)
        sets = ShingleSets(np.concatenate([p[0] for p in shards]), np.concatenate([p[1] for p in shards]))
        del shards

    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        values = np.zeros(len(a))
        exact = (text_index[a] >= 0) & (text_index[b] >= 0) if config.verify_jaccard else np.zeros(len(a), bool)
        if exact.any():
            values[exact] = exact_jaccard(sets, text_index[a[exact]], text_index[b[exact]])
        if not exact.all():
            load_signatures(np.concatenate([a[~exact], b[~exact]]))
            values[~exact] = estimated_similarity(signatures, a[~exact], b[~exact])
        return values

    edge = similarity(ci, cj) >= config.threshold
    summary.similar_pairs = int(edge.sum())
    lap("verify")

    # 4. clusters; survivor priority: earlier examples first, then the policy, then the smallest id
    priority = np.full(n_nodes, n_nodes, np.int64)
    if nodes.size:
        metric = np.zeros(n_nodes)
        if config.survivor == "quality":
            metric[with_text] = _quality(cand_text)
        else:
            node_meta = pl.DataFrame({"row": node_rows[nodes]}).join(
                meta.with_columns(pl.col("row").cast(pl.Int64)), on="row", how="left", maintain_order="left")
            metric[nodes] = _metric(node_meta, config.survivor)
        id_rank = ids.gather(nodes).rank("ordinal").to_numpy()
        order = np.lexsort((id_rank, -metric[nodes], ~frozen[nodes]))
        priority[nodes[order]] = np.arange(len(nodes))
    clusters = center_clusters(n_nodes, (ci[edge], cj[edge]), priority, frozen, similarity, config.threshold, center_only=is_anchor)
    summary.cluster_rounds = clusters.rounds
    index = np.arange(n_nodes)
    in_cluster = clusters.survivor >= 0
    survivor = np.where(in_cluster, clusters.survivor, index)
    center = np.where(in_cluster, clusters.center, index)
    center_sim = np.where(in_cluster, clusters.center_similarity, 1.0)
    # a cluster around a remembered example (an anchor) survives as that example's survivor
    anchor_of = np.flatnonzero(is_anchor[survivor] & (survivor != index))
    if anchor_of.size:
        node_of = pl.DataFrame({"id": ids, "node": index})
        target = (anchors.select("id", "survivor_id").join(node_of, on="id").join(node_of.rename({"id": "survivor_id", "node": "target"}), on="survivor_id", how="left"))
        remap = np.full(n_nodes, -1, np.int64)
        remap[target.get_column("node").to_numpy()] = target.get_column("target").fill_null(-1).to_numpy()
        new_target = remap[survivor[anchor_of]]
        ok = new_target >= 0  # the anchor's survivor is an earlier example (it always is)
        survivor[anchor_of[ok]] = new_target[ok]
    to_survivor = np.ones(n_nodes)
    dropped = np.flatnonzero(survivor != index)
    via_center = center[dropped] == survivor[dropped]
    to_survivor[dropped[via_center]] = center_sim[dropped[via_center]]
    to_survivor[dropped[~via_center]] = similarity(dropped[~via_center], survivor[dropped[~via_center]])
    matched = (survivor != index) & (center != index) & (center != survivor)  # through a centre that is not kept
    del sets, cand_text
    lap("cluster")
    texts_written.result()
    text_writer.shutdown()
    lap("wait_texts")

    node_table = pl.DataFrame({
        "id": ids,
        "survivor_id": ids.gather(survivor),
        "similarity": to_survivor,
        "matched": ids.gather(np.where(matched, center, index)),
        "is_matched": matched,
        "matched_similarity": np.where(matched, center_sim, np.nan),
    }).with_columns(matched=pl.when("is_matched").then("matched")).drop("is_matched")
    decided = node_table.slice(first_new)  # the new examples
    # signatures.parquet, a folder: the previous parts (hard links, else copies) + a part with this
    # run's hashed examples and their band keys; a later part's row wins for an id decided again
    schema = signature_schema(config.num_perm)
    dropped_now = pl.col("survivor_id") != pl.col("id")
    fresh_sig = signatures[first_new:]
    fresh = pl.DataFrame({
        "id": decided.get_column("id"),
        "kind": new.get_column("kind"),
        "signature": pl.Series(fresh_sig, dtype=schema["signature"]),
        "survivor_id": decided.select(pl.when(dropped_now).then("survivor_id")).to_series(),
        "similarity": decided.select(pl.when(dropped_now).then("similarity")).to_series(),
    }).with_columns(scheme=pl.lit(config.scheme, pl.String), lsh=pl.lit(lsh_tag, pl.String)).select(list(schema)).cast(dict(schema))
    fresh = fresh.with_columns(band_tag=pl.lit(_band_tag(config)), band_keys=fresh_band_keys)
    del signatures, fresh_sig, fresh_band_keys
    _write_signatures(out_dir / "signatures.parquet", parts, fresh, fresh_texts)
    lap("write_signatures")
    del previous, fresh

    decisions = pl.concat([
        decided,
        remembered.select("id", "survivor_id", "similarity", pl.lit(None, pl.String).alias("matched"), pl.lit(None, pl.Float64).alias("matched_similarity")),
    ])
    _write_outputs(examples_path, out_dir, meta, reps, decisions,
                   source_ledger if source_ledger is not None else examples_path.parent / "ledger.parquet", summary)
    lap("write_outputs")
    summary.timings["total"] = round(time.perf_counter() - start, 3)
    (out_dir / "dedup_summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    return summary


def _texts_part(part: Path) -> Path:
    """The text store file of a signatures part: part-00003.parquet -> texts-00003.arrow."""
    return part.with_name("texts-" + part.name.removeprefix("part-").removesuffix(".parquet") + ".arrow")


def _write_texts(path: Path, texts: pl.Series) -> None:
    """An uncompressed Arrow IPC file with one `text` column, rows in signature-part order."""
    import pyarrow as pa

    table = pa.table({"text": texts.to_arrow().cast(pa.large_string())})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=1 << 20)


def _stored_texts(parts: list[Path], part: np.ndarray, pos: np.ndarray) -> pl.Series:
    """Texts of the given (part, row) positions from the parts' memory-mapped text stores, in that order."""
    import pyarrow as pa

    def read(k: int, rows: np.ndarray) -> pl.Series:
        with pa.memory_map(str(_texts_part(parts[k]))) as source:
            column = pa.ipc.open_file(source).read_all().column("text")
            return pl.from_arrow(column.take(pa.array(rows))).cast(pl.String).alias("text")

    return _gather_by_part(part, pos, read, "text", pl.String)


def forget_examples(signatures: Path, example_ids: Iterable[str]) -> int:
    """Remove these examples' rows and stored texts from a signatures folder (`curate forget`); returns the rows removed.

    A part holding none of them is left alone. One that does is written anew and renamed into place, so the
    file it was a hard link of (in an earlier version) keeps its rows: only this folder forgets them. The old
    text store goes first: a run killed midway leaves a part without a store (its texts are then read from
    the input, as for parts written before stores existed), never a store out of step with its part.
    """
    import os

    import pyarrow as pa

    wanted = pl.Series(sorted(set(example_ids)), dtype=pl.String).implode()
    removed = 0
    for part in signature_parts(signatures) if Path(signatures).exists() else []:
        hit = pl.read_parquet(part, columns=["id"]).get_column("id").is_in(wanted)
        if not hit.any():
            continue
        keep = ~hit
        part_tmp = part.with_name(part.name + ".tmp")
        pl.read_parquet(part).filter(keep).write_parquet(part_tmp, compression="lz4", row_group_size=65_536)
        store = _texts_part(part)
        store_tmp = None
        if store.exists():
            with pa.memory_map(str(store)) as source:
                texts = pl.from_arrow(pa.ipc.open_file(source).read_all().column("text")).cast(pl.String)
            store_tmp = store.with_name(store.name + ".tmp")
            _write_texts(store_tmp, texts.filter(keep))
            store.unlink()
        os.replace(part_tmp, part)
        if store_tmp is not None:
            os.replace(store_tmp, store)
        removed += int(hit.sum())
    return removed


def _write_signatures(target: Path, parts: list[Path], fresh: pl.DataFrame, fresh_texts: Path | None = None) -> None:
    """target/part-NNNNN.parquet: the previous parts linked (or copied) in order, then `fresh` as the next
    part; each part's text store (texts-NNNNN.arrow) beside it, where it has one."""
    import shutil

    same = bool(parts) and parts[0].parent.resolve() == target.resolve()  # appending to the previous folder itself
    if not same:
        aside = None
        if target.is_file() and any(part.resolve() == target.resolve() for part in parts):  # an older single file, read as previous
            aside = target.with_name(target.name + ".previous")
            target.rename(aside)
            parts = [aside if part.resolve() == target.resolve() else part for part in parts]
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        target.mkdir(parents=True)
        for k, part in enumerate(parts):
            link = target / SIGNATURE_PART.format(k)
            for source, destination in ((part, link), (_texts_part(part), _texts_part(link))):
                if source.exists():
                    link_or_copy(source, destination)
        if aside is not None:
            aside.unlink()
    fresh_part = target / SIGNATURE_PART.format(len(parts))
    fresh.write_parquet(fresh_part, compression="lz4", row_group_size=65_536)
    fault_point("dedup:store")
    if fresh_texts is not None:
        fresh_texts.replace(_texts_part(fresh_part))


def _write_outputs(examples_path: Path, out_dir: Path, meta: pl.DataFrame, reps: pl.DataFrame, decisions: pl.DataFrame,
                   source_ledger: Path | None, summary: DedupSummary) -> None:
    """survivors.parquet, clusters.parquet and ledger.parquet from the per-id decisions."""
    # per distinct id: the row kept for it, its survivor (itself when kept) and the similarity to it
    per_id = reps.select("id", pl.col("row").alias("rep_row")).join(decisions, on="id", how="left").with_columns(
        pl.col("survivor_id").fill_null(pl.col("id")), pl.col("similarity").fill_null(1.0))
    per_row = (
        meta.select("row", "id").join(per_id, on="id", how="left", maintain_order="left")
        .with_columns(
            exact=pl.col("row") != pl.col("rep_row"),
            near=pl.col("survivor_id") != pl.col("id"),
        )
        .with_columns(
            outcome=pl.when(pl.col("exact") | pl.col("near")).then(pl.lit("dropped")).otherwise(pl.lit("kept")),
            reason=pl.when(pl.col("exact")).then(pl.lit("exact_duplicate"))
            .when(pl.col("near")).then(pl.lit("near_duplicate")).otherwise(pl.lit("")),
            duplicate=pl.when(pl.col("exact")).then(pl.lit("exact")).when(pl.col("near")).then(pl.lit("near")).otherwise(pl.lit("survivor")),
        )
    )
    survivors = per_row.filter(pl.col("outcome") == "kept").select("row", "id")
    summary.kept = survivors.height
    summary.dropped = dict(per_row.filter(pl.col("outcome") == "dropped").group_by("reason").len().sort("reason").iter_rows())
    survivors.cast(dict(SURVIVORS_SCHEMA)).write_parquet(out_dir / "survivors.parquet", **_WRITE)
    sources = pl.scan_parquet(examples_path).with_row_index("row").select("row", "source_document_ids", "source_kind", "kind", "language").collect()

    # clusters.parquet: every row whose survivor is named by another row, and the survivors themselves
    named = per_row.filter(pl.col("outcome") == "dropped").get_column("survivor_id").unique()
    members = per_row.filter(pl.col("survivor_id").is_in(named.implode())).select(
        pl.col("id").alias("example_id"), "row", "survivor_id", pl.when(pl.col("exact") & ~pl.col("near")).then(1.0).otherwise("similarity").alias("similarity"), "duplicate")
    absent = named.filter(~named.is_in(meta.get_column("id").implode()))  # earlier survivors gone from the input
    members = pl.concat([members, pl.DataFrame({
        "example_id": absent, "row": pl.Series([None] * absent.len(), dtype=pl.UInt32), "survivor_id": absent,
        "similarity": [1.0] * absent.len(), "duplicate": ["survivor"] * absent.len()})])
    cluster_ids = named.sort().to_frame("survivor_id").with_row_index("cluster_id")
    table = (
        members.join(cluster_ids, on="survivor_id").join(sources.drop("source_kind"), on="row", how="left")
        .select(list(CLUSTER_SCHEMA)).cast(dict(CLUSTER_SCHEMA))
        .sort("cluster_id", "duplicate", "row", descending=[False, True, False], nulls_last=True)
    )
    table.write_parquet(out_dir / "clusters.parquet", **_WRITE)
    sizes = table.group_by("cluster_id").len()
    summary.clusters = sizes.height
    summary.largest_cluster = int(sizes.get_column("len").max() or 0)

    # ledger.parquet: one row per source document of every input row
    # the survivor's first source unit and language, where it is in this input (an earlier version's is not)
    survivor_of = meta.select("row", pl.col("id").alias("survivor_id")).unique("survivor_id", keep="first").join(
        sources.select("row", survivor_source=pl.col("source_document_ids").list.first(), survivor_language="language"), on="row"
    ).drop("row")
    detail = pl.concat_str(
        pl.format("survivor={} similarity={}", "survivor_id", pl.col("similarity").round(3)),
        pl.when(pl.col("matched").is_not_null() & ~pl.col("exact"))
        .then(pl.format(" matched={} matched_similarity={}", "matched", pl.col("matched_similarity").round(3))).otherwise(pl.lit("")),
        pl.when(pl.col("survivor_source").is_not_null())
        .then(pl.format(" survivor_source={} language={}", "survivor_source", pl.col("survivor_language").fill_null(""))).otherwise(pl.lit("")),
    )
    ledger = (
        per_row.select("row", "id", "outcome", "reason", "survivor_id", "similarity", "matched", "matched_similarity", "exact")
        .join(survivor_of, on="survivor_id", how="left", maintain_order="left")
        .join(sources, on="row", how="left", maintain_order="left")
        .explode("source_document_ids")
        .select(
            pl.col("source_document_ids").fill_null("").alias("unit_id"),
            pl.lit(STAGE).alias("stage"),
            "outcome", "reason",
            pl.when(pl.col("outcome") == "dropped").then(detail).otherwise(pl.lit("")).alias("detail"),
            "source_kind",
            pl.when(pl.col("outcome") == "kept").then(pl.col("id")).otherwise(pl.lit("")).alias("record_id"),
        )
    )
    refs = _source_refs(source_ledger)
    if refs is not None:
        ledger = ledger.join(refs.rename({"source_kind": "_ref_kind"}), on="unit_id", how="left", maintain_order="left").with_columns(
            source_kind=pl.coalesce("_ref_kind", "source_kind"))
    else:
        ledger = ledger.with_columns(path=pl.lit(None, pl.String), locator=pl.lit(None, pl.String))
    (
        ledger.with_columns(pl.col("path").fill_null(""), pl.col("locator").fill_null(""))
        .select(list(LEDGER_SCHEMA)).cast(dict(LEDGER_SCHEMA))
        .write_parquet(out_dir / "ledger.parquet", **_WRITE)
    )
