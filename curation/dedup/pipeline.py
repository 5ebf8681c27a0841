"""Dedup: examples.parquet -> survivors + clusters + ledger + signatures (stage "dedup").

1. Exact: rows with the same example id (a hash of the normalised content) form an exact cluster; one
   row survives (the survivor policy decides; ties by row order), the rest are ``exact_duplicate``.
2. Signatures: MinHash of every distinct example not already in ``previous_signatures``, computed by
   the pure :func:`~curation.dedup.minhash.signature_shard` over shards through ``map_fn``.
3. LSH: bucket by (band, kind, band key); candidate pairs; with ``verify_jaccard`` their exact
   Jaccard, else the MinHash estimate; pairs at or above the threshold are edges.
4. Clusters: survivor-centred (see :mod:`curation.dedup.cluster`): one survivor per cluster by the
   policy, every dropped member is at least ``threshold`` similar to its survivor
   (``near_duplicate``). Earlier examples (incremental runs) always win and are never dropped.

Outputs in ``out_dir``: ``examples.parquet`` (surviving rows, EXAMPLE_SCHEMA, input order),
``clusters.parquet`` (every row in a cluster of two or more), ``ledger.parquet`` (one row per source
document per input row), ``signatures.parquet`` (previous + new survivors) and ``dedup_summary.json``.

Survivor policies: ``longest`` = max ``n_chars``; ``most_recent`` = max ``created_at`` (none = oldest);
``quality`` = letter share of the non-space characters + distinct-word share of the words +
min(words, 256) / 256 (each in [0, 1]: clean prose, little repetition, enough content). Ties go to the
smallest example id.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

from curation.dedup.cluster import ShingleSets, exact_jaccard, survivor_clusters
from curation.dedup.config import DedupConfig
from curation.dedup.lsh import band_keys, candidate_pairs, estimated_similarity
from curation.dedup.minhash import MAX_HASH32, example_text, shingle_set_shard, signature_shard
from curation.examples.build import EXAMPLE_SCHEMA
from curation.ledger import LEDGER_SCHEMA

STAGE = "dedup"
DROP_REASONS = {
    "exact_duplicate": "another row holds the same example (same content hash); one row is kept",
    "near_duplicate": "MinHash LSH found a kept example at or above the similarity threshold",
}
CLUSTER_SCHEMA = pl.Schema({
    "example_id": pl.String,
    "row": pl.UInt32,
    "source_document_ids": pl.List(pl.String),
    "cluster_id": pl.UInt32,
    "survivor_id": pl.String,
    "similarity": pl.Float64,
    "duplicate": pl.String,  # "survivor" | "near" | "exact"
})

MapFn = Callable[[Callable, Iterable], Iterable]


@dataclass
class DedupSummary:
    inputs: int = 0
    distinct_examples: int = 0
    earlier_examples: int = 0
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


def _sharded(map_fn: MapFn, fn: Callable, texts: pl.Series, num_shards: int) -> list:
    bounds = np.linspace(0, texts.len(), min(num_shards, max(texts.len(), 1)) + 1).astype(int)
    shards = [texts.slice(int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    return list(map_fn(fn, shards))


def _read_examples(path: Path) -> pl.DataFrame:
    return (
        pl.scan_parquet(path)
        .with_row_index("row")
        .select("row", "id", "kind", "created_at", "n_chars", example_text())
        .collect()
    )


def _policy_metric(frame: pl.DataFrame, policy: str) -> np.ndarray:
    """Higher is better: the survivor policy's score of each row of `frame` (id, created_at, n_chars, text)."""
    if policy == "longest":
        return frame.select(pl.col("n_chars").fill_null(pl.col("text").str.len_chars())).to_series().to_numpy().astype(np.float64)
    if policy == "most_recent":
        return frame.select(pl.col("created_at").dt.epoch("us").cast(pl.Float64).fill_null(-np.inf)).to_series().to_numpy()
    text = pl.col("text")
    words = text.str.to_lowercase().str.extract_all(r"\w+")
    non_space = text.str.len_chars() - text.str.count_matches(r"\s")
    n_words = words.list.len()
    score = (
        text.str.count_matches(r"\p{L}") / pl.max_horizontal(non_space, 1)
        + words.list.n_unique() / pl.max_horizontal(n_words, 1)
        + pl.min_horizontal(n_words, 256) / 256
    )
    return frame.select(score.fill_null(0.0)).to_series().to_numpy().astype(np.float64)


def _exact_survivor_rows(frame: pl.DataFrame, policy: str) -> pl.DataFrame:
    """One row per distinct id: the policy's best row (ties: first row)."""
    dup = frame.filter(pl.col("id").is_duplicated())
    if dup.is_empty():
        return frame
    metric = _policy_metric(dup, policy if policy != "quality" else "longest")  # copies share content: quality ~ equal
    best = (
        dup.with_columns(_m=pl.Series(metric))
        .sort(["id", "_m", "row"], descending=[False, True, False])
        .group_by("id", maintain_order=True)
        .first()
        .select("row")
    )
    keep = pl.concat([frame.filter(~pl.col("id").is_duplicated()).select("row"), best]).to_series()
    return frame.filter(pl.col("row").is_in(keep.implode()))


def _source_refs(path: Path | None) -> pl.DataFrame | None:
    if path is None or not Path(path).exists():
        return None
    return (
        pl.scan_parquet(path)
        .select("unit_id", "source_kind", "path", "locator")
        .unique("unit_id", keep="first", maintain_order=True)
        .collect()
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

    ``previous_signatures``: the signatures.parquet of the last published version; its examples are
    earlier, not hashed again, never dropped, and win against new examples that match them.
    ``source_ledger``: a ledger whose rows give each source document's source kind, path and
    locator (default: ``ledger.parquet`` next to ``examples_path``, as the examples step writes it).
    """
    config = config or DedupConfig()
    examples_path, out_dir = Path(examples_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bands, rows_per_band = config.bands_rows
    summary = DedupSummary(bands=bands, rows=rows_per_band)
    clock = time.perf_counter()
    start = clock

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        summary.timings[name] = round(now - clock, 3)
        clock = now

    frame = _read_examples(examples_path)
    summary.inputs = frame.height
    lap("read")

    # 1. exact duplicates: one row per id
    distinct = _exact_survivor_rows(frame, config.survivor)
    summary.distinct_examples = distinct.height
    lap("exact")

    # documents: earlier ones (previous signatures) first, then the new distinct examples
    if previous_signatures is not None:
        previous = pl.read_parquet(previous_signatures)
        schemes = previous.get_column("scheme").unique().to_list() if previous.height else []
        if schemes and schemes != [config.scheme]:
            raise ValueError(f"{previous_signatures} holds signatures of scheme {schemes}, this config computes {config.scheme!r}: run a full dedup")
    else:
        previous = pl.DataFrame(schema={"id": pl.String, "kind": pl.String, "signature": pl.Array(pl.UInt32, config.num_perm), "scheme": pl.String})
    n_earlier = previous.height
    summary.earlier_examples = n_earlier
    is_earlier = distinct.get_column("id").is_in(previous.get_column("id").implode())
    new = distinct.filter(~is_earlier)
    earlier_present = distinct.filter(is_earlier)
    summary.hashed = new.height

    # 2. signatures of the new examples, sharded
    shards = _sharded(map_fn, partial(signature_shard, config=config), new.get_column("text"), config.num_shards)
    new_sig = np.concatenate(shards) if shards else np.empty((0, config.num_perm), np.uint32)
    old_sig = previous.get_column("signature").to_numpy() if n_earlier else np.empty((0, config.num_perm), np.uint32)
    signatures = np.concatenate([old_sig.astype(np.uint32, copy=False).reshape(-1, config.num_perm), new_sig])
    del old_sig
    lap("signatures")

    # node tables: node k < n_earlier is previous row k, else new row k - n_earlier
    ids = pl.concat([previous.get_column("id"), new.get_column("id")])
    kinds = pl.concat([previous.get_column("kind"), new.get_column("kind")])
    kind_codes = kinds.rank("dense").cast(pl.Int64).to_numpy()
    n_nodes = len(ids)
    frozen = np.arange(n_nodes) < n_earlier
    # where each node's text is: row of `distinct`-like text frame (-1 when an earlier example is gone from the input)
    text_frame = pl.concat([earlier_present, new])
    text_pos = np.full(n_nodes, -1, np.int64)
    earlier_index = pl.DataFrame({"id": previous.get_column("id"), "node": np.arange(n_earlier)})
    matched = earlier_present.select("id").with_row_index("pos").join(earlier_index, on="id")
    text_pos[matched.get_column("node").to_numpy()] = matched.get_column("pos").to_numpy()
    text_pos[n_earlier:] = earlier_present.height + np.arange(new.height)

    # 3. LSH candidates among documents that have shingles
    has_shingles = ~(signatures == MAX_HASH32).all(axis=1)
    usable = np.flatnonzero(has_shingles)
    keys = band_keys(signatures[usable], bands, rows_per_band, kind_codes[usable])
    ci, cj = candidate_pairs(keys, max_all_pairs=config.max_bucket_all_pairs, n_frozen=int(has_shingles[:n_earlier].sum()))
    ci, cj = usable[ci], usable[cj]
    del keys
    summary.candidate_pairs = len(ci)
    lap("lsh")

    # exact shingle sets of every candidate document with text
    nodes = np.unique(np.concatenate([ci, cj]))
    set_index = np.full(n_nodes, -1, np.int64)
    sets = ShingleSets(np.empty(0, np.uint32), np.empty(0, np.int64))
    if config.verify_jaccard:
        with_text = nodes[text_pos[nodes] >= 0]
        texts = text_frame.get_column("text").gather(text_pos[with_text])
        parts = _sharded(map_fn, partial(shingle_set_shard, config=config), texts, config.num_shards)
        if parts:
            sets = ShingleSets(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
        set_index[with_text] = np.arange(len(with_text))

    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        values = estimated_similarity(signatures, a, b)
        exact = (set_index[a] >= 0) & (set_index[b] >= 0)
        if exact.any():
            values[exact] = exact_jaccard(sets, set_index[a[exact]], set_index[b[exact]])
        return values

    pair_sim = similarity(ci, cj)
    edge = pair_sim >= config.threshold
    summary.similar_pairs = int(edge.sum())
    lap("verify")

    # 4. clusters around survivors chosen by policy (earlier examples first, then the policy, then the id)
    priority = np.full(n_nodes, n_nodes, np.int64)
    if nodes.size:
        present = nodes[text_pos[nodes] >= 0]
        metric = np.zeros(n_nodes)
        if present.size:
            metric[present] = _policy_metric(text_frame[text_pos[present]], config.survivor)
        id_rank = ids.gather(nodes).rank("ordinal").to_numpy()
        order = np.lexsort((id_rank, -metric[nodes], ~frozen[nodes]))
        priority[nodes[order]] = np.arange(len(nodes))
    clusters = survivor_clusters(n_nodes, (ci[edge], cj[edge]), priority, frozen, similarity, config.threshold)
    summary.cluster_rounds = clusters.rounds
    lap("cluster")

    _write_outputs(examples_path, out_dir, config, frame, distinct, previous, new, new_sig, ids, clusters,
                   source_ledger if source_ledger is not None else examples_path.parent / "ledger.parquet", summary)
    lap("write")
    summary.timings["total"] = round(time.perf_counter() - start, 3)
    (out_dir / "dedup_summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    return summary


def _write_outputs(examples_path, out_dir, config, frame, distinct, previous, new, new_sig, ids, clusters, source_ledger, summary) -> None:
    n_earlier = previous.height
    node_of_id = pl.DataFrame({"id": ids, "node": np.arange(len(ids))})
    final_node = np.where(clusters.survivor >= 0, clusters.survivor, np.arange(len(ids)))
    nodes = pl.DataFrame({
        "node": np.arange(len(ids)),
        "survivor_id": ids.gather(final_node),
        "similarity": np.where(clusters.survivor >= 0, clusters.similarity, 1.0),
        "in_cluster": clusters.survivor >= 0,
        "is_survivor": final_node == np.arange(len(ids)),
    })
    distinct_rows = distinct.get_column("row").implode()
    per_row = (
        frame.select("row", "id")
        .join(node_of_id, on="id", how="left")
        .join(nodes, on="node", how="left")
        .with_columns(exact_copy=~pl.col("row").is_in(distinct_rows))
        .with_columns(
            outcome=pl.when(pl.col("exact_copy") | ~pl.col("is_survivor")).then(pl.lit("dropped")).otherwise(pl.lit("kept")),
            reason=pl.when(pl.col("exact_copy")).then(pl.lit("exact_duplicate"))
            .when(~pl.col("is_survivor")).then(pl.lit("near_duplicate")).otherwise(pl.lit("")),
            duplicate=pl.when(pl.col("exact_copy")).then(pl.lit("exact"))
            .when(~pl.col("is_survivor")).then(pl.lit("near")).otherwise(pl.lit("survivor")),
        )
        .sort("row")
    )
    kept_rows = per_row.filter(pl.col("outcome") == "kept").get_column("row")
    summary.kept = kept_rows.len()
    summary.dropped = {r: n for r, n in per_row.filter(pl.col("outcome") == "dropped").group_by("reason").len().sort("reason").iter_rows()}

    # examples.parquet: the kept rows, streamed from the input in input order
    (
        pl.scan_parquet(examples_path)
        .with_row_index("_row")
        .filter(pl.col("_row").is_in(kept_rows.implode()))
        .select([pl.col(name).cast(dtype) for name, dtype in EXAMPLE_SCHEMA.items()])
        .sink_parquet(out_dir / "examples.parquet")
    )

    # clusters.parquet: rows of clusters with two or more members (exact copies count as members)
    sources = pl.scan_parquet(examples_path).with_row_index("row").select("row", "source_document_ids", "source_kind").collect()
    sources = sources.with_columns(pl.col("row").cast(pl.UInt32))
    grouped = per_row.filter(pl.col("exact_copy") | pl.col("in_cluster") | pl.col("id").is_duplicated())
    grouped = grouped.with_columns(pl.col("row").cast(pl.UInt32))
    earlier_survivors = (  # an earlier survivor that is not in the input still gets its cluster row
        nodes.filter(pl.col("in_cluster") & pl.col("is_survivor") & (pl.col("node") < n_earlier))
        .join(node_of_id, on="node").rename({"id": "example_id"})
        .filter(~pl.col("example_id").is_in(frame.get_column("id").implode()))
        .select("example_id", pl.lit(None, pl.UInt32).alias("row"), "survivor_id", "similarity", pl.lit("survivor").alias("duplicate"))
    )
    members = pl.concat([
        grouped.select(pl.col("id").alias("example_id"), "row", "survivor_id",
                       pl.when(pl.col("exact_copy") & pl.col("is_survivor")).then(1.0).otherwise(pl.col("similarity")).alias("similarity"),
                       "duplicate"),
        earlier_survivors,
    ])
    cluster_ids = members.select(pl.col("survivor_id").unique().sort()).with_row_index("cluster_id")
    table = (
        members.join(cluster_ids, on="survivor_id")
        .join(sources.drop("source_kind"), on="row", how="left")
        .select(list(CLUSTER_SCHEMA))
        .cast(dict(CLUSTER_SCHEMA))
        .sort("cluster_id", "duplicate", "row", descending=[False, True, False], nulls_last=True)
    )
    table.write_parquet(out_dir / "clusters.parquet")
    sizes = table.group_by("cluster_id").len()
    summary.clusters = sizes.height
    summary.largest_cluster = int(sizes.get_column("len").max() or 0)

    # ledger.parquet: one row per source document of each input row
    refs = _source_refs(source_ledger)
    ledger = (
        per_row.select("row", "id", "outcome", "reason", "survivor_id", "similarity")
        .join(sources, on="row")
        .explode("source_document_ids")
        .rename({"source_document_ids": "unit_id"})
        .with_columns(
            stage=pl.lit(STAGE),
            detail=pl.when(pl.col("outcome") == "dropped")
            .then(pl.format("survivor={} similarity={}", "survivor_id", pl.col("similarity").round(3)))
            .otherwise(pl.lit("")),
            record_id=pl.when(pl.col("outcome") == "kept").then(pl.col("id")).otherwise(pl.lit("")),
        )
    )
    if refs is not None:
        ledger = ledger.join(refs.rename({"source_kind": "_ref_kind"}), on="unit_id", how="left").with_columns(
            source_kind=pl.coalesce("_ref_kind", "source_kind"))
    else:
        ledger = ledger.with_columns(path=pl.lit(None, pl.String), locator=pl.lit(None, pl.String))
    (
        ledger.sort("row", maintain_order=True)
        .with_columns(pl.col("path").fill_null(""), pl.col("locator").fill_null(""), pl.col("unit_id").fill_null(""))
        .select(list(LEDGER_SCHEMA))
        .cast(dict(LEDGER_SCHEMA))
        .write_parquet(out_dir / "ledger.parquet")
    )

    # signatures.parquet: previous + the new examples that were kept
    new_kept = new.select("id", "kind").with_row_index("k").join(
        per_row.filter(pl.col("outcome") == "kept").select("id"), on="id", how="semi").sort("k")
    k = new_kept.get_column("k").to_numpy()
    fresh = new_kept.select(
        "id", "kind",
        pl.Series("signature", new_sig[k] if len(k) else np.empty((0, config.num_perm), np.uint32), dtype=pl.Array(pl.UInt32, config.num_perm)),
        pl.lit(config.scheme).alias("scheme"),
    )
    pl.concat([previous.select(fresh.columns), fresh]).write_parquet(out_dir / "signatures.parquet", compression="lz4")
