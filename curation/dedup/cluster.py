"""Exact Jaccard of candidate pairs and centre-based clustering with a policy survivor.

Connected components of the similarity graph alone chain weak matches: A~B, B~C, C~D ... put A and
the far end of the chain in one cluster however little they share. Here the graph only proposes
work, in rounds. A node ranked first (most similar neighbours, then survivor priority) among all
nodes within two links of it becomes a centre; centres are thus at least three links apart, and
one round has many of them, so a large component of templated mail is not resolved one centre per
round (that made clustering quadratic: 302 rounds and 17.7M comparisons for 500k examples). Every
node within two links of a centre is compared with the centre itself (a neighbour's neighbour is
often a near-duplicate whose pair LSH missed) and joins its most similar centre at or above the
threshold. Centres and the nodes that joined are settled; the rest (and their edges among
themselves) go round again. Every member of a cluster is thus a near-duplicate of its centre, so
any two members are at most two hops apart (by the Jaccard triangle inequality their similarity is
at least ``2 * threshold - 1``) and a chain is cut into clusters around centres. The survivor of a
cluster is its best member by the survivor policy (earlier, already published examples first); it
need not be the centre.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

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
    """Per node (-1 / nan when the node is in no cluster of two or more)."""

    survivor: np.ndarray  # the cluster's survivor (itself for a survivor)
    center: np.ndarray  # the member it was matched to
    center_similarity: np.ndarray  # its similarity to the centre
    rounds: int


def _first_per_label(label: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Index of the first element of each label when sorted by keys (last key most significant before label)."""
    order = np.lexsort((*keys, label))
    return order[np.concatenate(([True], label[order][1:] != label[order][:-1]))]


def _ranked_first_within_two(nodes: np.ndarray, li: np.ndarray, lj: np.ndarray, priority: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local indices of the nodes ranked first among every node within two links (the round's centres), and the ranks.

    Rank: most neighbours first, then the lowest priority, then the node number, so it is a total order
    and the best node of each component is always a centre.
    """
    degree = np.bincount(np.concatenate([li, lj]), minlength=len(nodes))
    rank = np.empty(len(nodes), np.int64)
    rank[np.lexsort((nodes, priority[nodes], -degree))] = np.arange(len(nodes))
    within_one = rank.copy()
    np.minimum.at(within_one, li, rank[lj])
    np.minimum.at(within_one, lj, rank[li])
    within_two = within_one.copy()
    np.minimum.at(within_two, li, within_one[lj])
    np.minimum.at(within_two, lj, within_one[li])
    return np.flatnonzero(rank == within_two), rank


def center_clusters(
    n_nodes: int,
    edges: tuple[np.ndarray, np.ndarray],
    priority: np.ndarray,
    frozen: np.ndarray,
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray],
    threshold: float,
    center_only: np.ndarray | None = None,
) -> Clusters:
    """Cluster the nodes of a similarity graph around centres; the lowest `priority` member survives.

    `frozen` nodes (earlier, already published examples) are never dropped: a cluster holds at most
    one of them, and then it is the survivor. `center_only` nodes join a cluster only as its centre.
    `similarity(a, b)` is the similarity of pairs.
    """
    survivor = np.full(n_nodes, -1, np.int64)
    center = np.full(n_nodes, -1, np.int64)
    center_sim = np.full(n_nodes, np.nan)
    resolved = np.zeros(n_nodes, bool)
    ei, ej = (np.asarray(e, np.int64) for e in edges)
    rounds = 0
    while ei.size:
        rounds += 1
        nodes = np.unique(np.concatenate([ei, ej]))
        li, lj = np.searchsorted(nodes, ei), np.searchsorted(nodes, ej)
        hubs, rank = _ranked_first_within_two(nodes, li, lj, priority)
        # every node within two links of a centre, paired with it (centres are >= 3 links apart)
        adjacency = csr_matrix((np.ones(2 * len(li), np.float32), (np.concatenate([li, lj]), np.concatenate([lj, li]))),
                               shape=(len(nodes), len(nodes)))
        near = adjacency[hubs]
        reach = (near + near @ adjacency).tocoo()
        pair_hub, pair_member = hubs[reach.row], reach.col
        off_diagonal = pair_member != pair_hub
        targets, members = nodes[pair_hub[off_diagonal]], nodes[pair_member[off_diagonal]]
        hub_rank = rank[pair_hub[off_diagonal]]
        values = similarity(members, targets)
        join = values >= threshold
        if center_only is not None:
            join &= ~center_only[members]
        # at most one frozen node per cluster: a frozen centre admits none, else the best frozen member
        frozen_join = np.flatnonzero(join & frozen[members])
        if frozen_join.size:
            allowed = frozen_join[~frozen[targets[frozen_join]]]
            best = np.zeros(len(members), bool)
            if allowed.size:
                best[allowed[_first_per_label(targets[allowed], priority[members[allowed]])]] = True
            join &= ~frozen[members] | best
        # a node within reach of several centres joins the most similar (ties: the better-ranked centre)
        joining = np.flatnonzero(join)
        joining = joining[_first_per_label(members[joining], hub_rank[joining], -values[joining])]
        members, targets, values = members[joining], targets[joining], values[joining]
        centres = np.unique(targets)
        in_cluster = np.concatenate([members, centres])
        cluster_of = np.concatenate([targets, centres])  # keyed by centre
        center[in_cluster] = cluster_of
        center_sim[members] = values
        center_sim[centres] = 1.0
        # survivor: the lowest priority in each centre's cluster
        if in_cluster.size:
            first = _first_per_label(cluster_of, priority[in_cluster])
            best_of = np.empty(n_nodes, np.int64)
            best_of[cluster_of[first]] = in_cluster[first]
            survivor[in_cluster] = best_of[cluster_of]
        resolved[nodes[hubs]] = True
        resolved[members] = True
        keep = ~resolved[ei] & ~resolved[ej]
        ei, ej = ei[keep], ej[keep]
    return Clusters(survivor=survivor, center=center, center_similarity=center_sim, rounds=rounds)
