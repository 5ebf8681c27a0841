"""Dedup: exact (same example id) then MinHash LSH near-duplicates, one survivor per cluster.

``dedup(examples_path, out_dir, config)`` reads the examples step's ``examples.parquet`` and writes
the surviving examples, ``clusters.parquet``, a ledger (``exact_duplicate`` / ``near_duplicate``
with the survivor named), ``signatures.parquet`` (for the next, incremental, run) and
``dedup_summary.json``. Signatures are computed in vectorised batches, bit-identical to
``datasketch.MinHash``; see :mod:`curation.dedup.minhash`, :mod:`curation.dedup.lsh`,
:mod:`curation.dedup.cluster` and :mod:`curation.dedup.pipeline`.
"""

from curation.dedup.config import DedupConfig

__all__ = ["DROP_REASONS", "STAGE", "DedupConfig", "DedupSummary", "dedup"]


def __getattr__(name: str):
    # the pipeline is imported on first use: curation.config imports DedupConfig from here, and the
    # pipeline imports the examples step, which imports curation.config
    if name in {"DROP_REASONS", "STAGE", "DedupSummary", "dedup"}:
        from curation.dedup import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
