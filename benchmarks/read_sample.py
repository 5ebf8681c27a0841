"""Print random published examples for a hand read: 15 per kind (instruction, passage, conversation).

    python benchmarks/read_sample.py VERSIONS_DIR SEED [--per-kind 15]

Reads the newest version under VERSIONS_DIR (train, validation and test together), prints the counts
per kind and source, the question templates' shares, then per kind `--per-kind` random examples drawn
with `random.seed(SEED)`: an instruction's question and answer, a passage's or conversation's last
message (the first `--chars` characters, 220 by default, newlines shown as " | "). The judging is done by the reader.

    python benchmarks/read_sample.py VERSIONS_DIR SEED --conversations

draws `--per-kind` conversations per source kind (email, ticket) instead and prints every turn of each
(role, first 400 characters): issue 18's read of 15 conversations per source kind.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import polars as pl

KINDS = ("instruction", "passage", "conversation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("versions", type=Path)
    parser.add_argument("seed", type=int)
    parser.add_argument("--per-kind", type=int, default=15)
    parser.add_argument("--chars", type=int, default=220, help="characters of an answer to print (the same draw at any length)")
    parser.add_argument("--conversations", action="store_true", help="whole conversations, per source kind")
    args = parser.parse_args()
    versions = sorted((p for p in args.versions.iterdir() if (p / "manifest.json").exists()), key=lambda p: p.stat().st_mtime)
    version = versions[-1]
    frame = pl.concat([pl.read_parquet(version / f"{split}.parquet") for split in ("train", "validation", "test")])
    print(version.name)
    print(frame.group_by("kind", "source_kind").len().sort("len"))
    print(frame.filter(pl.col("kind") == "instruction")["template"].value_counts(normalize=True).sort("proportion", descending=True))
    random.seed(args.seed)
    if args.conversations:
        conversations = frame.filter(pl.col("kind") == "conversation")
        for source in sorted(set(conversations["source_kind"])):
            rows = conversations.filter(pl.col("source_kind") == source).sort("id").rows(named=True)
            print(f"\n== {source} conversations ({len(rows)})")
            for n, row in enumerate(random.sample(rows, min(args.per_kind, len(rows))), start=1):
                print(f"[{n}] {row['id']} {row['group_key']}")
                for message in row["messages"][1:]:  # the system prompt is the same for all
                    print(f"  {message['role']}: {message['content'][:400]}".replace("\n", " | "))
        return
    for kind in KINDS:
        rows = frame.filter(pl.col("kind") == kind).rows(named=True)
        print(f"\n== {kind} ({len(rows)})")
        for row in random.sample(rows, min(args.per_kind, len(rows))):
            messages = row["messages"]
            if kind == "instruction":
                print(row["language"], "Q:", messages[-2]["content"][:150].replace("\n", " | "))
            print("A:", messages[-1]["content"][:args.chars].replace("\n", " | "))
            print("--")


if __name__ == "__main__":
    main()
