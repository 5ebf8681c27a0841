"""The evaluation's question sets: dev and test product questions, out-of-scope questions.

The product questions come in two files with the same facts asked in different words. *Dev*
(`heldout_questions`, the file the sample generator writes) is what settings were tuned on, round
after round, so its numbers flatter; *test* (`test_questions`) holds new phrasings nobody tuned on
and is what `curate eval` reports by default (`eval_split`). A row's split is its file: adding rows
to one file never moves a row of the other.

Paths that are not absolute resolve against the project root, where the bundled sample's files
are (the pipeline config resolves the paths it sets against its own folder before they get here).
"""

from __future__ import annotations

import json
from pathlib import Path

from schemas.training import TrainConfig

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SPLITS = ("dev", "test")
# facts of one product + topic, the same whichever file and phrasing asks for them
_SHARED_FACTS = ("reference_answer", "key_facts", "manual_page", "manual_section")


def resolve_input(path: str | Path) -> Path:
    """An evaluation input file: absolute as given, relative against the project root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSON Lines file; a missing file is an empty set (a corpus without that set)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def question_file(config: TrainConfig, split: str) -> Path:
    if split not in SPLITS:
        raise ValueError(f"unknown question split {split!r} (expected one of {SPLITS})")
    return resolve_input(config.heldout_questions if split == "dev" else config.test_questions)


def _fill_shared_facts(rows: list[dict], others: list[dict]) -> list[dict]:
    """Rows with the facts they lack taken from a row of the same product and topic.

    The generator's dev file names the manual page but not the section; the test file names both.
    A dev question's citation is judged against the same section as the test question's.
    """
    known: dict[tuple, dict] = {}
    for row in others + rows:
        facts = known.setdefault((row.get("product"), row.get("topic")), {})
        for key in _SHARED_FACTS:
            if row.get(key) is not None:
                facts.setdefault(key, row[key])
    filled = []
    for row in rows:
        facts = known.get((row.get("product"), row.get("topic")), {})
        filled.append({**row, **{key: value for key, value in facts.items() if row.get(key) is None}})
    return filled


def load_split(config: TrainConfig, split: str, limit: int | None = None) -> list[dict]:
    """The product questions of one split, each row tagged with its `split`."""
    other = "test" if split == "dev" else "dev"
    rows = _fill_shared_facts(read_jsonl(question_file(config, split)), read_jsonl(question_file(config, other)))
    rows = [{**row, "split": split} for row in rows]
    return rows[:limit] if limit else rows


def load_out_of_scope(config: TrainConfig, limit: int | None = None) -> list[dict]:
    """Questions the assistant should decline: products the company does not make, and topics of
    its products that no manual covers (`kind`: unknown_product | uncovered_topic), of the evaluated
    split (a row's `split`, "test" when it has none: the dev rows are what shares are tuned on)."""
    if not config.out_of_scope_questions:
        return []
    rows = [row for row in read_jsonl(resolve_input(config.out_of_scope_questions)) if row.get("split", "test") == config.eval_split]
    return rows[:limit] if limit else rows


def catalog_products(version_dir: Path, *question_sets: list[dict]) -> list[str]:
    """The company's products: the version's manifest (company.products at curation time) and
    every product a product question is about. Out-of-scope rows are not passed here: their
    invented products are exactly what the catalog does not hold."""
    products: set[str] = set()
    manifest = version_dir / "manifest.json"
    if manifest.is_file():
        products |= set(json.loads(manifest.read_text()).get("products") or [])
    for rows in question_sets:
        products |= {row["product"] for row in rows if row.get("product")}
    return sorted(products)
