from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from tests.ingest.helpers import documents, quarantined, read_all

MARKDOWN = """# A-45 SuperWidget Manual

Welcome.

## Getting started

### Resetting the SuperWidget

1. Press and hold the blue button on the back for 10 seconds.
2. Wait until the light flashes green.

```bash
# not a heading inside a fence
```

## Specifications

| Item | Value |
|------|-------|
| Weight | 120 g |
"""


def test_markdown_sections_keep_their_heading_path(tmp_path: Path):
    (tmp_path / "a45.md").write_text(MARKDOWN)
    docs = documents(read_all(tmp_path / "a45.md"))
    assert [d.meta.heading_path for d in docs] == [
        ["A-45 SuperWidget Manual"],
        ["A-45 SuperWidget Manual", "Getting started", "Resetting the SuperWidget"],
        ["A-45 SuperWidget Manual", "Specifications"],
    ]
    reset = docs[1]
    assert "blue button" in reset.text and "# not a heading" in reset.text
    assert reset.source.locator == "section:a-45-superwidget-manual-getting-started-resetting-the-superwidget"
    assert reset.meta.manual == "A-45 SuperWidget Manual" and reset.meta.format == "markdown"
    assert len({d.id for d in docs}) == 3 and len({d.group_key for d in docs}) == 3


def test_html_in_declared_windows_1252_with_nav_and_table(tmp_path: Path):
    html = (
        '<html><head><meta charset="windows-1252"><title>C-7 HubStation</title></head><body>'
        "<nav><a href='/'>Home</a> | <a href='/next'>Next</a></nav>"
        "<h1>C-7 HubStation</h1><h2>Operating range</h2><p>Keep it between 0 °C and 40 °C – caf\u00e9 tested.</p>"
        "<table><tr><th>Port</th><th>Speed</th></tr><tr><td>USB-C</td><td>10 Gbit/s</td></tr></table>"
        "</body></html>"
    )
    (tmp_path / "c7.html").write_bytes(html.encode("cp1252"))
    docs = documents(read_all(tmp_path / "c7.html"))
    assert len(docs) == 1
    assert docs[0].meta.heading_path == ["C-7 HubStation", "Operating range"]
    assert "0 °C and 40 °C – café" in docs[0].text
    assert "| Port | Speed |\n| --- | --- |\n| USB-C | 10 Gbit/s |" in docs[0].text  # a Markdown table: its header travels with its chunks
    assert "Home" not in docs[0].text


def test_a_navigation_only_html_page_is_dropped_not_quarantined(tmp_path: Path):
    from curation.ingest.pipeline import ledger_row
    from curation.ingest.units import Dropped

    # avrdude_17.html: "4.3 Part Definitions" and a menu table of its sub-sections, nothing else
    (tmp_path / "menu.html").write_text(
        "<html><body><h2>4.3 Part Definitions</h2><table class='menu'><tr><td><a href='#a'>4.3.1 Parent Part</a></td><td></td></tr>"
        "<tr><td><a href='#b'>4.3.2 Instruction Format</a></td><td></td></tr></table></body></html>")
    (tmp_path / "empty.html").write_text("<html><body></body></html>")
    units = {Path(u.source.path).name: u for u in read_all(tmp_path)}
    menu, empty = units["menu.html"], units["empty.html"]
    assert isinstance(menu, Dropped) and menu.reason == "navigation_page" and "4.3 Part Definitions" in menu.detail
    assert ledger_row(menu)["outcome"] == "dropped"
    assert not isinstance(empty, Dropped) and empty.reason == "no_content" and ledger_row(empty)["outcome"] == "quarantined"


def test_pdf_gives_one_document_per_page_with_page_numbers(tmp_path: Path):
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for title in ("Contents", "Safety", "Resetting the SuperWidget"):
        pdf.add_page()
        pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 8, text=f"Body of {title}.")
    pdf.output(str(tmp_path / "m.pdf"))
    docs = documents(read_all(tmp_path / "m.pdf"))
    assert [d.meta.page for d in docs] == [1, 2, 3]
    assert docs[2].title == "Resetting the SuperWidget" and docs[2].source.locator == "page:3"


def _pdf(path: Path, pages: list[list[str]]) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_pdf_running_heads_footers_and_page_numbers_are_stripped(tmp_path: Path):
    footer = ["Shenzhen Example Technology CO.,LTD.", "After-Sales Service Tel: 400-6133 882"]
    # A two-page leaflet repeats the vendor's footer on both pages (the Creality PDFs do).
    _pdf(tmp_path / "leaflet.pdf", [["Filament not sticking?", "Level the bed again.", *footer],
                                    ["Axis movement is not normal?", "Check the limit switch cables.", *footer]])
    leaflet = documents(read_all(tmp_path / "leaflet.pdf"))
    assert [d.text for d in leaflet] == ["Filament not sticking?\nLevel the bed again.",
                                         "Axis movement is not normal?\nCheck the limit switch cables."]
    # A book's running head names the chapter and the page; on four of six pages it is the top line.
    bodies = ["AVRDUDE reads and writes flash.", "It runs on Linux and Windows.", "A config file lists the parts.",
              "Use -p to name the part.", "Use -c to name the programmer.", "Use -U for a memory operation.",
              "Use -v for more output."]
    heads = ["Chapter 1: Introduction"] * 3 + ["Chapter 2: Command Line Options"] * 4
    _pdf(tmp_path / "book.pdf", [[f"{head} {n}", body, str(n)] for n, (head, body) in enumerate(zip(heads, bodies), 1)])
    book = documents(read_all(tmp_path / "book.pdf"))
    assert [d.title for d in book] == ["Introduction"] * 3 + ["Command Line Options"] * 4
    assert [d.text for d in book] == bodies


def test_a_sentence_over_a_page_break_ends_on_its_first_page(tmp_path: Path):
    # avrdude's page 58 began "flash ROM page is erased right before updating it. This is done ..."
    _pdf(tmp_path / "book.pdf", [["Troubleshooting", "There is no chip erase in debugWire mode; instead, each"],
                                 ["flash ROM page is erased right before updating it. This is done", "the listing follows"],
                                 ["pgmled = <pin> ; # pin number", "vfyled = <pin> ; # pin number"]])
    pages = documents(read_all(tmp_path / "book.pdf"))
    assert pages[0].text.endswith("instead, each\nflash ROM page is erased right before updating it.")
    assert pages[1].text == "This is done\nthe listing follows"
    assert pages[2].text.startswith("pgmled"), "a listing that goes on is not a sentence"


def test_pdf_lines_split_at_every_glyph_run_are_joined(tmp_path: Path):
    # the CR-5 guide's text comes out a bracket, a unit or a colon per line
    _pdf(tmp_path / "cr5.pdf", [[",", "Print temperature", "(", "C", ")", "Explanation", ":", "PLA: nozzle 190-220, bed 45-50.",
                                 "1.", "Level the bed first.", "Click Setup", ", then click Next to complete the installation."]])
    [page] = documents(read_all(tmp_path / "cr5.pdf"))
    assert page.text == ("Print temperature(C)\nExplanation:\nPLA: nozzle 190-220, bed 45-50.\n1. Level the bed first.\n"
                         "Click Setup, then click Next to complete the installation.")
    assert page.title == "Print temperature(C)"


def test_a_word_hyphenated_over_a_line_break_is_one_word_again(tmp_path: Path):
    # avrdude's page 38: "enable high speed ex-" | "ternal crystal" was cut by the chunker into "ternal crystal, ..."
    _pdf(tmp_path / "book.pdf", [["Program the fuse bits (enable high speed ex-", "ternal crystal, enable brown-out detection).",
                                  "It needs a high-", "speed link and the -u option,", "not the -", "-F option."]])
    [page] = documents(read_all(tmp_path / "book.pdf"))
    assert page.text == ("Program the fuse bits (enable high speed external crystal, enable brown-out detection).\n"
                         "It needs a high-speed link and the -u option,\nnot the -\n-F option.")


def test_broken_pdf_and_empty_manual_are_quarantined(tmp_path: Path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage")
    (tmp_path / "headings-only.md").write_text("# Title\n\n## Nothing here\n")
    (tmp_path / "utf8-lies.html").write_bytes(b'<meta charset="utf-8"><p>' + b"\x81\x8d\x8f\x90\x9d" * 50 + b"</p>")
    reasons = {Path(q.source.path).name: q.reason for q in quarantined(read_all(tmp_path))}
    assert reasons == {"broken.pdf": "pdf_unreadable", "headings-only.md": "no_content", "utf8-lies.html": "undecodable_text"}


def test_section_ids_are_unique_and_stable_for_headings_in_any_script(tmp_path: Path):
    page = ("# 概要\n\nKubernetesは、宣言的な構成管理と自動化を促進するためのプラットフォームです。\n\n"
            "## コンテナランタイム\n\nコンテナの実行を担当するソフトウェアです。\n\n"
            "## ノード\n\nノードはワーカーマシンです。\n\n"
            "# A\n\nfirst\n\n# A\n\nsecond\n\n# A 2\n\nthird\n")
    (tmp_path / "ja.md").write_text(page, encoding="utf-8")
    docs = documents(read_all(tmp_path / "ja.md"))
    locators = [d.source.locator for d in docs]
    assert len(set(locators)) == len(locators) == 6
    assert locators[:3] == ["section:概要", "section:概要-コンテナランタイム", "section:概要-ノード"]
    assert locators[3:] == ["section:a", "section:a-2", "section:a-2-2"], "a heading that ends in -2 never takes a disambiguated anchor"
    assert len({d.id for d in docs}) == 6
    again = documents(read_all(tmp_path / "ja.md"))
    assert [d.id for d in again] == [d.id for d in docs]


def test_conservation_counts_rows_not_unique_ids():
    import polars as pl

    from curation.outcomes import conservation_problems
    from schemas.frames import LEDGER_SCHEMA

    row = {"stage": "ingest", "outcome": "kept", "reason": "", "detail": "", "source_kind": "manual", "path": "ja.md", "locator": "", "record_id": "d_1"}
    ledger = pl.DataFrame([{**row, "unit_id": "d_1"}, {**row, "unit_id": "d_1"}, {**row, "unit_id": "d_2", "record_id": "d_2"}], schema=LEDGER_SCHEMA)
    problems = conservation_problems(ledger, ("ingest",))
    assert any("more than one ingest unit" in p and "d_1" in p for p in problems), problems
    assert any("inputs 3 != kept + dropped + quarantined" in p for p in problems), problems


def test_a_page_laid_out_in_columns_reads_column_by_column():
    from curation.ingest.manuals import _columns_in_reading_order, _laid_out_as_pictures, _split_words

    # the shape of pypdf's layout extraction of a quick-start page: a heading, a drawing's numbered callouts,
    # two text columns side by side with a word gap of two spaces inside a column
    layout = ("3. Loading Filament\n"
              "                          7\n"
              "   1. Preheat                              2. Feeding\n"
              "       Method 1                            Press and hold the lever  then insert\n"
              "       Method 2                            the filament.\n"
              "                            3\n")
    assert _columns_in_reading_order(layout).split("\n") == [
        "3. Loading Filament", "1. Preheat", "Method 1", "Method 2", "2. Feeding", "Press and hold the lever then insert", "the filament."]
    # without parts side by side a page reads top to bottom, a centred heading first
    assert _columns_in_reading_order("            Notes\n1.   Do not touch the nozzle.\n     It is hot.\n").split("\n") == [
        "Notes", "1. Do not touch the nozzle.", "It is hot."]
    cut = "Press and hold the extruder\nlever then i\nnsert\nfilament. Replac\ning the nozzle\nfrom the S\ntart menu"
    assert _split_words(cut) == 3  # i|nsert, Replac|ing, S|tart; "lever then i" | "nsert" is one, "extruder" | "lever" none
    typeset = "A typeset page.\nIts lines end in words."
    assert _laid_out_as_pictures([cut, typeset]) and not _laid_out_as_pictures([typeset] * 9 + [cut])  # 3 cuts in 2 pages, in 10


def test_a_pdf_page_that_goes_on_keeps_the_heading_before_it(tmp_path: Path):
    # Creality's "Online printing" leaflet: page 2 starts inside step 2, its CURA guide pages with a lettered step or
    # a lead-in; neither is a heading a customer could ask about, both go on with the topic of the page before
    _pdf(tmp_path / "leaflet.pdf", [["Online printing", "1. Connect the computer and the printer with the USB cable."],
                                    ["2. Browse to the driver, click Next. Generally the port is the highest one.", "3. Open the software."],
                                    ["b. For in-depth study, refer to the following notes:", "The file name must be in English."],
                                    ["Layer height", "The thickness of each layer in mm."]])
    pages = documents(read_all(tmp_path / "leaflet.pdf"))
    assert [d.title for d in pages] == ["Online printing", "Online printing", "Online printing", "Layer height"]
    assert [d.meta.heading_path for d in pages][1] == ["Online printing"]
