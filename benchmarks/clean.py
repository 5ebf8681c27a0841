"""Cleaning throughput: documents/s of the clean step (unicode repair, reply/signature stripping,
PII redaction, quality filters) on a generated corpus of --docs units, plus the examples step.

    python benchmarks/clean.py --docs 100000 [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from common import ensure_corpus, machine, peak_rss_mb

from curation.company import SAMPLE_COMPANY
from curation.clean.pipeline import clean
from curation.examples.build import build_examples
from curation.ingest import ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=None, help="reuse a generated corpus folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-clean-"))
    corpus = args.corpus or ensure_corpus(args.docs, tmp / "corpus")
    ingest([corpus / "raw" / k for k in ("emails", "manuals", "tickets")], tmp / "ingest", progress=False)
    company = SAMPLE_COMPANY
    start = time.perf_counter()
    summary = clean(tmp / "ingest" / "documents.parquet", tmp / "clean", keep_addresses=company.support_addresses,
                    keep_terms=[company.name, *company.products, *company.keep_terms], staff_domains=company.domains)
    clean_s = time.perf_counter() - start
    start = time.perf_counter()
    examples = build_examples(tmp / "clean" / "documents.parquet", tmp / "examples", company)
    examples_s = time.perf_counter() - start
    documents = sum(summary.inputs.values())
    result = {
        "benchmark": "clean",
        "docs_requested": args.docs,
        "documents": documents,
        "clean_seconds": round(clean_s, 2),
        "clean_docs_per_s": round(documents / clean_s, 1),
        "examples_seconds": round(examples_s, 2),
        "examples_docs_per_s": round(documents / examples_s, 1),
        "examples": sum(examples.examples.values()),
        "dropped": summary.as_dict()["dropped"],
        "pii_redactions": summary.as_dict()["pii_redactions"],
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "machine": machine(),
    }
    print(json.dumps(result, indent=None if args.json else 2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
