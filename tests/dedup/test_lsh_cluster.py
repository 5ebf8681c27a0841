"""LSH banding, candidate pairs, exact Jaccard and the centre-based clustering."""

from __future__ import annotations

import numpy as np

from curation.dedup.cluster import ShingleSets, center_clusters, exact_jaccard
from curation.dedup.lsh import band_keys, candidate_pairs, estimated_similarity


def _pairs(i, j) -> set[tuple[int, int]]:
    return set(zip(i.tolist(), j.tolist(), strict=True))


def test_identical_signatures_share_buckets_and_groups_keep_kinds_apart():
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, (5, 128), dtype=np.uint64).astype(np.uint32)
    sig[1] = sig[0]
    sig[3] = sig[2]
    sig[4] = sig[0]
    groups = np.array([0, 0, 1, 1, 2], np.uint64)  # doc 4 is doc 0's text, but another kind
    assert _pairs(*candidate_pairs(band_keys(sig, 14, 9, groups))) == {(0, 1), (2, 3)}
    assert _pairs(*candidate_pairs(band_keys(sig, 14, 9))) == {(0, 1), (0, 4), (1, 4), (2, 3)}


def test_one_shared_band_is_enough():
    rng = np.random.default_rng(1)
    sig = rng.integers(0, 2**32, (2, 128), dtype=np.uint64).astype(np.uint32)
    sig[1, 18:27] = sig[0, 18:27]  # band 2 (rows 18..26) equal, the rest different
    assert _pairs(*candidate_pairs(band_keys(sig, 14, 9))) == {(0, 1)}
    assert estimated_similarity(sig, np.array([0]), np.array([1]))[0] == 9 / 128


def test_big_buckets_give_a_star_and_frozen_pairs_are_skipped():
    sig = np.zeros((30, 128), np.uint32)
    i, j = candidate_pairs(band_keys(sig, 14, 9), max_all_pairs=16)
    assert _pairs(i, j) == {(0, k) for k in range(1, 30)}
    small = np.zeros((4, 128), np.uint32)
    assert _pairs(*candidate_pairs(band_keys(small, 14, 9))) == {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
    # docs 0 and 1 are earlier (frozen): their pair is never proposed again
    assert _pairs(*candidate_pairs(band_keys(small, 14, 9), n_frozen=2)) == {(0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
    assert _pairs(*candidate_pairs(band_keys(small[:2], 14, 9), n_frozen=2)) == set()


def test_exact_jaccard_matches_python_sets():
    rng = np.random.default_rng(2)
    sets = [sorted(set(rng.integers(0, 60, rng.integers(0, 40)).tolist())) for _ in range(12)]
    shingle_sets = ShingleSets(np.array([x for s in sets for x in s], np.uint32), np.array([len(s) for s in sets], np.int64))
    i, j = np.triu_indices(12, 1)
    ours = exact_jaccard(shingle_sets, i, j)
    expected = [len(set(sets[a]) & set(sets[b])) / len(set(sets[a]) | set(sets[b])) if sets[a] or sets[b] else 0.0 for a, b in zip(i, j, strict=True)]
    np.testing.assert_allclose(ours, expected)


def _matrix_similarity(matrix):
    return lambda a, b: matrix[a, b]


def test_a_chain_is_cut_around_centres():
    # 0-1-2-3-4-5-6: only neighbours are similar
    n = 7
    sim = np.zeros((n, n))
    for k in range(n - 1):
        sim[k, k + 1] = sim[k + 1, k] = 0.8
    np.fill_diagonal(sim, 1.0)
    edges = (np.arange(n - 1), np.arange(1, n))
    clusters = center_clusters(n, edges, np.arange(n), np.zeros(n, bool), _matrix_similarity(sim), 0.7)
    survivor = np.where(clusters.survivor >= 0, clusters.survivor, np.arange(n))
    groups = {}
    for node, s in enumerate(survivor.tolist()):
        groups.setdefault(s, []).append(node)
    assert all(max(g) - min(g) <= 2 for g in groups.values())  # nobody more than two links from anyone in its cluster
    assert survivor[0] != survivor[n - 1]
    assert len(groups) >= 3
    for node in range(n):  # every member is directly similar to its centre
        if clusters.center[node] >= 0 and clusters.center[node] != node:
            assert sim[node, clusters.center[node]] >= 0.7


def test_survivor_is_the_lowest_priority_and_frozen_nodes_are_never_dropped():
    # a star: 0 is similar to 1, 2, 3; node 3 has the best priority
    sim = np.full((4, 4), 0.2)
    sim[0, 1:] = sim[1:, 0] = 0.9
    np.fill_diagonal(sim, 1.0)
    edges = (np.array([0, 0, 0]), np.array([1, 2, 3]))
    clusters = center_clusters(4, edges, np.array([3, 2, 1, 0]), np.zeros(4, bool), _matrix_similarity(sim), 0.7)
    assert clusters.survivor.tolist() == [3, 3, 3, 3] and clusters.center.tolist() == [0, 0, 0, 0]
    # two frozen nodes (earlier examples) around one centre: only the best one joins, the other stays kept
    frozen = np.array([False, True, True, False])
    clusters = center_clusters(4, edges, np.array([3, 1, 0, 2]), frozen, _matrix_similarity(sim), 0.7)
    assert clusters.survivor[2] == 2 and clusters.survivor[1] in (-1, 1)
    assert clusters.survivor[0] == 2 and clusters.survivor[3] == 2


def test_one_round_has_a_centre_per_group_of_a_long_component():
    # 20 stars (a centre and 5 leaves) in a row, each linked to the next through one pair of leaves that
    # are similar to each other but not to either centre: one component, twenty clusters
    groups, leaves = 20, 5
    size = groups * (leaves + 1)
    sim = np.full((size, size), 0.1)
    np.fill_diagonal(sim, 1.0)
    ei, ej = [], []
    for g in range(groups):
        c = g * (leaves + 1)
        for leaf in range(c + 1, c + leaves + 1):
            sim[c, leaf] = sim[leaf, c] = 0.9
            ei.append(c)
            ej.append(leaf)
        if g + 1 < groups:
            a, b = c + leaves, c + leaves + 2  # last leaf of this star, first leaf of the next
            sim[a, b] = sim[b, a] = 0.75
            ei.append(a)
            ej.append(b)
    clusters = center_clusters(size, (np.array(ei), np.array(ej)), np.arange(size), np.zeros(size, bool), _matrix_similarity(sim), 0.7)
    assert clusters.rounds == 1  # every centre found at once, not one per round
    assert clusters.center.tolist() == [g * (leaves + 1) for g in range(groups) for _ in range(leaves + 1)]
    assert clusters.survivor.tolist() == clusters.center.tolist()  # the centre has the lowest priority of its star


def test_a_neighbours_neighbour_joins_the_centre_whose_pair_lsh_missed():
    # centre 0 with neighbours 1, 2, 3; node 4 is linked only to 1, yet similar enough to 0 itself
    sim = np.full((5, 5), 0.2)
    np.fill_diagonal(sim, 1.0)
    for a, b, value in [(0, 1, 0.9), (0, 2, 0.9), (0, 3, 0.9), (1, 4, 0.9), (0, 4, 0.72)]:
        sim[a, b] = sim[b, a] = value
    edges = (np.array([0, 0, 0, 1]), np.array([1, 2, 3, 4]))
    clusters = center_clusters(5, edges, np.arange(5), np.zeros(5, bool), _matrix_similarity(sim), 0.7)
    assert clusters.center.tolist() == [0] * 5 and clusters.center_similarity[4] == 0.72
    # below the threshold it stays out (and, alone, in no cluster)
    sim[0, 4] = sim[4, 0] = 0.6
    clusters = center_clusters(5, edges, np.arange(5), np.zeros(5, bool), _matrix_similarity(sim), 0.7)
    assert clusters.center.tolist() == [0, 0, 0, 0, -1]
