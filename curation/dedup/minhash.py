"""Vectorised shingling and MinHash signatures, bit-identical to datasketch 2.0's default scheme.

An example's text (the non-system messages joined) is lowercased and tokenised by polars (``\\w+``
words, or characters with whitespace collapsed). Every distinct token is hashed once with a stable
64-bit hash (blake2b, so signatures stay comparable across processes, machines and polars versions);
n-gram shingle hashes are built with numpy on the flat token array and folded to 32 bits.

A signature is then exactly what ``datasketch.MinHash(num_perm, seed, hashfunc=identity)
.update_batch(shingle_hashes)`` computes (scheme ``affine32``): every 32-bit shingle hash goes
through the MurmurHash3 ``fmix32`` finaliser, then through ``num_perm`` affine maps
``a * h + b mod 2**32`` whose ``(a, b)`` come from ``MinHash(num_perm, seed).permutations``, and each
document keeps the per-permutation minimum. Here that is done for whole batches at once: a
``(num_perm, chunk)`` block of permuted hashes per step and ``np.minimum.reduceat`` over the
documents' shingle runs. An example without shingles keeps datasketch's empty value (all ``2**32-1``).

The shard functions (:func:`signature_shard`, :func:`shingle_set_shard`) are pure: a text Series and
the config in, numpy arrays out; the pipeline hands them to any ``map_fn`` (builtin ``map``, a
thread pool, a Dask client).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
import polars as pl

from curation.dedup.config import DedupConfig

MAX_HASH32 = np.uint32(0xFFFFFFFF)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
_NGRAM_MULT = np.uint64(0x9E3779B97F4A7C15)
_CHUNK = 8192  # shingles per permutation block: (num_perm x _CHUNK) uint32 stays cache-resident


def with_context_turns(frame):
    """The frame with a `context_turns` column (0 where examples predate windows with context): what example_text reads."""
    return frame if "context_turns" in frame.columns else frame.with_columns(context_turns=pl.lit(0, pl.Int64))


def example_text() -> pl.Expr:
    """The text an example is compared by: its non-system messages' contents after its context turns (history
    repeated from the window before, which the two windows would otherwise share), joined by newlines."""
    msg = pl.element()
    return (
        pl.col("messages")
        .list.eval(msg.filter(msg.struct.field("role") != "system").struct.field("content"))
        .list.slice(pl.col("context_turns").fill_null(0))
        .list.join("\n")
        .fill_null("")
        .alias("text")
    )


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (datasketch's pre-mix of the affine32 scheme), wrapping uint32 arithmetic."""
    s1, m1, s2, m2, s3 = _FMIX32
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


def _fmix64(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX64
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a, b), each uint32 of length num_perm."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    a, b = a.astype(np.uint32), b.astype(np.uint32)
    a.flags.writeable = b.flags.writeable = False
    return a, b


def token_hash(token: str) -> int:
    """The stable 64-bit hash of one token."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def tokens(texts: pl.Series, shingle: str) -> tuple[pl.Series, np.ndarray]:
    """Flat token Series (all documents, in order) and the number of tokens per document."""
    lowered = texts.fill_null("").str.to_lowercase()
    if shingle == "word":
        lists = lowered.str.extract_all(r"\w+")
    else:
        lists = lowered.str.replace_all(r"\s+", " ").str.strip_chars().str.split("").list.eval(pl.element().filter(pl.element() != ""))
    counts = lists.list.len().fill_null(0).to_numpy().astype(np.int64)
    flat = lists.explode().drop_nulls()  # an empty list explodes to one null
    return flat, counts


def token_hashes(flat: pl.Series) -> np.ndarray:
    """uint64 hash per token: each distinct token is hashed once (polars categorical codes find them)."""
    if flat.len() == 0:
        return np.empty(0, np.uint64)
    cat = flat.cast(pl.Categorical)
    codes = cat.to_physical().to_numpy()
    distinct = cat.unique()
    distinct_codes = distinct.to_physical().to_numpy()
    lookup = np.empty(int(distinct_codes.max()) + 1, np.uint64)
    lookup[distinct_codes] = np.fromiter((token_hash(t) for t in distinct.cast(pl.String).to_list()), np.uint64, len(distinct_codes))
    return lookup[codes]


def ngram_hashes(hashes: np.ndarray, counts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every token n-gram inside each document, and the number per document.

    A document with fewer than ``n`` (but some) tokens gives one shingle of all its tokens.
    """
    counts = np.asarray(counts, np.int64)
    starts = np.zeros(len(counts), np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    per_doc = np.where((counts > 0) & (counts < n), 1, np.maximum(counts - n + 1, 0))
    total = int(per_doc.sum())
    if total == 0:
        return np.empty(0, np.uint32), per_doc
    first = np.zeros(len(counts), np.int64)
    np.cumsum(per_doc[:-1], out=first[1:])
    pos = np.arange(total, dtype=np.int64) + np.repeat(starts - first, per_doc)  # gram start in the flat token array
    length = np.repeat(np.minimum(counts, n), per_doc)
    padded = np.concatenate([hashes.astype(np.uint64, copy=False), np.zeros(n, np.uint64)])
    gram = padded[pos]
    short = bool((length < n).any())
    for j in range(1, n):
        nxt = gram * _NGRAM_MULT + padded[pos + j]
        gram = np.where(length > j, nxt, gram) if short else nxt
    return (_fmix64(gram) >> np.uint64(32)).astype(np.uint32), per_doc


def shingle_hashes(texts: pl.Series, shingle: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(flat uint32 shingle hashes of all documents, shingles per document)."""
    flat, counts = tokens(texts, shingle)
    return ngram_hashes(token_hashes(flat), counts, n)


def minhash(shingles: np.ndarray, counts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """(n_docs, num_perm) uint32 MinHash signatures of the documents' shingle runs."""
    a, b = permutations(num_perm, seed)
    counts = np.asarray(counts, np.int64)
    nonempty = np.flatnonzero(counts)
    starts = (np.cumsum(counts) - counts)[nonempty]
    ends = starts + counts[nonempty]
    mins = np.full((num_perm, len(nonempty)), MAX_HASH32, np.uint32)
    mixed = fmix32(shingles.astype(np.uint32, copy=False))
    block = np.empty((num_perm, _CHUNK), np.uint32)
    a_col, b_col = a[:, None], b[:, None]
    total = len(mixed)
    for s0 in range(0, total, _CHUNK):
        s1 = min(s0 + _CHUNK, total)
        d0 = int(np.searchsorted(ends, s0, side="right"))  # first document ending after s0
        d1 = int(np.searchsorted(starts, s1, side="left"))  # documents starting before s1
        view = block[:, : s1 - s0]
        np.multiply(a_col, mixed[None, s0:s1], out=view)
        np.add(view, b_col, out=view)
        part = np.minimum.reduceat(view, np.maximum(starts[d0:d1], s0) - s0, axis=1)
        np.minimum(mins[:, d0:d1], part, out=mins[:, d0:d1])
    out = np.full((len(counts), num_perm), MAX_HASH32, np.uint32)
    out[nonempty] = mins.T
    return out


def _batches(n: int, size: int):
    for start in range(0, n, size):
        yield start, min(n, start + size)


def signature_shard(texts: pl.Series, config: DedupConfig) -> np.ndarray:
    """Signatures of one shard of texts, batch by batch: (len(texts), num_perm) uint32."""
    out = np.empty((texts.len(), config.num_perm), np.uint32)
    for start, stop in _batches(texts.len(), config.batch_size):
        shingles, counts = shingle_hashes(texts.slice(start, stop - start), config.shingle, config.ngram)
        out[start:stop] = minhash(shingles, counts, config.num_perm, config.seed)
    return out


def shingle_set_shard(texts: pl.Series, config: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """Each text's distinct shingle hashes, sorted: (flat uint32, set size per text)."""
    flats, sizes = [], []
    for start, stop in _batches(texts.len(), config.batch_size):
        shingles, counts = shingle_hashes(texts.slice(start, stop - start), config.shingle, config.ngram)
        doc = np.repeat(np.arange(stop - start, dtype=np.uint64), counts)
        keys = np.sort((doc << np.uint64(32)) | shingles.astype(np.uint64))
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if keys.size else keys
        flats.append((keys & np.uint64(0xFFFFFFFF)).astype(np.uint32))
        sizes.append(np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=stop - start))
    if not flats:
        return np.empty(0, np.uint32), np.empty(0, np.int64)
    return np.concatenate(flats), np.concatenate(sizes).astype(np.int64)
