"""Leakage check: no held-out example may be a near-duplicate of a training example.

Held-out examples go into a MinHash LSH index; every training example of the same kind is queried
against it; candidates are confirmed with the exact Jaccard of their shingle sets.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl
from datasketch import MinHash, MinHashLSH

from curation.dedup.config import DedupConfig

_WORD = re.compile(r"\w+")


def _shingles(text: str, config: DedupConfig) -> set[bytes]:
    if config.shingle == "char":
        n = config.shingle_size or 5
        text = " ".join(text.lower().split())
        grams = {text[i : i + n] for i in range(max(len(text) - n + 1, 1))}
    else:
        n = config.shingle_size or 3
        words = _WORD.findall(text.lower())
        grams = {" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))}
    return {g.encode() for g in grams if g}


def _text(messages: list[dict]) -> str:
    return "\n".join(m["content"] for m in messages if m["role"] != "system")


def leakage_pairs(examples: pl.DataFrame, config: DedupConfig, *, threshold: float, map_fn: Callable = map) -> list[dict]:
    """(held-out id, train id, jaccard) for every pair at or above threshold."""
    heldout = examples.filter(pl.col("split") != "train")
    train = examples.filter(pl.col("split") == "train")
    pairs: list[dict] = []
    for kind in heldout["kind"].unique().to_list():
        index = MinHashLSH(threshold=threshold, num_perm=config.num_perm)
        shingles: dict[str, set[bytes]] = {}
        for row in heldout.filter(pl.col("kind") == kind).select("id", "messages").iter_rows(named=True):
            shingles[row["id"]] = _shingles(_text(row["messages"]), config)
            sketch = MinHash(num_perm=config.num_perm, seed=config.seed)
            sketch.update_batch(list(shingles[row["id"]]))
            index.insert(row["id"], sketch)
        for row in train.filter(pl.col("kind") == kind).select("id", "messages").iter_rows(named=True):
            grams = _shingles(_text(row["messages"]), config)
            sketch = MinHash(num_perm=config.num_perm, seed=config.seed)
            sketch.update_batch(list(grams))
            for candidate in index.query(sketch):
                other = shingles[candidate]
                jaccard = len(grams & other) / max(len(grams | other), 1)
                if jaccard >= threshold:
                    pairs.append({"heldout": candidate, "train": row["id"], "jaccard": round(jaccard, 3)})
    return pairs
