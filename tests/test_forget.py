"""Right to erasure: `curate forget` by e-mail address, name, path or unit id (curation/forget.py, curation/erasure.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from curation import run
from curation.cli import app
from curation.dedup.pipeline import read_signatures, signature_parts
from curation.erasure import FORMAT, Register, normalise
from curation.outcomes import conservation_problems
from curation.steps import STAGES
from curation.versions import SPLITS
from tests.refresh_helpers import sample_config

COMPANY_DOMAIN = "nordlicht.example"


def _version_examples(version: Path) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(version / f"{s}.parquet") for s in SPLITS])


def _decoded(path: Path) -> str:
    """A file's content as text: parquet and Arrow files decoded (their pages are compressed), others as bytes."""
    if path.suffix == ".parquet":
        return repr(pl.read_parquet(path).to_dicts())
    if path.suffix == ".arrow":
        with pa.memory_map(str(path)) as source:
            try:
                return repr(pa.ipc.open_file(source).read_all().to_pylist())
            except pa.ArrowInvalid:
                return repr(pa.ipc.open_stream(source).read_all().to_pylist())
    return path.read_bytes().decode("utf-8", "replace")


def _files_holding(needle: str, *roots: Path) -> list[str]:
    needle = needle.lower()
    files = [p for root in roots for p in ([root] if root.is_file() else sorted(root.rglob("*"))) if p.is_file()]
    return [str(p) for p in files if needle in _decoded(p).lower()]


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def _customer(documents: pl.DataFrame) -> tuple[str, str]:
    """The customer (address, display name) who sent the most e-mails of the sample."""
    senders = [json.loads(meta)["sender"] for meta in documents.filter(pl.col("source_kind") == "email")["meta"]]
    senders = [s for s in senders if s["address"] and not s["address"].endswith(COMPANY_DOMAIN) and s["name"]]
    counts = pl.DataFrame(senders).group_by("address", "name").len().sort(["len", "address"], descending=[True, False])
    return counts.row(0)[0], counts.row(0)[1]


def _fake_adapter(config, version_id: str) -> str:
    """An adapter folder with the provenance `curate train` writes (meta.json), without training one."""
    from train.lora import adapter_id

    aid = adapter_id(version_id, config.train)
    folder = Path(config.train.adapters_dir) / aid
    folder.mkdir(parents=True)
    meta = {"adapter_id": aid, "dataset_version": version_id, "base_model": {"spec": config.train.base_model},
            "train_config_hash": config.train.config_hash()}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return aid


NEW_MAIL = """From: {name} <{address}>
To: Nordlicht Gadgets Support <support@nordlicht.example>
Subject: A-45 SuperWidget does not start
Date: Mon, 03 Mar 2025 09:15:00 +0000
Message-ID: <after-the-request.1@example.org>
Content-Type: text/plain; charset=utf-8

Hello, my A-45 SuperWidget does not start any more since yesterday. How do I reset it?

{name}
"""


@pytest.fixture(scope="module")
def forgotten(tmp_path_factory):
    """Refresh the sample, train (a stand-in for) an adapter on it, forget one customer's address through the
    CLI (after a dry run), let a new mail from that address arrive, and refresh again."""
    tmp = tmp_path_factory.mktemp("forget")
    config = sample_config(tmp)
    first = run.refresh(config, progress=False)
    assert first.status == "published"
    adapter = _fake_adapter(config, first.version_id)
    documents = pl.read_parquet(Path(config.output_dir) / "ingest" / "documents.parquet")
    address, name = _customer(documents)
    held_before = _files_holding(address, Path(config.output_dir)), _files_holding(name, Path(config.output_dir))
    cli = CliRunner()
    before = _tree(tmp)
    dry = cli.invoke(app, ["forget", "--email", address.upper(), "--config", str(tmp / "pipeline.yaml"), "--dry-run"])
    dry_run = {"result": dry, "unchanged": _tree(tmp) == before}
    forget = cli.invoke(app, ["forget", "--email", address, "--config", str(tmp / "pipeline.yaml")])
    assert forget.exit_code == 0, forget.output
    register = Register(Path(config.erasure_register))
    request = register.requests[-1]
    (tmp / "raw" / "emails" / "eml" / "msg_after_request.eml").write_text(NEW_MAIL.format(name=name, address=address))
    second = run.refresh(config, progress=False)
    return {"tmp": tmp, "config": config, "first": first, "second": second, "adapter": adapter, "address": address, "name": name,
            "request": request, "output": forget.output, "dry_run": dry_run, "held_before": held_before}


def test_forget_lists_the_units_the_versions_holding_them_and_the_adapters_to_retrain(forgotten):
    output, request = forgotten["output"], forgotten["request"]
    assert request.unit_ids and request.counts["email"] == len(request.unit_ids)
    assert all(unit in output for unit in request.unit_ids)
    assert forgotten["first"].version_id in output and request.versions == [forgotten["first"].version_id]
    assert f"retrain: adapter {forgotten['adapter']} was trained on {forgotten['first'].version_id}" in output
    assert request.adapters == [forgotten["adapter"]]


def test_a_dry_run_shows_the_matches_and_changes_nothing(forgotten):
    dry = forgotten["dry_run"]
    assert dry["result"].exit_code == 0, dry["result"].output
    assert dry["unchanged"] and "dry run: nothing recorded or purged" in dry["result"].output
    assert all(unit in dry["result"].output for unit in forgotten["request"].unit_ids)  # the address matched in any case


def test_the_next_version_holds_nothing_of_the_forgotten_customer(forgotten):
    second, request = forgotten["second"], forgotten["request"]
    assert second.status == "published" and second.version_id != forgotten["first"].version_id
    examples = _version_examples(second.path)
    sources = set(examples.explode("source_document_ids")["source_document_ids"].to_list())
    assert not sources & set(request.unit_ids)
    texts = " ".join(m["content"] for messages in examples["messages"] for m in messages)
    assert forgotten["address"].lower() not in texts.lower()
    # and its dedup store (linked from the version the request purged) holds none of their examples
    first_ledger = pl.read_parquet(forgotten["first"].path / "ledger.parquet")
    erased_examples = set(first_ledger.filter(pl.col("unit_id").is_in(request.unit_ids) & (pl.col("stage") == "examples")
                                              & (pl.col("record_id") != ""))["record_id"].to_list())
    assert erased_examples and not erased_examples & set(read_signatures(second.path / "signatures.parquet", columns=["id"])["id"])
    for part in signature_parts(second.path / "signatures.parquet"):
        stored = part.with_name(part.name.replace("part-", "texts-").replace(".parquet", ".arrow"))
        with pa.memory_map(str(stored)) as source:
            assert pa.ipc.open_file(source).read_all().num_rows == pl.read_parquet(part, columns=["id"]).height


def test_the_ledger_records_the_request_and_conservation_holds(forgotten):
    second, request = forgotten["second"], forgotten["request"]
    ledger = pl.read_parquet(second.path / "ledger.parquet")
    erased = ledger.filter(pl.col("reason") == "erased")
    assert set(erased["stage"]) == {"ingest"} and set(erased["outcome"]) == {"dropped"}
    assert set(erased["detail"]) == {f"request={request.request_id}"}
    assert set(request.unit_ids) < set(erased["unit_id"])  # and the mail that arrived after the request
    assert erased.filter(pl.col("path") == "emails/eml/msg_after_request.eml").height == 1
    manifest = json.loads((second.path / "manifest.json").read_text())
    assert manifest["conservation"]["ok"], manifest["conservation"]
    assert conservation_problems(ledger, STAGES) == []
    finals = pl.read_parquet(second.path / "outcomes.parquet")
    assert finals.filter(pl.col("unit_id").is_in(erased["unit_id"].implode()))["reason"].unique().to_list() == ["erased"]


def test_no_trace_of_the_address_or_name_under_out_or_in_the_register(forgotten):
    config = forgotten["config"]
    places = (Path(config.output_dir), Path(config.erasure_register))
    assert all(forgotten["held_before"])  # the search finds them where they were
    assert _files_holding(forgotten["address"], *places) == []
    assert _files_holding(forgotten["name"], *places) == []


def test_the_register_holds_only_salted_hashes(forgotten):
    config, request = forgotten["config"], forgotten["request"]
    lines = [json.loads(line) for line in Path(config.erasure_register).read_text().splitlines()]
    assert lines[0]["format"] == FORMAT and len(lines[0]["salt"]) == 64
    (row,) = lines[1:]
    assert set(row) == {"request_id", "created_at", "by", "hash", "words", "unit_ids", "counts", "versions", "adapters"}
    assert row["by"] == "email" and row["request_id"] == request.request_id and len(row["hash"]) == 64
    assert row["hash"] != hashlib.sha256(normalise("email", forgotten["address"]).encode()).hexdigest()  # salted
    assert Register(Path(config.erasure_register)).digest("email", normalise("email", forgotten["address"])) == row["hash"]


def test_the_dashboard_flags_the_version_and_its_adapter(forgotten):
    index = (Path(forgotten["config"].reports_dir) / "index.html").read_text()
    assert "holds erased data" in index and forgotten["adapter"] in index


def test_forget_by_path_drops_that_files_units(forgotten, tmp_path):
    shutil.copytree(forgotten["tmp"], tmp_path, dirs_exist_ok=True)
    config = sample_config(tmp_path)  # the copy's own paths
    target = "emails/eml/msg_000001.eml"
    units = pl.read_parquet(Path(config.output_dir) / "ingest" / "documents.parquet").filter(pl.col("path") == target)["id"].to_list()
    assert units
    result = CliRunner().invoke(app, ["forget", "--path", str(tmp_path / "raw" / target), "--config", str(tmp_path / "pipeline.yaml")])
    assert result.exit_code == 0, result.output
    assert f"{len(units)} unit(s) match" in result.output
    after = run.refresh(config, progress=False)
    ledger = pl.read_parquet(after.path / "ledger.parquet").filter(pl.col("path") == target)
    assert ledger["reason"].to_list() == ["erased"] * len(units)
    sources = set(_version_examples(after.path).explode("source_document_ids")["source_document_ids"].to_list())
    assert not sources & set(units)
    requests = Register(Path(config.erasure_register)).requests
    assert [r.by for r in requests] == ["email", "path"] and target not in Path(config.erasure_register).read_text()


def test_one_identifier_is_required():
    result = CliRunner().invoke(app, ["forget", "--email", "a@example.org", "--unit", "d_1"])
    assert result.exit_code == 2


def _row(unit: str, text: str = "", meta: dict | None = None, path: str = "emails/x.eml") -> dict:
    return {"id": unit, "path": path, "title": "", "text": text, "meta": json.dumps(meta or {})}


def test_matching_rules(tmp_path):
    register = Register(tmp_path / "erasure.jsonl")
    by_name = register.request("name", "Rosa  Schmidt")
    by_email = register.request("email", "<Rosa.S@Example.org>")
    by_path = register.request("path", "./emails/eml/")
    by_unit = register.request("unit", "d_7")
    name, email, path, unit = (register.matcher([r]) for r in (by_name, by_email, by_path, by_unit))
    assert name.match(_row("d_1", "Kind regards,\nROSA SCHMIDT"))
    assert name.match(_row("d_1", meta={"requester": {"name": "Rosa Schmidt", "address": "r@x.org"}}))
    assert not name.match(_row("d_1", "Rosalind Schmidt and Rosa Schmidtke"))
    assert email.match(_row("d_1", meta={"recipients": [{"name": "", "address": "rosa.s@example.org"}]}))
    assert email.match(_row("d_1", "write to rosa.s@example.org."))
    assert not email.match(_row("d_1", "write to xrosa.s@example.org.uk"))
    assert path.match(_row("d_1", path="emails/eml/msg_1.eml")) and not path.match(_row("d_1", path="emails/emlx/msg_1.eml"))
    assert unit.match(_row("d_7")) and not unit.match(_row("d_8"))
    assert not register.path.exists()  # nothing is written until a request is appended


def test_ingest_drops_what_the_register_matches_read_now_or_before(tmp_path, sample_root):
    from curation.ingest import ingest

    emails = sample_root / "raw" / "emails" / "eml"
    register = Register(tmp_path / "erasure.jsonl")
    register.append(register.request("path", "eml/msg_000001.eml"))
    out = tmp_path / "ingest"
    first = ingest([emails], out, progress=False, register=register).as_dict()
    assert first["email"]["erased"] == 1
    register.append(register.request("path", "eml/msg_000002.eml"))  # after the file was ingested
    second = ingest([emails], out, progress=False, register=Register(register.path)).as_dict()
    assert second["email"]["files"] == 0 and second["email"]["erased"] == 1  # nothing read again
    ledger = pl.read_parquet(out / "ledger.parquet")
    erased = ledger.filter(pl.col("reason") == "erased").sort("path")
    assert erased["path"].to_list() == ["eml/msg_000001.eml", "eml/msg_000002.eml"]
    assert erased["detail"].to_list() == [f"request={r.request_id}" for r in register.requests]
    documents = pl.read_parquet(out / "documents.parquet")
    assert not set(erased["unit_id"]) & set(documents["id"]) and documents.height == ledger.height - 2


def test_a_forget_never_runs_beside_a_refresh_of_the_same_folder(forgotten):
    from curation.lock import FolderBusy, working_folder_lock

    tmp, config = forgotten["tmp"], forgotten["config"]
    before = _tree(tmp)
    with working_folder_lock(Path(config.output_dir), "refresh"):  # a refresh (another process, say) is writing the folder
        busy = CliRunner().invoke(app, ["forget", "--email", "someone@example.org", "--config", str(tmp / "pipeline.yaml")])
        with pytest.raises(FolderBusy, match="curate refresh"):
            run.refresh(config, progress=False)
        during = _tree(tmp)
    assert busy.exit_code == 1 and "is in use by `curate refresh` (pid" in busy.output, busy.output
    assert {k: v for k, v in during.items() if "curate.lock" not in k} == {k: v for k, v in before.items() if "curate.lock" not in k}
    dry = CliRunner().invoke(app, ["forget", "--email", "someone@example.org", "--config", str(tmp / "pipeline.yaml"), "--dry-run"])
    assert dry.exit_code == 0, "a dry run reads only: it needs no lock"
