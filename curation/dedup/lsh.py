"""LSH banding over a signature matrix, in numpy: band keys, buckets, candidate pairs.

Each signature is cut into ``bands`` slices of ``rows`` values; a slice is folded into a 64-bit band
key. Two examples land in one bucket when they share (band index, kind, band key): the example's kind
is part of the bucket key, so an instruction and a passage built from the same manual section are
never compared. Buckets up to ``max_all_pairs`` members give all their pairs; larger ones (many
copies of one text) give a star around their first member, which keeps the pair count linear.
"""

from __future__ import annotations

import numpy as np
import polars as pl

_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
_ROW_CHUNK = 16_384


def _mix64(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _MIX
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


def band_keys(signatures: np.ndarray, bands: int, rows: int, groups: np.ndarray | None = None) -> np.ndarray:
    """(n, bands) uint64 bucket keys; `groups` (small ints, e.g. the kind) is folded into every key."""
    n = signatures.shape[0]
    keys = np.empty((n, bands), np.uint64)
    salt = (np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93))
    for r0 in range(0, n, _ROW_CHUNK):
        r1 = min(n, r0 + _ROW_CHUNK)
        block = np.ascontiguousarray(signatures[r0:r1, : bands * rows].T).astype(np.uint64)  # (bands*rows, chunk)
        g = np.zeros(r1 - r0, np.uint64) if groups is None else groups[r0:r1].astype(np.uint64)
        for band in range(bands):
            h = salt[band] ^ (g * _MULT)
            for row in range(band * rows, (band + 1) * rows):
                h = (h ^ block[row]) * _MULT
            keys[r0:r1, band] = _mix64(h)
    return keys


def _bucket_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members of buckets with >= 2 members: (doc index sorted by bucket then doc, run starts, run sizes)."""
    n, bands = keys.shape
    flat = keys.reshape(-1)
    shared = pl.Series(flat, dtype=pl.UInt64).is_duplicated().to_numpy()
    where = np.flatnonzero(shared)
    if where.size == 0:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    docs = where // bands
    order = np.lexsort((docs, flat[where]))
    docs, sorted_keys = docs[order], flat[where][order]
    new_run = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
    starts = np.flatnonzero(new_run)
    sizes = np.diff(np.append(starts, len(docs)))
    return docs, starts, sizes


def candidate_pairs(keys: np.ndarray, *, max_all_pairs: int = 16, n_frozen: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unique candidate pairs (i < j) of documents sharing a bucket in any band.

    Documents ``0 .. n_frozen-1`` are earlier, already deduplicated ones: pairs of two of them are
    skipped and so are buckets without a newer document.
    """
    docs, starts, sizes = _bucket_runs(keys)
    if n_frozen and docs.size:
        has_new = np.maximum.reduceat(docs, starts) >= n_frozen if starts.size else np.empty(0, bool)
        starts, sizes = starts[has_new], sizes[has_new]
    left, right = [], []
    for size in np.unique(sizes[sizes <= max_all_pairs]):
        at = starts[sizes == size]
        iu, ju = np.triu_indices(int(size), 1)
        left.append(docs[(at[:, None] + iu[None, :]).reshape(-1)])
        right.append(docs[(at[:, None] + ju[None, :]).reshape(-1)])
    big = sizes > max_all_pairs
    if big.any():
        at, size = starts[big], sizes[big]
        hub = np.repeat(docs[at], size - 1)
        offset = np.arange(int((size - 1).sum())) - np.repeat(np.cumsum(size - 1) - (size - 1), size - 1)
        left.append(hub)
        right.append(docs[np.repeat(at, size - 1) + 1 + offset])
    if not left:
        empty = np.empty(0, np.int64)
        return empty, empty
    a, b = np.concatenate(left), np.concatenate(right)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = (lo != hi) & (hi >= n_frozen)
    packed = np.sort((lo[keep].astype(np.uint64) << np.uint64(32)) | hi[keep].astype(np.uint64))
    packed = packed[np.concatenate(([True], packed[1:] != packed[:-1]))] if packed.size else packed
    return (packed >> np.uint64(32)).astype(np.int64), (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)


def estimated_similarity(signatures: np.ndarray, i: np.ndarray, j: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    """MinHash estimate of the Jaccard similarity of pairs (share of equal signature values)."""
    out = np.empty(len(i), np.float64)
    for c0 in range(0, len(i), chunk):
        c1 = min(len(i), c0 + chunk)
        out[c0:c1] = (signatures[i[c0:c1]] == signatures[j[c0:c1]]).mean(axis=1)
    return out
