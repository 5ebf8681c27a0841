"""Configuration of the dedup step (exact id dedup, then MinHash LSH near-dedup)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from curation.base import StepConfig

DEFAULT_SHINGLE_SIZE = {"word": 3, "char": 5}


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positives + false negatives at `threshold`, as datasketch's MinHashLSH does."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


class DedupConfig(StepConfig):
    shingle: Literal["word", "char"] = Field(default="word", description="word n-grams over \\w+ tokens, or character n-grams")
    shingle_size: int | None = Field(default=None, ge=1, le=32, description="n of the n-grams; default 3 for words, 5 for characters")
    num_perm: int = Field(default=128, ge=2, le=1024, description="MinHash permutations (signature length)")
    threshold: float = Field(default=0.7, gt=0.0, lt=1.0, description="Jaccard similarity at or above which two examples are near-duplicates")
    seed: int = Field(default=1, ge=0, description="seed of the MinHash permutations (datasketch's MinHash(seed=...))")
    verify_jaccard: bool = Field(default=True, description="check candidate pairs with the exact Jaccard of their shingle sets (else the MinHash estimate)")
    survivor: Literal["longest", "most_recent", "quality"] = Field(default="longest", description="which member of a cluster is kept")
    batch_size: int = Field(default=10_000, ge=1, description="examples tokenised and hashed per vectorised batch")
    num_shards: int = Field(default=4, ge=1, description="shards handed to map_fn for signature and shingle computation")
    max_bucket_all_pairs: int = Field(default=16, ge=2, description="LSH buckets up to this size give all their pairs, larger ones a star around one member")

    @property
    def ngram(self) -> int:
        return self.shingle_size or DEFAULT_SHINGLE_SIZE[self.shingle]

    @property
    def bands_rows(self) -> tuple[int, int]:
        return lsh_params(self.threshold, self.num_perm)

    @property
    def scheme(self) -> str:
        """What a signature depends on: signatures of two runs are comparable only when this matches."""
        return f"minhash-affine32:{self.shingle}{self.ngram}:perm{self.num_perm}:seed{self.seed}:tok1"
