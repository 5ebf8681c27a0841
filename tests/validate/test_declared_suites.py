"""Everything declared is tested: the committed GX suites are exactly the ones the code builds,
and every shipped ticket mapping loads."""

from __future__ import annotations

import json

from curation.config import PipelineConfig
from curation.ingest.config import MAPPINGS_DIR, TicketMapping
from curation.validate.suite import build_suites
from tests.conftest import REPO_ROOT


def _key(type_: str, kwargs: dict, meta: dict | None) -> tuple:
    return type_, json.dumps({k: v for k, v in kwargs.items() if k != "batch_id"}, sort_keys=True, default=str), json.dumps(meta or {}, sort_keys=True)


def test_committed_suites_match_the_code():
    config = PipelineConfig()
    built = build_suites(config.validation, config.split.ratios)
    for table, expectations in built.items():
        path = REPO_ROOT / "gx" / "expectations" / f"specialist_library_{table}.json"
        stored = json.loads(path.read_text())
        stored_keys = sorted(_key(e["type"], e["kwargs"], e.get("meta")) for e in stored["expectations"])
        code_keys = sorted(_key(e.expectation_type, e.configuration.kwargs, e.configuration.meta) for e in expectations)
        assert stored_keys == code_keys, f"{path.name} is stale: run `curate refresh` once and commit gx/"
    assert any(e.meta.get("critical") for e in built["examples"])


def test_every_shipped_mapping_loads():
    names = sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))
    assert names == ["kaggle", "twcs", "zendesk"]
    for name in names:
        mapping = TicketMapping.load(name)
        assert mapping.name == name and mapping.ticket_id and mapping.description


def test_committed_checkpoints_name_failing_rows_by_their_key():
    from curation.validate.suite import ROW_KEYS, result_format

    for table in ROW_KEYS:
        stored = json.loads((REPO_ROOT / "gx" / "checkpoints" / f"specialist_library_{table}_checkpoint.json").read_text())
        assert stored["result_format"] == result_format(table), f"{table}: the committed checkpoint is stale"
