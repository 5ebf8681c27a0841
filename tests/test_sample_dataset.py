"""The curated sample: valid examples, no planted PII left, and the A-45 procedure learnable
from every kind of source."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from curation import run
from schemas import Example
from tests.conftest import SAMPLE_ROOT
from tests.refresh_helpers import sample_config


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sample")
    config = sample_config(tmp)
    result = run.refresh(config, progress=False, gx_project_root=tmp)
    assert result.status == "published", result.validation.get("critical_failures")
    frame = pl.concat([pl.read_parquet(result.path / f"{s}.parquet") for s in ("train", "validation", "test")])
    return result, frame


def test_every_example_validates(published):
    _, frame = published
    for row in frame.iter_rows(named=True):
        Example.model_validate(row)


def test_no_planted_pii_survives(published):
    """No planted value is left in the examples made from the unit it was planted in. (Elsewhere a
    surrogate may be any name: Faker's lists hold the sample's customers' names too.)"""
    result, frame = published
    truth = json.loads((SAMPLE_ROOT / "ground_truth.json").read_text())
    company = truth["company"]
    staff = {a["name"] for a in company.get("agents", [])}
    texts = {row["id"]: "\n".join(m["content"] for m in row["messages"]) for row in frame.iter_rows(named=True)}
    kept = pl.read_parquet(result.path / "ledger.parquet").filter((pl.col("stage") == "validate") & (pl.col("outcome") == "kept"))
    records: dict[tuple[str, str], list[str]] = {}
    for path, locator, record in kept.select("path", "locator", "record_id").iter_rows():
        records.setdefault((path, locator), []).append(record)
    leaked, checked = [], 0
    for item in truth["pii"]:
        value = item["value"]
        if item["type"] == "PERSON" and (value in staff or len(value) < 3):
            continue
        for record in records.get((item["unit"]["path"], item["unit"]["locator"]), []):
            checked += 1
            if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", texts[record]):
                leaked.append((item["type"], value, record))
    assert checked > 200, "the planted values' units are found in the version"
    assert leaked == []


def test_a45_reset_is_taught_by_every_source_kind(published):
    _, frame = published
    train = frame.filter(pl.col("split") == "train")
    kinds = set()
    for row in train.iter_rows(named=True):
        answer = " ".join(m["content"] for m in row["messages"] if m["role"] == "assistant").lower()
        if "blue button" in answer and "10 seconds" in answer and "flashes green" in answer and "a-45" in answer.replace("\n", " "):
            kinds.add(row["source_kind"])
    assert kinds == {"email", "manual", "ticket"}


def test_manual_answers_cite_the_page(published):
    _, frame = published
    cited = [m["content"] for messages in frame.filter(pl.col("kind") == "instruction")["messages"].to_list() for m in messages
             if m["role"] == "assistant" and "Resetting the SuperWidget" in m["content"]]
    assert cited and all("A-45 SuperWidget User Manual, page 12" in c for c in cited)


def test_internal_notes_never_reach_training_text(published):
    _, frame = published
    truth = json.loads((SAMPLE_ROOT / "ground_truth.json").read_text())
    text = json.dumps(frame["messages"].to_list())
    markers = [note["marker"] for note in truth.get("internal_notes", [])]
    assert markers and not [m for m in markers if m in text]


def test_ticket_description_is_not_repeated_by_its_first_comment(published):
    """Zendesk exports repeat the description as the first public comment; one user turn remains."""
    _, frame = published
    doubled = []
    for row in frame.filter(pl.col("source_kind") == "ticket").iter_rows(named=True):
        for message in row["messages"]:
            paragraphs = [p.strip() for p in message["content"].split("\n\n") if len(p.strip()) > 40]
            if len(paragraphs) != len(set(paragraphs)):
                doubled.append(row["id"])
    assert doubled == []
