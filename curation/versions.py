"""Content-addressed dataset versions under data/versions/<id>/, written atomically.

Version id = hash of (sorted example ids + their splits, schema version, curation config hash).
Same inputs and config give the same id; an id that already exists is "unchanged" and nothing is
written or announced. A version is built in a temporary folder and renamed into place, so a killed
refresh leaves no partial version (stale temporary folders are removed by the next run).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import orjson
import polars as pl

from curation.faults import fault_point
from curation.files import link_or_copy
from schemas import SCHEMA_VERSION

SPLITS = ("train", "validation", "test")
FAILED_DIR = "_failed"


@dataclass(frozen=True)
class PublishResult:
    version_id: str
    status: Literal["published", "unchanged", "failed"]
    path: Path
    parent: str | None = None

    @property
    def is_new(self) -> bool:
        return self.status == "published"


def version_id(examples: pl.DataFrame, config_hash: str) -> str:
    pairs = sorted(zip(examples["id"].to_list(), examples["split"].to_list()))
    payload = json.dumps({"examples": pairs, "schema": SCHEMA_VERSION, "config": config_hash}, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def list_versions(root: Path) -> list[dict]:
    """Manifests of the published versions, oldest first."""
    if not root.exists():
        return []
    manifests = []
    for path in root.glob("*/manifest.json"):
        if path.parent.name.startswith((".", "_")):
            continue
        manifests.append(json.loads(path.read_text()))
    return sorted(manifests, key=lambda m: (m["created_at"], m["version_id"]))


def latest_version(root: Path) -> str | None:
    versions = list_versions(root)
    return versions[-1]["version_id"] if versions else None


def resolve_version(root: Path, prefix: str | None) -> Path:
    """A version folder from a full id, a unique prefix, or None / 'latest' for the newest."""
    if prefix in (None, "", "latest"):
        latest = latest_version(root)
        if latest is None:
            raise FileNotFoundError(f"no published version under {root}")
        return root / latest
    matches = [m["version_id"] for m in list_versions(root) if m["version_id"].startswith(prefix)]
    if len(matches) != 1:
        raise FileNotFoundError(f"{prefix!r} matches {len(matches)} published versions under {root}")
    return root / matches[0]


def read_split_ids(version_dir: Path) -> pl.DataFrame:
    frames = [pl.read_parquet(version_dir / f"{s}.parquet", columns=["id", "split", "source_kind", "group_key"]) for s in SPLITS if (version_dir / f"{s}.parquet").exists()]
    return pl.concat(frames) if frames else pl.DataFrame(schema={"id": pl.String, "split": pl.String, "source_kind": pl.String, "group_key": pl.String})


def diff(old_dir: Path | None, new: pl.DataFrame) -> dict:
    """Added / removed example ids, and ids whose split changed (never expected)."""
    old = read_split_ids(old_dir) if old_dir else pl.DataFrame(schema={"id": pl.String, "split": pl.String})
    old_ids, new_ids = set(old["id"].to_list()), set(new["id"].to_list())
    moved = old.join(new.select("id", pl.col("split").alias("new_split")), on="id").filter(pl.col("split") != pl.col("new_split"))
    added, removed = sorted(new_ids - old_ids), sorted(old_ids - new_ids)
    return {"added": added, "removed": removed, "moved_between_splits": sorted(moved["id"].to_list()),
            "counts": {"added": len(added), "removed": len(removed), "unchanged": len(new_ids & old_ids), "moved": moved.height}}


def _clear_stale_temporaries(root: Path) -> None:
    for tmp in root.glob(".tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        alive = pid.isdigit() and Path(f"/proc/{pid}").exists() and int(pid) != os.getpid()
        if not alive:
            shutil.rmtree(tmp, ignore_errors=True)


def openai_messages(messages: list[dict], context_turns: int) -> list[dict]:
    """The messages in OpenAI's fine-tuning format: an assistant turn of the context (history an earlier window
    trained on) carries "weight": 0, which that format reads as "shown, not trained on"."""
    first_trained = context_turns + (1 if messages and messages[0]["role"] == "system" else 0)
    return [m | {"weight": 0} if m["role"] == "assistant" and i < first_trained else m for i, m in enumerate(messages)]


def write_version_files(target: Path, examples: pl.DataFrame) -> None:
    """Parquet, OpenAI-style JSONL per split, and a Hugging Face DatasetDict."""
    from datasets import Dataset, DatasetDict, disable_progress_bars

    disable_progress_bars()

    columns = ["id", "messages", "kind", "source_kind", "source_document_ids", "group_key", "language", "template", "context_turns", "split"]
    # language, template and context_turns are optional in the record contract (schemas.Example defaults them)
    examples = examples.with_columns(pl.lit("").alias(c) for c in ("language", "template") if c not in examples.columns)
    examples = examples.with_columns(pl.col("context_turns").fill_null(0) if "context_turns" in examples.columns else pl.lit(0, pl.Int64).alias("context_turns"))
    splits = {}
    for split in SPLITS:
        part = examples.filter(pl.col("split") == split).select(columns).sort("id")
        part.write_parquet(target / f"{split}.parquet")
        with (target / f"{split}.jsonl").open("wb") as fh:  # UTF-8, one compact JSON object per line
            for messages, context in zip(part["messages"].to_list(), part["context_turns"].to_list()):
                fh.write(orjson.dumps({"messages": openai_messages(messages, context)}) + b"\n")
        splits[split] = Dataset.from_polars(part) if hasattr(Dataset, "from_polars") else Dataset.from_pandas(part.to_pandas(), preserve_index=False)
    DatasetDict(splits).save_to_disk(str(target / "hf"))


def publish(
    root: Path,
    examples: pl.DataFrame,
    *,
    dataset_files: Path,
    config_hash: str,
    manifest: dict,
    artifacts: dict[str, Path],
    validation_passed: bool,
    validation_report: dict,
) -> PublishResult:
    """Publish a validated version atomically, or record a failed one; never overwrite an existing id.

    `dataset_files` is the folder of split files (see write_version_files) that validation checked:
    those very files are published, not a second rendering of `examples`.
    """
    root.mkdir(parents=True, exist_ok=True)
    _clear_stale_temporaries(root)
    vid = version_id(examples, config_hash)
    target = root / vid
    parent = latest_version(root)
    if not validation_passed:
        failed = root / FAILED_DIR / vid
        failed.mkdir(parents=True, exist_ok=True)
        report = {**manifest, "version_id": vid, "status": "failed", "parent": parent,
                  "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "validation": validation_report}
        (failed / "manifest.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        return PublishResult(vid, "failed", failed, parent)
    if target.exists():
        return PublishResult(vid, "unchanged", target, parent)
    tmp = root / f".tmp-{vid}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for path in dataset_files.iterdir():
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, tmp / path.name)
    for name, path in artifacts.items():
        if path.is_dir():  # signatures.parquet: immutable parts (never rewritten in place), shared by hard links
            shutil.copytree(path, tmp / name, copy_function=link_or_copy)
        elif path.exists():
            shutil.copy2(path, tmp / name)
    parent_dir = root / parent if parent else None
    full_manifest = {
        "version_id": vid,
        "name": manifest.get("name"),
        "status": "published",
        "parent": parent,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "schema_version": SCHEMA_VERSION,
        "config_hash": config_hash,
        **{k: v for k, v in manifest.items() if k not in {"name"}},
        "validation": validation_report,
        "diff": diff(parent_dir, examples.select("id", "split")),
        "files": sorted(p.name for p in tmp.iterdir()) + ["manifest.json"],
    }
    (tmp / "manifest.json").write_text(json.dumps(full_manifest, indent=2, default=str) + "\n")
    fault_point("publish:rename")
    os.replace(tmp, target)  # atomic on one filesystem: the version appears complete or not at all
    return PublishResult(vid, "published", target, parent)
