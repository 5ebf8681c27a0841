"""Quality filters that do not destroy documentation: word counts for CJK text, repetition checks
per source kind (a service manual's repeated steps are not boilerplate)."""

from __future__ import annotations

from curation.clean.quality import QualityConfig, quality_verdict, words

CONFIG = QualityConfig(allowed_languages=[])


def test_japanese_and_chinese_characters_count_as_words():
    assert len(words("コンテナの実行を担当します")) == 13
    assert words("Kubernetesは便利") == ["kubernetes", "は", "便", "利"]
    assert len(words("안녕하세요 도움이 필요합니다")) == 3, "Hangul is written with spaces: counted by words"
    assert quality_verdict("ノードはワーカーマシンです。", QualityConfig(min_words=3, allowed_languages=[]), "manual") is None


def test_a_procedure_that_repeats_its_steps_is_documentation_not_boilerplate():
    steps = "\n".join(f"{i}. Disassemble the 2 screws of the top cover plate, then check connector CN{i} for error E{i}." for i in range(1, 25))
    assert quality_verdict(steps, CONFIG, "manual") is None
    reason, detail = quality_verdict(steps, CONFIG, "email")
    assert reason == "boilerplate", "the same text as a mail body is still caught"
    assert quality_verdict(steps, QualityConfig(allowed_languages=[], repetition_source_kinds=["email", "manual"]), "manual")[0] == "boilerplate"


def test_a_contents_or_index_page_is_navigation_not_a_topic():
    index = "Concept Index\n" + "\n".join(f"-x {name} . . . . . . . . . . . . {page}" for name, page in
                                          [("Arduino", 19), ("AVR Dragon", 19), ("buspirate", 20), ("dryrun", 21), ("JTAG ICE", 22)])
    reason, detail = quality_verdict(index, CONFIG, "manual")
    assert reason == "navigation" and "index or contents" in detail
    procedure = "Set the fuses:\n1. Connect the programmer.\n2. Run avrdude -U lfuse:w:0xe2:m.\n3. Wait 10 s.\n4. Check version 7.1.\n5. Done."
    assert quality_verdict(procedure, CONFIG, "manual") is None


def test_a_table_of_links_is_navigation_and_a_data_table_is_not():
    from curation.html_text import html_to_text

    nav = ('<table><tr><td>[<a href="a.html"> &lt; </a>]</td><td>[<a href="b.html"> &gt; </a>]</td><td> &nbsp; </td>'
           '<td>[<a href="up.html"> Up </a>]</td><td>[<a href="toc.html">Contents</a>]</td></tr></table>')
    data = "<table><tr><td>E1</td><td>Lid open</td></tr><tr><td>E2</td><td>See <a href='#'>Heater</a></td></tr></table>"
    text = html_to_text(f"<body>{nav}<h2>5.2 DFU</h2><p>Bootloaders need a chip erase.</p>{data}</body>", drop_boilerplate=True)
    assert text == "5.2 DFU\n\nBootloaders need a chip erase.\n\nE1 | Lid open\nE2 | See Heater"
