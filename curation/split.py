"""Split: group-aware, hash-stable train / validation / test assignment, plus decontamination.

A group's split depends only on its key and a salt, so a nightly refresh never moves an existing
example between train and held-out, whatever else was added. Every source kind is split by the
same rule, so each is represented in each split in proportion (stratified in expectation).

Dedup keeps one survivor per cluster, but two clusters' survivors can still be near-duplicates of
each other (a cluster's survivor is its longest member, not its centre) and LSH misses a few pairs
near the threshold; when such a pair lands on both sides of the split, the training example is
dropped (`near_heldout`, naming its held-out twin), so held-out sets stay stable and leak-free.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
from pydantic import Field, model_validator

from curation.base import StepConfig
from schemas.frames import LEDGER_SCHEMA, read_survivors, sink_atomic

STAGE = "split"
SPLITS = ("train", "validation", "test")
_WORD = re.compile(r"\w+")


class SplitConfig(StepConfig):
    ratios: dict[str, float] = Field(default={"train": 0.9, "validation": 0.05, "test": 0.05})
    salt: str = "v1"
    decontaminate_against: list[str] = Field(
        default=["data/sample/eval/heldout_questions.jsonl", "data/sample/eval/test_questions.jsonl", "data/sample/eval/out_of_scope.jsonl"],
        description="JSONL/JSON/text files of evaluation questions; training examples sharing an n-gram with them are dropped",
    )
    decontamination_ngram: int = Field(default=8, ge=3)

    @model_validator(mode="after")
    def _ratios_cover_the_splits(self) -> "SplitConfig":
        if set(self.ratios) != set(SPLITS) or abs(sum(self.ratios.values()) - 1.0) > 1e-9 or min(self.ratios.values()) < 0:
            raise ValueError(f"ratios must give {SPLITS} shares that sum to 1, got {self.ratios}")
        return self


def group_position(group_key: str, salt: str) -> float:
    """A stable number in [0, 1) for a group."""
    digest = hashlib.sha256(f"{salt}\x1f{group_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(group_key: str, config: SplitConfig) -> str:
    position = group_position(group_key, config.salt)
    edge = 0.0
    for name in SPLITS:
        edge += config.ratios[name]
        if position < edge:
            return name
    return SPLITS[-1]


def assign_splits(examples: pl.DataFrame, config: SplitConfig) -> pl.DataFrame:
    groups = examples.select("group_key").unique()
    mapping = groups.with_columns(split=pl.col("group_key").map_elements(lambda k: split_of(k, config), return_dtype=pl.String))
    return examples.drop("split", strict=False).join(mapping, on="group_key", how="left")


def _eval_texts(path: Path) -> list[str]:
    if not path.is_file():
        raise FileNotFoundError(f"decontamination file not found: {path} (split.decontaminate_against)")
    texts: list[str] = []
    if path.suffix in {".jsonl", ".json"}:
        lines = path.read_text(encoding="utf-8").splitlines() if path.suffix == ".jsonl" else [json.dumps(r) for r in json.loads(path.read_text())]
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            if isinstance(record, dict):
                texts += [record[key] for key in ("question", "prompt", "text") if isinstance(record.get(key), str)]
                for message in record.get("messages", []) or []:
                    if message.get("role") == "user":
                        texts.append(message.get("content", ""))
    else:
        texts = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return {tuple(words)} if len(words) >= 3 else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def contaminated(examples: pl.DataFrame, eval_files: list[Path], n: int, *, cache_dir: Path | None = None) -> dict[str, str]:
    """Example id -> the evaluation text it overlaps (an n-gram shared with an eval question).

    With `cache_dir`, the verdict of every example is kept there under the hash of the evaluation texts and n
    (an example id is the hash of its content, so its verdict never changes): a refresh checks only the
    examples it has not seen, and the file is rewritten with this call's examples (bounded by the dataset)."""
    texts = [text for path in eval_files for text in _eval_texts(path)]
    index: dict[tuple[str, ...], str] = {}
    for text in texts:
        for gram in _ngrams(text, n):
            index.setdefault(gram, text)
    if not index:
        return {}
    cache = cache_dir / f"contamination-{hashlib.sha256(json.dumps([n, texts]).encode()).hexdigest()[:16]}.parquet" if cache_dir else None
    todo, known = examples, None
    if cache is not None and cache.exists():
        known = pl.read_parquet(cache).join(examples.select("id"), on="id", how="semi")
        todo = examples.join(known.select("id"), on="id", how="anti")
    found: dict[str, str] = {}
    for row in todo.select("id", "messages").iter_rows(named=True):
        content = "\n".join(m["content"] for m in row["messages"] if m["role"] == "user")
        words = _WORD.findall(content.lower())
        for i in range(max(len(words) - n + 1, 1)):
            gram = tuple(words[i : i + n])
            if gram in index:
                found[row["id"]] = index[gram]
                break
    checked = pl.DataFrame({"id": todo.get_column("id"), "hit": [found.get(i) for i in todo.get_column("id").to_list()]},
                           schema={"id": pl.String, "hit": pl.String})
    verdicts = pl.concat([known, checked]) if known is not None else checked
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        sink_atomic(verdicts.unique("id", maintain_order=True).lazy(), cache)
        for old in cache.parent.glob("contamination-*.parquet"):  # other eval texts' verdicts are of no further use
            if old != cache:
                old.unlink()
    hits = verdicts.filter(pl.col("hit").is_not_null())
    return dict(zip(hits.get_column("id").to_list(), hits.get_column("hit").to_list()))


NearPairs = Callable[[pl.DataFrame], list[dict]]  # examples with a split -> [{"heldout", "train", "jaccard"}]


def split_examples(examples_path: Path, out_dir: Path, config: SplitConfig | None = None, *, survivors: Path | None = None,
                   base_dir: Path = Path("."), near_pairs: NearPairs | None = None) -> dict:
    """Examples (the rows of `survivors`, dedup's selection, when given) -> out_dir/examples.parquet
    with a `split` column, and the stage's ledger. `near_pairs` finds held-out/train near-duplicates
    (the same measure validation's leakage check uses); their training sides are dropped."""
    config = config or SplitConfig()
    out_dir.mkdir(parents=True, exist_ok=True)
    examples = read_survivors(examples_path, survivors) if survivors is not None else pl.read_parquet(examples_path)
    hits = contaminated(examples, [base_dir / p if not Path(p).is_absolute() else Path(p) for p in config.decontaminate_against],
                        config.decontamination_ngram, cache_dir=out_dir / "cache")
    examples = assign_splits(examples, config)
    twins = {}
    if near_pairs is not None:
        candidates = examples.filter(~pl.col("id").is_in(list(hits)))
        while found := [pair for pair in near_pairs(candidates) if pair["train"] not in twins]:
            # again without the training sides just found: LSH buckets shrink, and a pair they hid can surface
            # (validation's leakage check looks at the rows that are left)
            for pair in found:
                twins.setdefault(pair["train"], pair)
            candidates = candidates.filter(~pl.col("id").is_in(list(twins)))
    removed = [*hits, *twins]
    kept = examples.filter(~pl.col("id").is_in(removed))
    dropped = pl.DataFrame(
        [{"id": i, "reason": "contaminated", "detail": f"{i} overlaps eval text: {text[:120]}"} for i, text in hits.items()]
        + [{"id": i, "reason": "near_heldout", "detail": f"{i} is a near-duplicate (Jaccard {twin['jaccard']}) of held-out {twin['heldout']}"}
           for i, twin in twins.items()],
        schema={"id": pl.String, "reason": pl.String, "detail": pl.String})
    ledger = (  # a row per source document of each example: kept in its split, or dropped with the reason
        examples.select("id", "source_document_ids", "source_kind", "split").join(dropped, on="id", how="left", maintain_order="left")
        .explode("source_document_ids").filter(pl.col("source_document_ids").is_not_null())
        .select(unit_id="source_document_ids", stage=pl.lit(STAGE),
                outcome=pl.when(pl.col("reason").is_null()).then(pl.lit("kept")).otherwise(pl.lit("dropped")),
                reason=pl.col("reason").fill_null(""), detail=pl.coalesce("detail", "split"), source_kind="source_kind",
                path=pl.lit(""), locator=pl.lit(""), record_id="id")
        .select(list(LEDGER_SCHEMA)).cast(dict(LEDGER_SCHEMA))
    )
    # in the input's order (documents, then units): new documents come last (ingest keeps its groups' order), so
    # validate's content-defined record shards change at the end and not throughout (a version's files sort by id)
    kept.write_parquet(out_dir / "examples.parquet")
    ledger.write_parquet(out_dir / "ledger.parquet")
    summary = {
        "in": examples.height,
        "contaminated": len(hits),
        "near_heldout": len(twins),
        "by_split": dict(kept.group_by("split").len().sort("split").iter_rows()),
        "by_source_and_split": {f"{k}/{s}": n for k, s, n in kept.group_by("source_kind", "split").len().sort("source_kind", "split").iter_rows()},
    }
    (out_dir / "split_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
