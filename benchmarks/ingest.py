"""Ingest throughput: units/s and peak RSS on a generated corpus of --docs units.

    python benchmarks/ingest.py --docs 100000 [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from common import REPO, ensure_corpus, machine, peak_rss_mb

from curation.ingest import ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=None, help="reuse a corpus folder (default: generate into a temp dir)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    corpus = args.corpus or ensure_corpus(args.docs, tmp / "corpus")
    out = tmp / "out"
    start = time.perf_counter()
    summary = ingest([corpus / "raw" / k for k in ("emails", "manuals", "tickets")], out, progress=False)
    seconds = time.perf_counter() - start
    units = sum(summary.units.values())
    result = {
        "benchmark": "ingest",
        "docs_requested": args.docs,
        "units": units,
        "documents": sum(summary.documents.values()),
        "seconds": round(seconds, 2),
        "units_per_s": round(units / seconds, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": machine(),
        "per_source": summary.as_dict(),
    }
    print(json.dumps(result, indent=None if args.json else 2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
