"""Exact Jaccard of candidate pairs and survivor-centred clustering.

Connected components of the similarity graph alone would chain weak matches: A~B and B~C put A and
C in one cluster even when A and C share little. Here a component only proposes a cluster: its best
member by the survivor policy becomes the survivor, every other member is compared with the
survivor itself, and only members at or above the threshold join it. The rest (and their edges
among themselves) go round again, so every dropped example is a near-duplicate of the very example
that is kept in its place, and a chain is cut into clusters around the kept ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_PAIR_BUDGET = 4_000_000  # shingles of both sides per exact-Jaccard chunk


@dataclass(frozen=True)
class ShingleSets:
    """Sorted distinct shingle hashes of some documents, flat: document k is flat[offsets[k]:offsets[k+1]]."""

    flat: np.ndarray
    sizes: np.ndarray

    @property
    def offsets(self) -> np.ndarray:
        out = np.zeros(len(self.sizes) + 1, np.int64)
        np.cumsum(self.sizes, out=out[1:])
        return out


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + l) for each (s, l)."""
    total = int(lengths.sum())
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total, dtype=np.int64) + shift


def exact_jaccard(sets: ShingleSets, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of pairs (i[k], j[k]) (indices into `sets`)."""
    out = np.zeros(len(i), np.float64)
    if not len(i):
        return out
    offsets, sizes = sets.offsets, sets.sizes
    cost = np.cumsum(sizes[i] + sizes[j])
    start = 0
    while start < len(i):
        base = cost[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(cost, base + _PAIR_BUDGET, side="right")))
        a, b = i[start:stop], j[start:stop]
        k = np.arange(stop - start, dtype=np.uint64)
        keys = np.concatenate([
            (np.repeat(k, sizes[a]) << np.uint64(32)) | sets.flat[_ranges(offsets[a], sizes[a])].astype(np.uint64),
            (np.repeat(k, sizes[b]) << np.uint64(32)) | sets.flat[_ranges(offsets[b], sizes[b])].astype(np.uint64),
        ])
        keys.sort()
        both = keys[1:][keys[1:] == keys[:-1]]
        inter = np.bincount((both >> np.uint64(32)).astype(np.int64), minlength=stop - start)
        union = sizes[a] + sizes[b] - inter
        out[start:stop] = np.divide(inter, union, out=np.zeros(stop - start), where=union > 0)
        start = stop
    return out


@dataclass(frozen=True)
class Clusters:
    """Per node: the survivor it was merged into (itself for a cluster's survivor, -1 when in no cluster) and the similarity."""

    survivor: np.ndarray
    similarity: np.ndarray
    rounds: int


def survivor_clusters(
    n_nodes: int,
    edges: tuple[np.ndarray, np.ndarray],
    priority: np.ndarray,
    frozen: np.ndarray,
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray],
    threshold: float,
) -> Clusters:
    """Cluster the nodes of a similarity graph around survivors (lowest `priority` first).

    `frozen` nodes (earlier, already published examples) are never merged into another node;
    `similarity(members, survivors)` gives the similarity of each member to its proposed survivor.
    """
    survivor = np.full(n_nodes, -1, np.int64)
    sim = np.full(n_nodes, np.nan)
    resolved = np.zeros(n_nodes, bool)
    ei, ej = (np.asarray(e, np.int64) for e in edges)
    rounds = 0
    while ei.size:
        rounds += 1
        nodes = np.unique(np.concatenate([ei, ej]))
        li, lj = np.searchsorted(nodes, ei), np.searchsorted(nodes, ej)
        graph = coo_matrix((np.ones(len(li), np.int8), (li, lj)), shape=(len(nodes), len(nodes)))
        n_comp, label = connected_components(graph, directed=False)
        order = np.lexsort((priority[nodes], label))
        firsts = order[np.concatenate(([True], label[order][1:] != label[order][:-1]))]
        best = np.empty(n_comp, np.int64)
        best[label[firsts]] = nodes[firsts]
        proposed = best[label]
        is_member = (nodes != proposed) & ~frozen[nodes]
        members, targets = nodes[is_member], proposed[is_member]
        values = similarity(members, targets)
        join = values >= threshold
        survivor[members[join]] = targets[join]
        sim[members[join]] = values[join]
        leaders = np.unique(targets[join])
        survivor[leaders] = leaders
        sim[leaders] = 1.0
        resolved[best] = True
        resolved[members[join]] = True
        keep = ~resolved[ei] & ~resolved[ej]
        ei, ej = ei[keep], ej[keep]
    return Clusters(survivor=survivor, similarity=sim, rounds=rounds)
