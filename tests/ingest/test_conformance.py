"""Ingest every real third-party corpus in ../shared/corpora: no crash, conservation, coverage."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from curation.ingest import ingest
from curation.ingest.pipeline import DROP_REASONS
from curation.ingest.units import QUARANTINE_REASONS


@pytest.fixture(scope="module")
def shared_ingest(shared_corpora: Path, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("shared-ingest")
    roots = [shared_corpora / "emails", shared_corpora / "manuals", shared_corpora / "tickets"]
    return out, ingest(roots, out, progress=False)


def test_conservation_and_specific_reasons(shared_ingest):
    out, summary = shared_ingest
    ledger = pl.read_parquet(out / "ledger.parquet")
    docs = pl.read_parquet(out / "documents.parquet")
    assert ledger.height == sum(summary.units.values()) == docs.height + ledger.filter(pl.col("outcome") != "kept").height
    dropped = ledger.filter(pl.col("outcome") == "dropped")
    assert set(dropped["reason"]) <= set(DROP_REASONS) and all(dropped["detail"].str.len_chars() > 0)
    quarantined = ledger.filter(pl.col("outcome") == "quarantined")
    assert set(quarantined["reason"]) <= set(QUARANTINE_REASONS) - {"reader_error"}, "no reader crashed"
    assert all(quarantined["detail"].str.len_chars() > 0)


@pytest.mark.parametrize("kind", ["email", "manual", "ticket"])
def test_over_98_percent_of_units_become_documents(shared_ingest, kind):
    _, summary = shared_ingest
    assert summary.units[kind] > 0
    assert summary.documents[kind] / summary.units[kind] > 0.98, summary.as_dict()[kind]


def test_every_pdf_page_and_ticket_row_is_a_unit(shared_ingest, shared_corpora: Path):
    from pypdf import PdfReader

    out, _ = shared_ingest
    docs = pl.read_parquet(out / "documents.parquet")
    for pdf in sorted(shared_corpora.glob("manuals/**/*.pdf")):
        rel = pdf.relative_to(shared_corpora).as_posix()
        assert docs.filter(pl.col("path") == rel).height == len(PdfReader(pdf).pages), rel
    kaggle = docs.filter(pl.col("path").str.ends_with("customer_support_tickets.csv"))
    assert kaggle.height == 8469


def test_enron_mbox_messages_and_maildir_threads(shared_ingest):
    out, _ = shared_ingest
    docs = pl.read_parquet(out / "documents.parquet")
    enron = docs.filter(pl.col("path").str.contains("enron-allen-p"))
    assert enron.height > 2500
    # notmuch's LKML threads are linked by In-Reply-To: far fewer threads than messages
    notmuch = docs.filter(pl.col("path").str.contains("notmuch/test/corpora/default"))
    assert notmuch["group_key"].n_unique() < notmuch.height * 0.7


def test_a_pdf_laid_out_as_pictures_reads_in_words_and_columns(shared_ingest):
    """The Ender 3 quick start's pages are text boxes beside drawings: plain extraction cut its words ("S" | "tart",
    "i" | "nsert") and interleaved its columns; its pages are read with their layout instead, column by column."""
    from curation.ingest.manuals import _split_words

    out, _ = shared_ingest
    docs = pl.read_parquet(out / "documents.parquet")
    guide = dict(docs.filter(pl.col("path").str.ends_with("Ender_3_quick_start_guide.pdf")).select("locator", "text").iter_rows())
    assert len(guide) == 12 and sum(_split_words(text) for text in guide.values()) == 0
    assert "2. Start Cura from the Start Menu." in guide["page:8"]
    feeding = guide["page:6"].split("\n")  # the left column (preheat) before the right one (feeding), callouts gone
    tip = next(i for i, line in enumerate(feeding) if line.startswith("Tip") and line.endswith("Replacing the Filament"))
    assert feeding.index("Method 2") < feeding.index("2. Feeding") < tip and not any(line.isdigit() for line in feeding)
    # a typeset manual keeps the plain extraction: avrdude's tables stay one row per line
    avrdude = docs.filter(pl.col("path").str.ends_with("avrdude.pdf"))["text"]
    assert any("1200 AT90S1200 (****)" in text.split("\n") for text in avrdude)
