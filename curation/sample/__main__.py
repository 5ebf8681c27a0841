"""``python -m curation.sample --out data/sample [--docs N] [--seed S]``: write the sample corpus."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from curation.sample.generator import generate_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m curation.sample", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("data/sample"), help="output root (default: data/sample)")
    parser.add_argument("--docs", type=int, default=None,
                        help="about how many input units (messages + tickets + manual sections); default: the small sample")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    args = parser.parse_args(argv)
    if args.docs is not None and args.docs < 1:
        parser.error("--docs must be positive")
    started = time.perf_counter()
    counts = generate_corpus(args.out, docs=args.docs, seed=args.seed)
    seconds = time.perf_counter() - started
    print(json.dumps({"out": str(args.out), "seconds": round(seconds, 2), **counts}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
