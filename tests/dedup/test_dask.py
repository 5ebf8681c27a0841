"""Sharded signature computation on a local Dask cluster gives exactly the single-process result."""

from __future__ import annotations

import polars as pl
import pytest

from curation.dedup import DedupConfig, dedup
from curation.dedup.pipeline import read_signatures
from tests.dedup.test_pipeline import edited, example, words, write_examples

distributed = pytest.importorskip("distributed")


def _corpus() -> list[dict]:
    rows = []
    for k in range(12):
        base = words(200 + k, 80)
        rows.append(example(base, tag=f"b{k}", days=k))
        for copy in range(k % 3):
            rows.append(example(edited(base, [5 + 11 * copy, 40 + copy]), tag=f"b{k}c{copy}", days=k + copy))
        if k % 4 == 0:
            rows.append(example(base, docs=[f"doc_b{k}_again"]))
    rows.append(example(words(999, 80), kind="passage", tag="p"))
    return rows


def _frames(out) -> dict[str, pl.DataFrame]:
    frames = {name: pl.read_parquet(out / f"{name}.parquet") for name in ("survivors", "clusters", "ledger")}
    return frames | {"signatures": read_signatures(out / "signatures.parquet")}


def test_dask_map_gives_the_single_process_result(tmp_path):
    path = write_examples(tmp_path / "in", _corpus())
    single = dedup(path, tmp_path / "single", DedupConfig(num_shards=1))

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        def dask_map(fn, shards):
            return client.gather(client.map(fn, list(shards), pure=False))

        sharded = dedup(path, tmp_path / "dask", DedupConfig(num_shards=5, batch_size=4), map_fn=dask_map)

    assert single.dropped == sharded.dropped and single.dropped["near_duplicate"] > 0
    ours, theirs = _frames(tmp_path / "single"), _frames(tmp_path / "dask")
    for name in ours:
        assert ours[name].equals(theirs[name]), name
