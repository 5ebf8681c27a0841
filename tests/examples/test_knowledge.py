"""Knowledge Q&A from manual sections: topic headings only, the section's language, varied templates,
long sections in chunks, translations never merged by dedup."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from curation.examples.knowledge import begins_topic, chunk_label, chunks, halves, is_topic, not_documentation, section_question, topic_heading
from tests.refresh_helpers import sample_config


@pytest.mark.parametrize("heading", [
    "Resetting the hub", "Water resistance", "Kalender synchronisieren", "初期設定の方法", "Fehlermeldung E3", "Wi-Fi",
])
def test_topic_headings(heading):
    assert is_topic(heading)


@pytest.mark.parametrize("heading", [
    "Chapter 3", "Page 12", "Kapitel 4", "第3章", "3.2.1", "Table of Contents", "AVRDUDE: Table of Contents", "Inhaltsverzeichnis", "目次", "[ 126.825775] hid-generic 0003:046D:C52B.0003: input,hidraw0",
    "12:04:55 kernel: usb 1-1: new high-speed USB device", "0x3F 0x00 0xff 0x12",
    "This manual describes the installation of the printer and how you can keep it running for years.",
    "Use https://github.com/avrdudes/avrdude/issues to report bugs and ask questions",  # avrdude's PDF title page
])
def test_headings_that_name_no_topic(heading):
    assert not is_topic(heading)


def test_the_nearest_topic_heading_is_used():
    assert topic_heading(["Printer guide", "Chapter 3"], "Manual") == "Printer guide"
    assert topic_heading(["Page 2"], "Ender 3 Reference data") == "Ender 3 Reference data"
    assert topic_heading(["Page 2"], "12") is None
    assert topic_heading(["II. Cura Installation and Setup"], "CR-5") == "Cura Installation and Setup"  # the CR-5 PDF's roman numbering
    assert topic_heading(["3 Terminal Mode Operation"], "avrdude") == "Terminal Mode Operation"  # avrdude's PDF chapters
    assert topic_heading(["B. Troubleshooting"], "AVRDUDE") == "Troubleshooting"  # its appendices
    assert topic_heading(["Card Info, Graphs and Statistics", "More"], "Anki") == "Card Info, Graphs and Statistics"  # no topic of its own
    assert topic_heading(["Wi-Fi 6"], "Hub") == "Wi-Fi 6" and topic_heading(["2FA codes"], "Hub") == "2FA codes"


def test_questions_are_asked_in_the_sections_language():
    de = section_question("Kalender synchronisieren", "Handbuch", "Öffnen Sie die App.", "de", section_key="a")
    ja = section_question("接続できない", "取扱説明書", "ルーターを再起動してください。", "ja", section_key="b")
    en = section_question("Resetting the hub", "Hub Manual", "Hold the button.", "en", section_key="c")
    assert (de.text, de.template) == ("Wie gehe ich bei „Kalender synchronisieren“ vor?", "howto")
    assert (ja.text, ja.template) == ("「接続できない」の場合はどうすればよいですか？", "symptom")
    assert (en.text, en.template) == ("How do I reset the hub?", "howto")
    assert section_question("Résumé", "Manuel", "Texte.", "sw", section_key="d") is None, "no templates: no question"


def test_a_one_word_gerund_under_other_headings_is_a_group_of_settings_not_a_task():
    # the Anki manual's "Preferences > Editing > Browsing" and its page "Browsing" both asked "How do I browse?"
    page = section_question("Browsing", "Browsing", "The Browse window allows you to search.", "en", section_key="p")
    setting = section_question("Browsing", "Preferences", "**Default search text**", "en", section_key="q", nested=True)
    assert page.text == "How do I browse?"
    assert setting.template != "howto" and "Preferences" in setting.text and "browsing" in setting.text
    product = section_question("Charging", "A-45 SuperWidget User Manual", "Plug it in.", "en", section_key="r", product="A-45 SuperWidget", nested=True)
    assert product.text == "How do I charge the A-45 SuperWidget?", "with a product to act on it stays a task"


@pytest.mark.parametrize(("chunk", "label"), [
    ("**Default search text**\nAllows you to customize the starting search text.", "Default search text"),
    ("2.2 Programmers accepting extended parameters\nThe following programmers ...", "Programmers accepting extended parameters"),
    ("A.2.3.1 Serial Ports\nWhen you select a serial port ...", "Serial Ports"),
    ("• Problem: Multiple USBasp or USBtinyISP programmers connected simultaneously are\nnot found.\nSolution: The USBtinyISP code ...",
     "Multiple USBasp or USBtinyISP programmers connected simultaneously are not found?"),
    # the problem at the foot of a PDF page, its solution on the next: nothing to answer with
    ("• Problem: I want to use my AVRISP mkII to program an ATtiny4/5/9/10 device\nthrough TPI. How to connect the pins?", None),
    # avrdude's troubleshooting and Anki's cloze page, cut where the text goes on with what came before
    ("When successful, this will leave the target AVR in a state where it can accept\nstandard ISP communication.", None),
    ("Solution (long): There are two problems here.", None),
    ("    Canberra::city was founded in 1913\n\n…and then press [...]", None),
    ("2.5 V is the lowest voltage.", None),
])
def test_a_chunk_is_asked_about_only_under_a_label_it_starts_with(chunk, label):
    assert chunk_label(chunk) == label


def test_a_pdf_page_begins_its_topic_only_when_its_first_line_is_the_heading():
    assert begins_topic("2 Command Line Options\n2.1 Option Descriptions\nAVRDUDE is ...", "Command Line Options", pdf=True)
    assert not begins_topic("A negative address addr counts from the end of EEPROM and flash,", "Command Line Options", pdf=True)
    assert begins_topic("Anything at all", "Browsing", pdf=False), "a Markdown or HTML section's heading is its own"


def test_topic_headings_spread_over_templates():
    templates = Counter(
        section_question(f"Topic {i} power", "Guide", "It draws 12 W at 5 V.", "en", section_key=f"s{i}").template for i in range(300)
    )
    assert set(templates) == {"meaning", "about", "explain", "know", "spec"}
    assert max(templates.values()) / 300 < 0.3, "issue 19: no question template above 30%"


def test_a_section_of_a_troubleshooting_page_is_asked_as_a_case():
    # Anki's "Windows startup issues" > "Multiple displays" was asked "What are Multiple displays, according to ...?"
    case = section_question("Multiple displays", "Windows startup issues", "If you get error 126, ...", "en", section_key="w", nested=True)
    assert (case.text, case.template) == ("Windows startup issues: what should I do about Multiple displays?", "symptom")
    for other in ("Debugging", "Basics"):  # an activity, the page's preamble
        assert section_question(other, "Windows startup issues", "Text.", "en", section_key="w", nested=True).template != "symptom"


def test_a_negated_statement_is_no_symptom():
    fact = section_question("Not All Objects are in a Namespace", "Namespaces", "Most resources are in a namespace.", "en", section_key="n")
    fault = section_question("Sync does not start", "Syncing", "Check the network.", "en", section_key="m")
    assert fact.template != "symptom" and fault.template == "symptom"


@pytest.mark.parametrize(("heading", "meaning"), [
    # the shared Anki manual asked "What is Multiple Anki installations present after updating, according to ...?"
    ("Multiple Anki installations present after updating", None),
    ("With Cargo", None), ("Before Enabling", None), ("Creating", None),
    ("Debug Console", 'What is debug console, according to "Anki Manual"?'),
    ("Keyboard Shortcuts", 'What are keyboard shortcuts, according to "Anki Manual"?'),
    ("Status", 'What is Status, according to "Anki Manual"?'),
    ("Service and ReplicationController", 'What are service and ReplicationController, according to "Anki Manual"?'),
])
def test_what_is_is_asked_only_of_a_heading_that_names_a_thing(heading, meaning):
    asked = {section_question(heading, "Anki Manual", "Text.", "en", section_key=f"k{i}", nested=True).text for i in range(40)}
    what_is = {q for q in asked if q.startswith(("What is", "What are"))}
    assert what_is == ({meaning} if meaning else set()), asked


def test_long_sections_become_chunks_that_fit():
    text = "\n\n".join(f"Step {i}. " + "Turn the knob slowly and check the gauge. " * 6 for i in range(8))
    pieces = chunks(text, 700)
    assert len(pieces) > 2 and all(len(p) <= 700 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_a_section_just_over_the_chunk_size_is_split_evenly_not_into_a_stray_tail():
    # avrdude's page 39 gave a 650-character chunk and a last one of one warning line
    paragraphs = [f"Paragraph {i}: " + "the terminal reads and writes memory bytes. " * 3 for i in range(5)] + ['Warning: no size suffix.']
    pieces = chunks("\n\n".join(paragraphs), 700)
    assert len(pieces) == 2 and min(map(len, pieces)) > 250, [len(p) for p in pieces]


def test_a_chunk_too_long_for_the_window_is_halved_between_paragraphs_not_inside_a_sentence():
    # avrdude's HTML troubleshooting list gave a chunk starting "distributions. All Linux systems with kernel ..."
    problem = ("- Problem: when programming with an AVRISPmkII or STK600, AVRDUDE hangs when programming files of a certain size "
               "(e.g. 246 bytes). Other (larger or smaller) sizes work though.")
    solution = ("Solution: This is a bug caused by an incorrect handling of zero-length packets (ZLPs) in some versions of the libusb "
                "0.1 API wrapper that ships with libusb 1.x in certain Linux distributions. All Linux systems with kernel versions "
                "< 2.6.31 and libusb >= 1.0.0 < 1.0.3 are reported to be affected by this.\n\nSee also: http://www.libusb.org/ticket/6")
    assert halves(f"{problem}\n\n{solution}") == [problem, solution]
    one_paragraph = " ".join(f"Sentence {i} says what the option does." for i in range(30))
    assert all(p.endswith(".") for p in halves(one_paragraph)), "without a paragraph break, at a sentence end"
    code = "```ini\ntype = serbb;\n\nreset = ~7;\n```"
    assert all(p.count("```") == 2 for p in halves(code)), "a code block cut in two is closed and opened again"


PAGE = {
    "en": "# Cleaning the nozzle\n\nHeat the nozzle to 200 °C. Push the cleaning needle through the tip three times, then wipe the nozzle "
          "with a dry cloth. Let the printer cool down before you touch the hot end again.\n",
    "de": "# Düse reinigen\n\nHeizen Sie die Düse auf 200 °C auf. Schieben Sie die Reinigungsnadel dreimal durch die Spitze und wischen "
          "Sie die Düse mit einem trockenen Tuch ab. Lassen Sie den Drucker abkühlen, bevor Sie das Hotend wieder berühren.\n",
    "ja": "# ノズルの清掃\n\nノズルを200 °Cに加熱します。クリーニング針で先端を3回突き、乾いた布でノズルを拭きます。"
          "ホットエンドに再び触れる前に、プリンターを冷ましてください。作業中は手袋を着用し、やけどに注意してください。\n",
}


def test_translations_are_never_merged_but_copies_are(tmp_path: Path):
    from curation.run import refresh

    manuals = tmp_path / "docs" / "manuals"
    manuals.mkdir(parents=True)
    for lang, text in PAGE.items():
        (manuals / f"nozzle_{lang}.md").write_text(text, encoding="utf-8")
    (manuals / "nozzle_en_copy.md").write_text(PAGE["en"], encoding="utf-8")
    config = sample_config(tmp_path, sources=[str(manuals)], clean={"quality": {"allowed_languages": ["en", "de", "ja"]}},
                           validation={"min_examples_per_source": {}}, split={"decontaminate_against": []})
    refresh(config, progress=False)
    out = Path(config.output_dir)
    examples = pl.read_parquet(out / "examples" / "examples.parquet")
    instructions = examples.filter(pl.col("kind") == "instruction")
    questions = {row["language"]: row["messages"][1]["content"] for row in instructions.iter_rows(named=True)}
    assert questions["de"].startswith("Wie gehe ich bei „Düse reinigen“") and questions["ja"].startswith("「ノズルの清掃」")
    rows = examples.with_row_index("row").select("row", "language")
    clusters = pl.read_parquet(out / "dedup" / "clusters.parquet")
    assert clusters.join(rows, on="row", suffix="_of_row").filter(pl.col("language") != pl.col("language_of_row")).is_empty()
    merged = clusters.filter(pl.col("duplicate") != "survivor")
    assert merged.height == 2, "the English copy's instruction and passage are duplicates"
    assert sorted(merged.select("kind", "language").rows()) == [("instruction", "en"), ("passage", "en")], "the table names them"
    survivors_of = clusters.group_by("cluster_id").agg(pl.col("language").n_unique().alias("languages"))
    assert survivors_of["languages"].max() == 1, "a cluster never spans languages"
    kept = pl.read_parquet(out / "dedup" / "survivors.parquet").join(rows, on="row")
    assert sorted(Counter(kept["language"]).items()) == [("de", 2), ("en", 2), ("ja", 2)], "an instruction and a passage per language"


def test_chunks_that_would_not_fit_the_training_length_are_halved():
    from datetime import datetime, timezone

    from curation.examples.build import manual_examples
    from curation.company import SAMPLE_COMPANY
    from curation.examples.config import ExamplesConfig
    from schemas import Document, ManualMeta, SourceRef

    dense = "\n".join(f"0x{i:04X} = {i * 7919 % 65536:#06x} ; register {i}" for i in range(60))  # hex tables tokenize densely
    doc = Document(id="d_m", source=SourceRef(source_kind="manual", path="manuals/avr.md", locator="section:regs", sha256="0"),
                   group_key="manual:avr", created_at=datetime(2025, 1, 1, tzinfo=timezone.utc), text=dense,
                   meta=ManualMeta(manual="AVR Reference", heading_path=["Register map"], format="markdown"))

    def fits(messages):  # about 3 characters per token in such text; a 256-token window
        return sum(len(m["content"]) for m in messages) / 3 <= 256

    config = ExamplesConfig()
    loose = manual_examples(doc, SAMPLE_COMPANY, config).examples
    tight = manual_examples(doc, SAMPLE_COMPANY, config, fits).examples
    assert len(tight) > len(loose)
    for example in tight:
        if example.kind == "instruction":
            assert fits([m.model_dump() for m in example.messages]), example.messages[-1].content[:80]
    text = lambda examples: "".join(e.messages[-1].content.split("\n\n(Source")[0] for e in examples if e.kind == "instruction")
    assert text(tight).replace("\n", "") == text(loose).replace("\n", ""), "the same text, in smaller pieces"


def _manual_section(text: str, heading: str, fmt: str = "markdown"):
    from datetime import datetime, timezone

    from schemas import Document, ManualMeta, SourceRef

    return Document(id="d_s", source=SourceRef(source_kind="manual", path="manuals/m.md", locator="section:s", sha256="0"),
                    group_key="manual:m", created_at=datetime(2025, 1, 1, tzinfo=timezone.utc), text=text,
                    meta=ManualMeta(manual="AVRDUDE", heading_path=[heading], format=fmt))


def test_chunks_end_at_sentences_and_lines_not_inside_a_listing():
    # the avrdude configuration listing was cut after "<pin2> ..." and the next chunk began "] ;  # pin number(s)"
    listing = "\n".join(f"    buff{i} = <pin1> [, <pin2> ... ] ; # pin number(s) of buffer {i}" for i in range(20))
    pieces = chunks(listing, 700)
    assert all(line.lstrip().startswith("buff") for piece in pieces for line in piece.splitlines())
    # a paragraph that introduces the next ("... shows how:") stays with it
    intro = "Anki defines special CSS classes. " * 14 + "The example below shows how:"
    code = ".win .front { font-family: Arial; }\n.mac .front { font-family: Helvetica; }"
    pieces = chunks(f"{intro}\n\n{code}\n\n" + "Another paragraph follows here. " * 10, 700)
    assert len(pieces) == 2 and pieces[0].endswith(code) and "shows how:" in pieces[0], pieces


def test_a_long_paragraph_is_cut_into_even_chunks_not_into_a_stray_tail():
    # an avrdude PDF page is one paragraph: cut as full as possible, its last chunk was "This is to avoid writing ... reset."
    page = " ".join(f"Option number {i} tells the programmer what to do with the bootloader of the part." for i in range(18))
    pieces = chunks(page, 700)
    assert " ".join(pieces) == page and max(map(len, pieces)) <= 700
    assert min(map(len, pieces)) > 0.6 * max(map(len, pieces)), [len(p) for p in pieces]


def test_a_sentence_longer_than_a_chunk_is_cut_between_words():
    # a Kubernetes sentence of many links was cut inside an address: the next chunk began "/workloads/contr"
    sentence = "Newer resources, such as " + ", ".join(f"resource{i} (docs/concepts/workloads/controllers/kind{i}/)" for i in range(40)) + " support them."
    pieces = chunks(sentence, 700)
    assert len(pieces) > 1 and " ".join(pieces) == sentence
    assert all(len(piece) <= 700 for piece in pieces)


def test_a_chunk_never_starts_inside_a_sentence_or_a_code_block():
    # Anki's "Single empty cards": two examples, then "are both changes that would make card 3 blank."
    cloze = ("If you later edit the text, and either remove or change a cloze number, the previously created card may "
             "become blank. " * 4 + "For example:\n\n```\n{{c1::This}} is a {{c2::sample}}\n```\n\nand\n\n"
             "```\n{{c1::This}} is a {{c2::sample}} {{c1::sentence}}.\n```\n\nare both changes that would make card 3 blank.")
    assert not any(piece[:1].islower() for piece in chunks(cloze, 700)), chunks(cloze, 700)
    # the Kubernetes API's OpenAPI listing: a fence longer than a chunk
    listing = "```yaml\n{\n" + "".join(f'    "apis/group{i}.k8s.io/v1": {{ "serverRelativeURL": "/openapi/v3/apis/{i}?hash={i:064X}" }},\n'
                                        for i in range(12)) + "}\n```"
    pieces = chunks("The discovery document is provided in the following format:\n\n" + listing, 700)
    assert len(pieces) > 1
    assert all(sum(line.startswith("```") for line in piece.splitlines()) % 2 == 0 for piece in pieces), pieces
    assert all(piece.splitlines()[0] == "```yaml" for piece in pieces[1:])
    code = [line for piece in pieces for line in piece.splitlines()[piece.startswith("The"):] if line.strip() and not line.startswith("```")]
    assert code == listing.splitlines()[1:-1], "every line of the listing once, in order"


def test_a_stray_fragment_gets_no_question_and_a_faq_heading_no_double_question_mark():
    from curation.company import SAMPLE_COMPANY
    from curation.examples.build import manual_examples
    from curation.examples.config import ExamplesConfig

    progress = "Reading | ################################################## | 100% 0.01s"
    outcome = manual_examples(_manual_section(progress, "Terminal Mode Examples"), SAMPLE_COMPANY, ExamplesConfig())
    assert outcome.examples == [] and outcome.dropped["d_s"][0] == "manual_fragment"

    faq = "\n\n".join(f"Step {i}: check that the axis lines and the limit switch lines are connected and tight." for i in range(12))
    built = manual_examples(_manual_section(faq, "Axis movement is not normal?"), SAMPLE_COMPANY, ExamplesConfig()).examples
    questions = [e.messages[-2].content for e in built if e.kind == "instruction"]
    assert questions == ["Axis movement is not normal?"], "asked once, as the FAQ asks it; the later steps are passages"
    assert sum(e.kind == "passage" for e in built) > 1


@pytest.mark.parametrize(("text", "listing"), [
    # the shared avrdude manual's configuration listing, terminal session and hex dump: no answer to a question
    ("blocksize = <num> ; # \"\nreadsize = <num> ; # \"\nread = <instruction format> ;\nwrite = <instruction format> ;", True),
    ("% avrdude -p m128 -u -c stk500 -t\navrdude: Device signature = 0x1e9702\navrdude> d efuse\n>>> d efuse\n0000 fd |.|", True),
    ("0000 d2 02 96 49 41 56 52 55 f8 2d 40 48 65 6c 6c 6f |...IAVRU.-@Hello|\n0010 20 57 6f 72 6c 64 21 00 ff ff | World!..|", True),
    # a terminal session with the tool's own output lines; a table of contents; a PDF laid out as a picture
    (">>> w hfuse 0 0x89\navrdude> w lfuse 0 0x2f\n% avrdude -c pkobn_updi -p avr128db48 -t\nVtarget : 4.71 V\n"
     "PDI/UPDI clock Xmega/megaAVR : 100 kHz\navrdude: AVR device initialized and ready to accept instructions", True),
    ("- Searching\n- Importing\n  - Text Files\n  - Packaged Decks\n- Exporting\n- Backups\n- Managing Files", True),
    ("Loading Filament\n1. Preheat\nMethod 1\nMethod 2\n2. Feeding\nPress and hold the extruder\nlever then i\nnsert\n"
     "1.75mm filament\nthrough\nthe\nsmall hole of the extruder\n.", True),
    # prose, prose around a few commands, a table, a fenced command, hard-wrapped Japanese: answers
    ("Anki allows you to create different types of notes for different\nmaterial. Each type has its own fields.", False),
    ("To install from the Ports Tree:\n\n% su - root\n# cd /usr/ports/devel/avrdude\n# make install\n\nOr use a pre-built package.", False),
    ("| Key | Allowed Values |\n|---|---|\n| separator | Comma |\n| html | true, false |", False),
    ("```shell\nsudo pacman -S libxinerama xcb-util-cursor nss\n```", False),
    ("If you do not have root access, do this instead:\n$ gunzip -c avrdude-7.1.tar.gz | tar xf -\n$ cd avrdude-7.1\n"
     "$ ./configure --prefix=$HOME/local\n$ make\n$ make install\nThe binary is then in your home folder.", False),
    ("```yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: cuda-test\nspec:\n  containers:\n    - name: cuda-test\n```", False),
    # avrdude's STK600 socket table: its header lost in the PDF text, part codes alone
    ("STK600-RCUC3C0-37 STK600-TQFP144 AT32UC3C0512 AT32UC3C0256\nAT32UC3C0128 AT32UC3C064\n"
     "STK600-RCUC3C1-39 STK600-TQFP100 AT32UC3C1512 AT32UC3C1256\nAT32UC3C1128 AT32UC3C164", True),
    ("STK600-RC020T-43 STK600-SOIC ATtiny261 ATtiny261A ATtiny461 AT-", True),
    ("Use the STK600 with an ATmega128 or an ATtiny45 and connect it over USB.", False),
    ("Note: the programmer must be connected.\nThe part is then read and verified, and any\nmismatch is reported as an error.", False),
    ("本製品をご使用になる前に\n必ず本書をお読みください。\n電源を入れる前に\nケーブルを確認してください。\n設定を保存します。", False),
])
def test_a_listing_is_told_from_prose(text, listing):
    from curation.examples.knowledge import is_listing

    assert is_listing(text) is listing


def test_a_listing_section_is_a_passage_with_no_question():
    from curation.company import SAMPLE_COMPANY
    from curation.examples.build import manual_examples
    from curation.examples.config import ExamplesConfig

    # the avrdude manual's terminal session: documentation to read, no answer to "What should I know about ...?"
    session = ("% avrdude -p m128 -u -c stk500 -t\navrdude: AVR device initialized and ready to accept instructions\n"
               "avrdude: Device signature = 0x1e9702\navrdude> d efuse\n>>> d efuse\n0000 fd |.|\navrdude> quit")
    outcome = manual_examples(_manual_section(session, "Terminal Mode Examples"), SAMPLE_COMPANY, ExamplesConfig())
    assert [e.kind for e in outcome.examples] == ["passage"]
    assert "a listing" in outcome.why["d_s"]
    prose = "To read the fuses, start avrdude in terminal mode and type the dump command for each fuse you need to check."
    assert "instruction" in {e.kind for e in manual_examples(_manual_section(prose, "Reading fuses"), SAMPLE_COMPANY, ExamplesConfig()).examples}


def test_an_index_section_makes_no_example():
    from curation.company import SAMPLE_COMPANY
    from curation.examples.build import DROP_REASONS, manual_examples
    from curation.examples.config import ExamplesConfig

    # the avrdude HTML manual's "Concept Index": letters and link targets, published as a passage before
    index = "Introduction\nO\nOptions (command-line) 2.1 Option Descriptions\nP\nProgrammer support 2.1 Option Descriptions"
    outcome = manual_examples(_manual_section(index, "Concept Index"), SAMPLE_COMPANY, ExamplesConfig())
    assert outcome.examples == [] and outcome.dropped["d_s"][0] == "manual_navigation" in DROP_REASONS
    prose = "Options are read from the command line first and then from the configuration file, in that order."
    assert manual_examples(_manual_section(prose, "Option Descriptions"), SAMPLE_COMPANY, ExamplesConfig()).examples


@pytest.mark.parametrize(("text", "reason"), [
    # the shared manuals: Anki's FSRS pointer, the CR-5 slicer form, a list of forum links
    ("Several frequently asked questions about FSRS have been answered in its FAQ.\n\nFor more info on FSRS, check:\n\n"
     "- FSRS4Anki Wiki\n- FSRS4Anki on Github", "manual_pointer"),
    ("Speed\nExplanation:、\ntravel speed(mm/s):Speed at which travel moves are done、\nBottom layer speed(mm/s):、\n"
     "Infill speed(mm/s):、\nOut shell speed (mm/s):、\nInner shell speed (mm/s):", "manual_scrap"),
    ("- https://forums.ankiweb.net/t/another-blank-main-window-solution-for-linux/32835\n"
     "- https://forums.ankiweb.net/t/please-use-file-import-popup-on-startup/14695", "manual_pointer"),
    # a section whose own text only leads into its subsections: Anki's "Studying" was asked "How do I study?"
    ("When you have found a deck you like or entered some notes in, it's time\nto start studying.", "manual_pointer"),
    ("This section describes the options of the\nsync server.", "manual_pointer"),
    ("You can find guides, templates, custom schedulers and other resources in this resource list.", "manual_pointer"),
    ("Some error messages you may encounter when installing Anki:\n\nAlso see startup issues.", "manual_pointer"),
    ("You can find a user-contributed Dockerfile and some instructions\nhere.", "manual_pointer"),
    # the shared corpora's fourth hand read: a lead-in to link titles, and the manual repository's README
    ("Here are some community posts about deck options that have been contributed in the past:\n\n- Deck Options Explained\n"
     "- Deck Options in a Mental Map", "manual_pointer"),
    ("This repository contains the source of Anki's user manual.", "manual_pointer"),
    # the fifth: a tab's and a page's lead-ins to what their subsections hold, a page that lists where to go next
    ("This tab contains options related to syncing with AnkiWeb.", "manual_pointer"),
    ("Below are three types of commonly used name constraints for resources.", "manual_pointer"),
    ("This section explains the way Anki is installed, and the possible problems you may encounter, depending on your OS:\n\n"
     "- Windows\n- macOS\n- Linux\n\nIf you have already installed Anki, you can skip to the Getting Started section.", "manual_pointer"),
    # documentation: Anki's blank-window workarounds introducing their list, a pointer with an instruction in it, a how-to that says "see", a port table with its names, a pin table
    ("Some Linux distros have recently updated glibc, which breaks the toolkit Anki is built on.\n\nThere are two ways to work around this:\n\n"
     "1. Install the latest Qt6 version of Anki, which uses an updated toolkit:\n\nhttps://apps.ankiweb.net\n\n"
     "2. Use one of the workarounds posted on the following threads:", None),
    ("To sync your collection, click the sync button on the main screen. See Syncing for the details.", None),
    ("See the Preferences screen first: set the learn-ahead limit to 20 minutes, then restart Anki so the new limit is used "
     "by every deck you study today.", None),
    ("The following formats are supported:\n\n- PDF\n- HTML\n- Markdown", None),
    ("This tab contains the sync settings: the server address, your user name and how often Anki syncs on its own.", None),
    ("Forum posts are moderated within a day; a post with a link is held for review until a moderator approves it, which usually "
     "takes a few hours.", None),
    ("AVRDUDE will accept 3 Windows parallel port names: lpt1, lpt2, or lpt3.\n\nlpt1\n\n0x378\n\nlpt2\n\n0x278\n\nlpt3\n\n0x3BC", None),
    ("(AVR) | (PICkit2)\nRST | VPP/MCLR (1)\nVDD | VDD Target (2)\nGND | GND (3)\nSDI | PGD (4)\nSCLK | PDC (5)", None),
])
def test_a_chunk_that_only_points_elsewhere_or_lost_its_layout_teaches_nothing(text, reason):
    from curation.company import SAMPLE_COMPANY
    from curation.examples.build import DROP_REASONS, manual_examples
    from curation.examples.config import ExamplesConfig
    from curation.examples.knowledge import not_documentation

    found = not_documentation(text)
    assert (found[0] if found else None) == reason
    outcome = manual_examples(_manual_section(text, "Speed"), SAMPLE_COMPANY, ExamplesConfig(min_answer_words=5))
    if reason:
        assert outcome.examples == [] and outcome.dropped["d_s"][0] == reason in DROP_REASONS
    else:
        assert outcome.examples


def test_a_clause_heading_is_asked_about_not_defined():
    asked = section_question("Why you need Kubernetes and what it can do", "What is Kubernetes?", "Containers are a good way ...", "en",
                             section_key="k")
    assert asked.text == 'What does "What is Kubernetes?" say about why you need Kubernetes and what it can do?'


@pytest.mark.parametrize("pointer", [
    "Namespaceの作成と削除方法はNamespaceの管理ガイドドキュメントに記載されています。",  # the Japanese Kubernetes docs
    "Weitere Informationen finden Sie unter Namespaces verwalten.",
])
def test_a_section_that_only_points_elsewhere_is_recognised_in_other_languages(pointer):
    assert not_documentation(pointer)[0] == "manual_pointer"


def test_a_hard_wrapped_pointer_with_its_link_list_teaches_nothing():
    # the Anki manual's "Installing & Upgrading Anki on Windows > Problems", wrapped at 80 columns
    text = ("If you encounter any issues when installing or starting Anki, please see the\nfollowing pages:\n- Installation Issues\n"
            "- Startup Issues\n- Display Issues\n\nIf you encounter any interface issues when using Anki, please see the following pages:\n"
            "- Copy and Paste Issues\n- Text Size Issues")
    assert not_documentation(text)[0] == "manual_pointer"
    assert not_documentation("If Anki fails to start, please run it from a terminal with `anki`. If it says a\nlibrary is missing, "
                             "please install it and try again.") is None
    # "where the source is" is an answer; the pointer after it is another paragraph
    assert not_documentation("Anki's source code is available at https://github.com/ankitects/anki\n\n"
                             "Before contributing, please see contributing.md.") is None


def test_a_table_cut_between_chunks_keeps_its_header():
    # the Anki manual's browser menu table: the second chunk started with the tail of a 400-dash rule; its column
    # table was cut inside a row, after a cell's first sentence ("| Question | The front side of the card in one line.")
    rows = "\n".join(f"| Action {i} | Does the thing number {i} to every selected card. Then it saves the collection. |" for i in range(20))
    text = f"The Cards menu:\n\n| Action | What it does |\n|---|---|\n{rows}"
    pieces = chunks(text, 700)
    assert len(pieces) > 2
    assert all(piece.splitlines()[0] == "| Action | What it does |" and piece.splitlines()[1] == "|---|---|" for piece in pieces[1:])
    rows_out = [line for piece in pieces for line in piece.splitlines() if line.startswith("| Action ") and line != "| Action | What it does |"]
    assert rows_out == rows.splitlines(), "every row once, in order"


def test_a_table_halved_to_fit_the_training_length_is_cut_between_rows_with_its_header():
    # avrdude's STK600 table: rows of part numbers that do not fit 256 tokens were halved again and again, at
    # a space inside a row ("ATmega168PA ATmega328P |" began a chunk) and into a chunk of the header alone
    header = "| Routing card | Socket card | Devices |\n| --- | --- | --- |"
    rows = [f"| STK600-RC0{i}M | STK600-DIP | " + " ".join(f"ATmega{i}{k}PA" for k in range(12)) + " |" for i in range(6)]
    table = header + "\n" + "\n".join(rows)
    for max_chars in (120, 200, 700):
        pieces = chunks(table, max_chars)
        assert all(piece.startswith(header + "\n| STK600-") for piece in pieces), "every chunk: the header, then whole rows"
        assert [line for piece in pieces for line in piece.splitlines()[2:]] == rows, "every row once, whole, in order"
    piece = header + "\n" + rows[0] + "\n" + rows[1]
    assert halves(piece) == [header + "\n" + rows[0], header + "\n" + rows[1]]
    assert halves(header + "\n" + rows[0]) == [header + "\n" + rows[0]], "a header and one row cannot be halved: no chunk of a header alone"


def test_a_table_rule_loses_its_padding():
    from curation.clean.normalize import normalise_whitespace

    assert normalise_whitespace("| A | B |\n|" + "-" * 400 + "|:----:|\n| 1 | 2 |") == "| A | B |\n|---|:---:|\n| 1 | 2 |"


@pytest.mark.parametrize(("heading", "manual"), [
    ("AVRDUDE", "avrdude"),  # the shared corpora's PDF title page was asked 'What does "avrdude" say about AVRDUDE?'
    ("History and Credits", "AVRDUDE: 1.1 History and Credits"),  # one HTML page per section, titled by it
    ("Unix Installation", "AVRDUDE: A.1.1 Unix Installation"), ("Terminal Mode Operation", "AVRDUDE: 3. Terminal Mode Operation"),
])
def test_a_heading_that_names_the_document_asks_what_the_document_explains(heading, manual):
    asked = section_question(heading, manual, "A program for download/uploading AVR microcontroller flash.", "en", section_key="t")
    assert (asked.text, asked.template) == (f'What does "{manual}" explain?', "overview")
    assert section_question("Credits", "AVRDUDE: 1.1 History and Credits", "Text.", "en", section_key="t").template != "overview", \
        "a part of the title is a topic of its own"


@pytest.mark.parametrize(("heading", "topic"), [
    ("Serial Ports", "serial ports"), ("Example Command Line Invocations", "example command line invocations"),
    ("FreeBSD Configuration Files", "FreeBSD configuration files"),  # a name the lexicon does not know stays
    ("Installing", "installing"), ("Windows", "Windows"), ("Automatic backups", "automatic backups"), ("AVR Fuses", "AVR fuses"),
])
def test_an_english_topic_reads_in_sentence_case_inside_the_question(heading, topic):
    # the shared corpora asked "What do I need to know about Example Command Line Invocations in ...?"
    asked = {section_question(heading, "Anki Manual", "Text.", "en", section_key=f"k{i}", nested=True).text for i in range(40)}
    assert all(topic in q for q in asked) and not any(heading in q for q in asked if heading != topic), asked


# avrdude's STK600 card table as the PDF's text layer gives it: cells run on across rows, words split at hyphens
_FLAT_PDF_TABLE = ("STK600-RC020T-8 STK600-DIP ATtiny26 ATtiny261 ATtiny261A AT-\ntiny461 ATtiny861 ATtiny861A\n"
                   "STK600-RC020T-43 STK600-SOIC ATtiny261 ATtiny261A ATtiny461 AT-\ntiny461A ATtiny861 ATtiny861A\n"
                   "QT600-ATMEGA324-\nQM64\nATmega324PA")


def test_a_pdf_table_that_lost_its_columns_is_dropped_with_its_reason():
    from curation.company import SAMPLE_COMPANY
    from curation.examples.build import DROP_REASONS, manual_examples
    from curation.examples.config import ExamplesConfig

    pdf = manual_examples(_manual_section(_FLAT_PDF_TABLE, "5 Programmer Specific Information", fmt="pdf"), SAMPLE_COMPANY, ExamplesConfig())
    assert pdf.examples == [] and pdf.dropped["d_s"][0] == "manual_table_without_layout" in DROP_REASONS
    # the same codes in a table that kept its columns (the HTML manual's Markdown table) are a passage
    table = ("| Routing card | Socket card | Devices |\n| --- | --- | --- |\n| STK600-RC020T-8 | STK600-DIP | ATtiny26 ATtiny261 ATtiny261A |\n"
             "| STK600-RC020T-43 | STK600-SOIC | ATtiny261 ATtiny261A ATtiny461 |")
    html = manual_examples(_manual_section(table, "5.1 Atmel STK600", fmt="html"), SAMPLE_COMPANY, ExamplesConfig())
    assert "passage" in {e.kind for e in html.examples}
    # a PDF's two-column list that the text layer kept row by row (a short name, then the part) reads as it should
    names = "Currently, the following MCU types are understood:\nuc3a0512 AT32UC3A0512\nc128 AT90CAN128\nc32 AT90CAN32\npwm2b AT90PWM2B"
    assert manual_examples(_manual_section(names, "2 Command Line Options", fmt="pdf"), SAMPLE_COMPANY, ExamplesConfig()).examples


def test_an_html_manual_table_keeps_its_column_names_in_every_chunk(tmp_path):
    from curation.company import SAMPLE_COMPANY
    from curation.examples.build import manual_examples
    from curation.examples.config import ExamplesConfig
    from tests.ingest.helpers import documents, read_all

    rows = "".join(f"<tr><td>STK600-RC{n:03d}T-{n}</td><td>STK600-DIP</td><td>ATtiny{n} ATtiny{n}A ATtiny{n + 1}</td></tr>" for n in range(10, 40))
    spanned = "<tr><td></td><td>STK600-TinyX3U</td><td>ATtiny43U</td></tr>"  # a row whose first cell is the one above's
    (tmp_path / "avrdude_62.html").write_text(
        "<html><body><h2>5.1 Atmel STK600</h2><p>The following devices are supported by the respective STK600 routing and socket card:</p>"
        f"<table><tr><th>Routing card</th><th>Socket card</th><th>Devices</th></tr>{spanned}{rows}</table>"
        "<table><tr><td>Note</td></tr></table></body></html>")
    (section,) = documents(read_all(tmp_path / "avrdude_62.html"))
    assert "| Routing card | Socket card | Devices |\n| --- | --- | --- |\n| | STK600-TinyX3U | ATtiny43U |\n" in section.text
    assert section.text.endswith("ATtiny40 |\n\nNote")  # another table, one row: a paragraph of its own, not a row of this one
    passages = [e.messages[-1].content for e in manual_examples(section, SAMPLE_COMPANY, ExamplesConfig(section_chunk_chars=400)).examples
                if e.kind == "passage"]
    tables = [p for p in passages if "STK600-DIP" in p]
    assert len(tables) >= 3
    assert all("| Routing card | Socket card | Devices |\n| --- | --- | --- |\n|" in p for p in tables)


def test_a_short_introduction_or_closing_sentence_is_not_a_chunk_of_its_own():
    era = ("**Traditional era:**\nEarly on, teams ran each application on a physical server of its own. " + "There was no way to share one. " * 17).strip()
    intro = "Let's see why this tool is so useful by going back in time.\n\nDeployment history"
    first, *rest = chunks(f"{intro}\n\n{era}\n\n{era.replace('Traditional', 'Virtualised')}", 700)
    assert first.startswith(intro) and "Early on" in first and rest
    steps = "If the text is the wrong size, set one of two variables:\n\n" + "- SCALE=1 changes the scale of the web views. " * 12 + "\n\n    set SCALE=0.75"
    closing = "After saving, double click the file to start the program with that setting."
    assert len(steps) + 2 + len(closing) > 700
    assert chunks(f"{steps}\n\n{closing}", 700)[-1].endswith("set SCALE=0.75\n\n" + closing)


@pytest.mark.parametrize(("path", "asked"), [
    # the shared corpora's fifth hand read: "Please explain with pip, as described in "Self-Hosted Sync Server"."
    (["Self-Hosted Sync Server", "Installing/Running", "With Pip"], "How do I install/run with pip?"),
    (["Installing", "From Source"], "How do I install from source?"),
    (["Adding/Editing", "Editing Features"], None),  # not a variant: the heading alone, as before
    (["Organizing Content", "Using Tags"], "How do I use tags?"),  # a task of its own
])
def test_a_heading_naming_a_way_of_doing_its_parents_task_is_asked_with_the_parent(path, asked):
    heading = topic_heading(path, "Self-Hosted Sync Server")
    question = section_question(heading, "Self-Hosted Sync Server", "Make sure you have Python 3.9+ installed.", "en", section_key="k",
                                nested=len(path) > 1)
    if asked:
        assert question.text == asked
    else:
        assert heading == "Editing Features"
    assert topic_heading(["With Pip"], "Self-Hosted Sync Server") == "With Pip", "no parent: the heading alone"
