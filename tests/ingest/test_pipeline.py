from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from curation.cli import app
from curation.ingest.config import IngestConfig
from curation.ingest import ingest
from curation.ingest.units import QUARANTINE_REASONS


def _conservation(out: Path) -> pl.DataFrame:
    ledger = pl.read_parquet(out / "ledger.parquet")
    docs = pl.read_parquet(out / "documents.parquet")
    assert ledger["unit_id"].n_unique() == ledger.height, "one ingest row per unit"
    kept = ledger.filter(pl.col("outcome") == "kept")
    assert sorted(kept["record_id"]) == sorted(docs["id"]), "every kept unit is a document and vice versa"
    assert ledger.height == docs.height + ledger.filter(pl.col("outcome") == "quarantined").height
    assert set(ledger.filter(pl.col("outcome") == "quarantined")["reason"]) <= set(QUARANTINE_REASONS)
    return ledger


def test_incremental_rerun_skips_unchanged_files_and_rereads_changed_ones(tmp_path: Path):
    src = tmp_path / "manuals"
    src.mkdir()
    (src / "a.md").write_text("# A\n\nalpha\n")
    (src / "b.md").write_text("# B\n\nbeta\n")
    out = tmp_path / "out"
    first = ingest([src], out, progress=False)
    assert first.documents["manual"] == 2
    (src / "b.md").write_text("# B\n\nbeta, revised\n\n## B2\n\nmore\n")
    (src / "c.md").write_text("# C\n\ngamma\n")
    second = ingest([src], out, progress=False)
    assert second.skipped_files["manual"] == 1 and second.files["manual"] == 2
    docs = pl.read_parquet(out / "documents.parquet")
    assert sorted(docs["text"]) == ["alpha", "beta, revised", "gamma", "more"]
    _conservation(out)


def test_oversized_file_is_quarantined_without_reading_it(tmp_path: Path):
    src = tmp_path / "tickets"
    src.mkdir()
    big = src / "huge.csv"
    with big.open("wb") as fh:  # a 50 MB file (sparse: cheap to make)
        fh.truncate(50 * 2**20)
    summary = ingest([src], tmp_path / "out", IngestConfig(max_file_mb=10), progress=False)
    assert summary.quarantined["ticket"] == {"file_too_large": 1}
    ledger = _conservation(tmp_path / "out")
    assert "50.0 MiB > limit 10.0 MiB" in ledger["detail"][0]


def test_cli_ingest_prints_a_summary_and_explain_finds_the_unit(tmp_path: Path):
    src = tmp_path / "manuals"
    src.mkdir()
    (src / "a.md").write_text("# A\n\n## Reset\n\nHold the blue button.\n")
    (src / "bad.pdf").write_bytes(b"not a pdf at all")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(src), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "pdf_unreadable=1" in result.output and "documents.parquet" in result.output
    doc_id = pl.read_parquet(out / "documents.parquet")["id"][0]
    explained = runner.invoke(app, ["explain", doc_id, "--out", str(out)])
    assert explained.exit_code == 0 and "manuals/a.md [section:a-reset]" in explained.output
    assert json.loads((out / "ingest_summary.json").read_text())["manual"]["units"] == 2


def test_cli_rejects_unknown_config_keys(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ingest:\n  max_file_mbb: 3\n")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "--config", str(bad)])
    assert result.exit_code == 2 and "ingest.max_file_mbb" in result.output


def test_an_html_file_in_a_mail_folder_is_not_a_manual(tmp_path: Path):
    from curation.ingest.files import discover

    mail = tmp_path / "emails"
    mail.mkdir()
    (mail / "reply.html").write_text("<html><body><p>Hi. I am fine.</p><blockquote>How are you?</blockquote></body></html>")
    (mail / "saved.html").write_text("From: ann@example.org\nSubject: hi\nMessage-ID: <s1@x>\nContent-Type: text/html\n\n<p>Hello</p>\n")
    files = {f.path.name: (f.reader, f.source_kind) for f in discover([mail], ["emails"])}
    assert files == {"reply.html": ("unknown", "email"), "saved.html": ("eml", "email")}
    summary = ingest([mail], tmp_path / "out", progress=False).as_dict()
    assert summary["email"]["quarantined"] == {"unsupported_format": 1} and summary["email"]["documents"] == 1


def test_a_file_with_its_recorded_size_and_time_is_not_hashed_again(tmp_path: Path, monkeypatch):
    """The quick check rsync and make use: an unchanged stamp skips the hash; a touched file is hashed once
    (its content is as before: not read) and then skipped again; a sources file from before stamps works."""
    import os

    from curation.ingest import pipeline

    src = tmp_path / "manuals"
    src.mkdir()
    (src / "a.md").write_text("# A\n\nalpha\n")
    (src / "b.md").write_text("# B\n\nbeta\n")
    out = tmp_path / "out"
    ingest([src], out, progress=False)
    hashed: list[str] = []
    real = pipeline._file_sha256
    monkeypatch.setattr(pipeline, "_file_sha256", lambda path: hashed.append(path.name) or real(path))

    again = ingest([src], out, progress=False)
    assert hashed == [] and again.skipped_files["manual"] == 2

    stat = (src / "b.md").stat()
    os.utime(src / "b.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    touched = ingest([src], out, progress=False)
    assert hashed == ["b.md"] and touched.skipped_files["manual"] == 2 and touched.files["manual"] == 0
    hashed.clear()
    assert ingest([src], out, progress=False).skipped_files["manual"] == 2 and hashed == [], "the new stamp was recorded"

    old = pl.read_parquet(out / "sources.parquet").drop("size", "mtime_ns")  # as sessions before stamps wrote it
    old.write_parquet(out / "sources.parquet")
    legacy = ingest([src], out, progress=False)
    assert sorted(hashed) == ["a.md", "b.md"] and legacy.files["manual"] == 0
    hashed.clear()
    ingest([src], out, progress=False)
    assert hashed == []
    (src / "a.md").write_text("# A\n\nalpha, revised\n")
    assert ingest([src], out, progress=False).files["manual"] == 1 and hashed == ["a.md"]
    assert sorted(pl.read_parquet(out / "documents.parquet")["text"]) == ["alpha, revised", "beta"]
    _conservation(out)


def test_a_documentation_repositorys_readme_is_not_a_manual(tmp_path: Path):
    # the shared corpora's Anki manual ships its repository's README.md: "This repository contains the source of
    # Anki's user manual", how to preserve legacy links in a pull request; it taught those as the product's manual
    src = tmp_path / "manuals"
    src.mkdir()
    (src / "README.md").write_text("# Anki Manual\n\nThis repository contains the source of Anki's user manual.\n\n## Contributing\n\n"
                                   "Contributions are welcome! Please see the issue tracker.\n")
    (src / "Contributing.MD").write_text("# How to contribute\n\nSend a pull request.\n")
    (src / "studying.md").write_text("# Studying\n\nPress Space to show the answer.\n")
    summary = ingest([src], tmp_path / "out", progress=False).as_dict()
    assert summary["manual"]["documents"] == 1 and summary["manual"]["dropped"] == {"repository_file": 2}
    ledger = pl.read_parquet(tmp_path / "out" / "ledger.parquet")
    assert ledger["unit_id"].n_unique() == ledger.height == 3
    dropped = ledger.filter(pl.col("outcome") == "dropped").sort("path")
    assert dropped["reason"].to_list() == ["repository_file"] * 2
    assert "ingest.repository_files 'README*'" in dropped.filter(pl.col("path").str.ends_with("README.md"))["detail"][0]
    # [] reads them as manuals again (the config is part of what ingest remembers, so nothing is skipped as unchanged)
    again = ingest([src], tmp_path / "out", IngestConfig(repository_files=[]), progress=False).as_dict()
    assert again["manual"]["documents"] == 4 and again["manual"]["dropped"] == {}
