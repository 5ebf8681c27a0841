"""Leakage check: no held-out example may be a near-duplicate of a training example.

It reuses the dedup step's machinery (the same comparison text, shingles, MinHash signatures and
LSH banding, kinds never compared with each other), then confirms candidates with the exact Jaccard
of their shingle sets.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

from curation.dedup.cluster import ShingleSets, exact_jaccard
from curation.dedup.config import DedupConfig
from curation.dedup.lsh import band_keys, candidate_pairs
from curation.dedup.minhash import example_text, shingle_set_shard, signature_shard, with_context_turns
from curation.dedup.pipeline import sharded


def leakage_pairs(examples: pl.DataFrame, config: DedupConfig, *, threshold: float, map_fn: Callable = map,
                  known_signatures: Path | None = None, pair_cache: Path | None = None) -> list[dict]:
    """(held-out id, train id, jaccard) for every pair at or above threshold. `known_signatures`: the dedup
    step's signatures folder; an example whose signature it holds (same scheme) is not hashed again.
    `pair_cache`: a parquet file of candidate pairs already measured (example ids are content hashes, so a
    pair's Jaccard never changes); only new candidates are shingled and measured, and the file is rewritten
    with the candidates of this call (bounded by the dataset, not by its history)."""
    examples = with_context_turns(examples)
    # training examples first: they are the "frozen" side, so only pairs involving a held-out one come back
    frame = examples.select("id", "kind", "split", example_text()).sort(pl.col("split") != "train", "id")
    n_train = frame.filter(pl.col("split") == "train").height
    if n_train in (0, frame.height):
        return []
    texts = frame.get_column("text")
    signatures = np.empty((frame.height, config.num_perm), np.uint32)
    missing = np.ones(frame.height, bool)
    if known_signatures is not None:
        found = _known(known_signatures, frame.get_column("id"), config)
        if found.height:
            at = frame.select(pl.col("id").alias("_id")).with_row_index("_at").join(found, left_on="_id", right_on="id", how="inner")
            rows = at.get_column("_at").to_numpy()
            signatures[rows] = at.get_column("signature").to_numpy()
            missing[rows] = False
    if missing.any():
        todo = np.flatnonzero(missing)
        signatures[todo] = np.concatenate(sharded(map_fn, partial(signature_shard, config=config), texts.gather(todo), config.num_shards))
    bands, rows = config.model_copy(update={"threshold": threshold}).bands_rows
    kinds = frame.get_column("kind").cast(pl.Categorical).to_physical().to_numpy()
    keys = band_keys(signatures, bands, rows, groups=kinds)
    lo, hi = candidate_pairs(keys, max_all_pairs=config.max_bucket_all_pairs, n_frozen=n_train)
    across = lo < n_train  # one side train, the other held-out
    lo, hi = lo[across], hi[across]
    if not lo.size:
        return []
    pairs = pl.DataFrame({"train": frame.get_column("id").gather(lo), "heldout": frame.get_column("id").gather(hi)})
    jaccard = _measured(pairs, pair_cache, config)
    todo = np.flatnonzero(np.isnan(jaccard))
    if todo.size:
        involved = np.unique(np.concatenate([lo[todo], hi[todo]]))
        flat, sizes = shingle_set_shard(texts.gather(involved), config)
        position = np.full(frame.height, -1, np.int64)
        position[involved] = np.arange(involved.size)
        jaccard[todo] = exact_jaccard(ShingleSets(flat, sizes), position[lo[todo]], position[hi[todo]])
    if pair_cache is not None:
        _remember(pair_cache, pairs.with_columns(jaccard=pl.Series(jaccard), scheme=pl.lit(_pair_scheme(config))))
    return [{"heldout": h, "train": t, "jaccard": round(float(s), 3)}
            for t, h, s in zip(pairs["train"].to_list(), pairs["heldout"].to_list(), jaccard.tolist()) if s >= threshold]


def _pair_scheme(config: DedupConfig) -> str:
    """What a pair's Jaccard depends on besides the two texts: the shingles."""
    return f"jaccard:{config.shingle}{config.ngram}:ctx1"


def _measured(pairs: pl.DataFrame, cache: Path | None, config: DedupConfig) -> np.ndarray:
    """The cached Jaccard of each pair (NaN where the cache has none)."""
    out = np.full(pairs.height, np.nan)
    if cache is None or not cache.exists():
        return out
    known = pl.read_parquet(cache).filter(pl.col("scheme") == _pair_scheme(config)).select("train", "heldout", "jaccard")
    hits = pairs.with_row_index("_k").join(known, on=["train", "heldout"], how="inner")
    out[hits.get_column("_k").to_numpy()] = hits.get_column("jaccard").to_numpy()
    return out


def _remember(cache: Path, pairs: pl.DataFrame) -> None:
    """Rewrite the cache with this call's pairs (atomically: a crash leaves the old file or the new one)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    pairs.unique(["train", "heldout"], keep="first").write_parquet(tmp)
    os.replace(tmp, cache)


def _known(folder: Path, ids: pl.Series, config: DedupConfig) -> pl.DataFrame:
    """id, signature of the wanted ids from a dedup signatures folder (parts written with this config's scheme)."""
    from curation.dedup.pipeline import signature_parts

    parts = [p for p in signature_parts(Path(folder)) if p.exists()] if Path(folder).exists() else []
    if not parts:
        return pl.DataFrame(schema={"id": pl.String, "signature": pl.Array(pl.UInt32, config.num_perm)})
    wanted = ids.implode()
    frames = []
    for part in parts:
        columns = pl.read_parquet_schema(part)
        if not {"id", "signature", "scheme"} <= set(columns) or columns["signature"] != pl.Array(pl.UInt32, config.num_perm):
            continue
        frames.append(pl.scan_parquet(part).filter(pl.col("id").is_in(wanted) & (pl.col("scheme") == config.scheme)
                                                   & pl.col("signature").is_not_null()).select("id", "signature"))
    if not frames:
        return pl.DataFrame(schema={"id": pl.String, "signature": pl.Array(pl.UInt32, config.num_perm)})
    return pl.concat(frames).collect().unique("id", keep="last", maintain_order=True)
