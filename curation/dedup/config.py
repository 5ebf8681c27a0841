"""Configuration of the dedup step (exact id dedup, then MinHash LSH near-dedup)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field

from curation.base import StepConfig

DEFAULT_SHINGLE_SIZE = {"word": 3, "char": 5}


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false positive + false negative probability mass at `threshold`.

    This is datasketch's ``MinHashLSH(weights=(fp, fn))`` choice (``datasketch.lsh._optimal_param``);
    the weights are used as given (datasketch requires them to sum to 1, so only their ratio matters).
    """
    from datasketch.lsh import _optimal_param

    total = false_positive_weight + false_negative_weight
    return _optimal_param(threshold, num_perm, false_positive_weight / total, false_negative_weight / total)


class DedupConfig(StepConfig):
    """Dedup settings. The LSH (bands, rows) are derived from threshold, num_perm and the two error weights.

    ``false_negative_weight`` defaults to 0.9 (``false_positive_weight`` 0.1): candidate pairs are checked
    with their exact Jaccard (``verify_jaccard``), so a false positive candidate costs one cheap set
    comparison while a false negative is a duplicate lost for good. At threshold 0.7 and 128
    permutations this gives 20 bands of 6 rows (P(candidate) = 0.92 at J = 0.7, 0.998 at J = 0.8)
    instead of the balanced 14 x 9 (0.44 and 0.87); see :mod:`curation.dedup.pipeline` for the
    measurements behind the choice.
    """

    shingle: Literal["word", "char"] = Field(default="word", description="word n-grams over \\w+ tokens, or character n-grams")
    shingle_size: int | None = Field(default=None, ge=1, le=32, description="n of the n-grams; default 3 for words, 5 for characters")
    num_perm: int = Field(default=128, ge=2, le=1024, description="MinHash permutations (signature length)")
    threshold: float = Field(default=0.7, gt=0.0, lt=1.0, description="Jaccard similarity at or above which two examples are near-duplicates")
    seed: int = Field(default=1, ge=0, description="seed of the MinHash permutations (datasketch's MinHash(seed=...))")
    verify_jaccard: bool = Field(default=True, description="check candidate pairs with the exact Jaccard of their shingle sets (else the MinHash estimate)")
    survivor: Literal["longest", "most_recent", "quality"] = Field(default="longest", description="which member of a cluster is kept")
    batch_size: int = Field(default=10_000, ge=1, description="examples tokenised and hashed per vectorised batch")
    num_shards: int = Field(default=4, ge=1, description="shards handed to map_fn for signature and shingle computation")
    false_negative_weight: float = Field(default=0.9, gt=0.0, lt=1.0, description="weight of missed pairs (Jaccard >= threshold) when choosing LSH bands and rows")
    false_positive_weight: float = Field(default=0.1, gt=0.0, lt=1.0, description="weight of candidate pairs below the threshold when choosing LSH bands and rows")
    earlier_absent: Literal["ignore", "match"] = Field(
        default="ignore",
        description="published examples that are no longer in the input: 'ignore' them (a version holds only what is in its input, "
                    "so a deleted example cannot stand in for a new near-copy of it), or 'match' new examples against them too "
                    "(the input is a new batch to check against everything published before)")
    max_bucket_all_pairs: int = Field(default=16, ge=2, description="LSH buckets up to this size give all their pairs, larger ones a star around one member")

    @property
    def ngram(self) -> int:
        return self.shingle_size or DEFAULT_SHINGLE_SIZE[self.shingle]

    @property
    def bands_rows(self) -> tuple[int, int]:
        return lsh_params(self.threshold, self.num_perm, self.false_positive_weight, self.false_negative_weight)

    @property
    def scheme(self) -> str:
        """What a signature depends on: signatures of two runs are comparable only when this matches."""
        return f"minhash-affine32:{self.shingle}{self.ngram}:perm{self.num_perm}:seed{self.seed}:tok1"
