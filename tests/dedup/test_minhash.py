"""Vectorised shingling and MinHash: bit-identical to datasketch, independent of batching."""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.dedup.config import DedupConfig
from curation.dedup.minhash import (
    MAX_HASH32,
    ngram_hashes,
    permutations,
    shingle_hashes,
    shingle_set_shard,
    signature_shard,
    token_hash,
    tokens,
)

TEXTS = [
    "How do I reset my A-45 SuperWidget? Hold the blue button for 10 seconds.",
    "",
    "two words",
    "Ünïcode wörds — straße, café; naïve façade!",
    "x",
    "   \n\t  ",
    "the the the the the the",
]


def _datasketch_signatures(shingles: np.ndarray, counts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    out, start = [], 0
    for count in counts:
        sketch = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda h: h)  # identity on our 32-bit shingle hash
        sketch.update_batch(shingles[start:start + count].tolist())
        out.append(sketch.hashvalues)
        start += count
    return np.array(out, dtype=np.uint32)


@pytest.mark.parametrize("shingle", ["word", "char"])
@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 42)])
def test_signatures_equal_datasketch_bit_for_bit(shingle, num_perm, seed):
    config = DedupConfig(shingle=shingle, num_perm=num_perm, seed=seed, batch_size=3)
    texts = pl.Series(TEXTS)
    shingles, counts = shingle_hashes(texts, config.shingle, config.ngram)
    ours = signature_shard(texts, config)
    assert ours.dtype == np.uint32 and ours.shape == (len(TEXTS), num_perm)
    np.testing.assert_array_equal(ours, _datasketch_signatures(shingles, counts, num_perm, seed))
    assert (ours[1] == MAX_HASH32).all()  # no shingles: datasketch's empty MinHash


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab cdé,\n0_"), max_size=60), min_size=1, max_size=8))
def test_signatures_equal_datasketch_on_arbitrary_text(texts):
    config = DedupConfig(num_perm=32, batch_size=2)
    series = pl.Series(texts, dtype=pl.String)
    shingles, counts = shingle_hashes(series, config.shingle, config.ngram)
    np.testing.assert_array_equal(signature_shard(series, config), _datasketch_signatures(shingles, counts, 32, 1))


def test_permutations_are_datasketchs():
    a, b = permutations(128, 1)
    reference = MinHash(num_perm=128, seed=1).permutations
    np.testing.assert_array_equal(a, reference[0])
    np.testing.assert_array_equal(b, reference[1])


def test_word_shingles_are_lowercased_word_trigrams_and_short_texts_give_one():
    texts = pl.Series(["One two THREE four", "solo pair", "One, two: three!"])
    flat, counts = tokens(texts, "word")
    assert flat.to_list() == ["one", "two", "three", "four", "solo", "pair", "one", "two", "three"]
    shingles, per_doc = ngram_hashes(np.array([token_hash(t) for t in flat.to_list()], np.uint64), counts, 3)
    assert per_doc.tolist() == [2, 1, 1]
    assert shingles[0] == shingles[3]  # "one two three" in the first and the third text


def test_token_hash_is_stable():
    # blake2b-64 of the UTF-8 bytes: the same on every machine, process and polars version
    assert token_hash("reset") == int.from_bytes(hashlib.blake2b(b"reset", digest_size=8).digest(), "little")
    assert token_hash("reset") == 8447600333442944420


def test_batching_and_shards_do_not_change_anything():
    rng = np.random.default_rng(0)
    texts = pl.Series([" ".join(f"w{x}" for x in rng.integers(0, 300, rng.integers(0, 40))) for _ in range(50)])
    whole = signature_shard(texts, DedupConfig(batch_size=1000))
    np.testing.assert_array_equal(signature_shard(texts, DedupConfig(batch_size=7)), whole)
    np.testing.assert_array_equal(np.concatenate([signature_shard(texts.slice(0, 20), DedupConfig()), signature_shard(texts.slice(20), DedupConfig())]), whole)
    flat, sizes = shingle_set_shard(texts, DedupConfig(batch_size=7))
    shingles, counts = shingle_hashes(texts, "word", 3)
    start = 0
    for size, count, offset in zip(sizes, counts, np.cumsum(counts) - counts, strict=True):
        assert flat[start:start + size].tolist() == sorted(set(shingles[offset:offset + count].tolist()))
        start += size


def test_config_derives_lsh_parameters_like_datasketch():
    from datasketch.lsh import _optimal_param

    config = DedupConfig()
    # candidates are verified with their exact Jaccard: missed pairs weigh 9x more than false candidates
    assert (config.false_positive_weight, config.false_negative_weight) == (0.1, 0.9)
    assert config.bands_rows == _optimal_param(0.7, 128, 0.1, 0.9) == (20, 6)
    balanced = DedupConfig(false_positive_weight=0.5, false_negative_weight=0.5)
    assert balanced.bands_rows == _optimal_param(0.7, 128, 0.5, 0.5) == (14, 9)
    assert DedupConfig(shingle="char").ngram == 5 and DedupConfig().ngram == 3
    with pytest.raises(ValueError):
        DedupConfig(unknown_key=1)
