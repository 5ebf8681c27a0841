"""train/retrieval.py: the version's manual sections, BM25 over them, and the retrieval prompt."""

from __future__ import annotations

import polars as pl

from curation.versions import write_version_files
from tests.train.conftest import SECTIONS, SYSTEM, manual_rows
from train.retrieval import Section, SectionIndex, retrieval_prompt, sections_of, tokens


def test_sections_come_from_every_split_once_each_with_their_citation(manual_version_dir):
    sections = {s.id: s for s in sections_of(manual_version_dir)}
    assert set(sections) == {doc_id for doc_id, *_ in SECTIONS}  # the A-45 reset section's only row is a test-split passage
    reset = sections["d_a45_reset"]
    assert (reset.manual, reset.heading, reset.page) == ("A-45 SuperWidget User Manual", "Resetting the SuperWidget", 12)
    assert reset.citation == "A-45 SuperWidget User Manual, page 12" and reset.text.startswith("To reset the A-45")
    b12 = sections["d_b12_reset"]
    assert b12.page is None and b12.citation == 'B-12 MiniWidget User Manual, section "B-12 MiniWidget User Manual > Resetting the MiniWidget"'


def test_an_instruction_alone_gives_the_section_and_two_copies_of_one_section_count_once(tmp_path):
    rows = [r for r in manual_rows() if r["kind"] == "instruction"]
    copy = {**rows[0], "id": "ex_ffffffffffffffff", "source_document_ids": ["d_b12_reset_v1_1"]}  # the same section in a second manual version
    write_version_files(tmp_path, pl.DataFrame(rows + [copy]))
    sections = sections_of(tmp_path)
    assert len(sections) == len(SECTIONS) - 1  # the first section has no instruction row
    charging = next(s for s in sections if s.id == "d_a45_charging")
    assert charging.page == 8 and "(Source:" not in charging.text and charging.text.endswith("while charging.")


def test_bm25_finds_the_section_that_answers(manual_version_dir):
    index = SectionIndex.from_version(manual_version_dir)
    assert [s.id for s in index.retrieve("How do I reset my A-45 SuperWidget?", k=1)] == ["d_a45_reset"]
    assert index.retrieve("My MiniWidget B-12 froze, how do I reset it?", k=1)[0].id == "d_b12_reset"
    assert index.retrieve("Which coin cell does the B-12 take?", k=1)[0].id == "d_b12_battery"
    assert index.retrieve("How long does my SuperWidget need on the USB-C cable?", k=1)[0].id == "d_a45_charging"
    # a question naming a product is answered from that product's manual only
    assert {s.manual for s in index.retrieve("reset the b12", k=3)} == {"B-12 MiniWidget User Manual"}
    assert len(index.retrieve("How do I reset my A-45?", k=2)) == 2
    assert index.retrieve("zebra quantum", k=3) == []  # nothing in common, no product named
    assert SectionIndex([]).retrieve("reset", k=3) == []
    assert "a45" in tokens("the A-45") and "reset" in tokens("Resetting") and "how" not in tokens("How do I")


def test_the_retrieval_prompt_cites_the_sections_and_fits_the_budget(tokenizer):
    def length(messages):
        return len(tokenizer(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True), add_special_tokens=False)["input_ids"])

    long_text = " ".join(["Press and hold the blue button on the back for 10 seconds."] * 60)
    sections = [Section("a", "A-45 SuperWidget User Manual", "Resetting the SuperWidget", 12, "Hold the blue button for 10 seconds."),
                Section("b", "A-45 SuperWidget User Manual", "Long", 13, long_text),
                Section("c", "A-45 SuperWidget User Manual", "Never reached", 14, "Not in the prompt.")]
    messages = retrieval_prompt(tokenizer, SYSTEM, "How do I reset my A-45?", sections, max_tokens=300)
    assert messages[0] == {"role": "system", "content": SYSTEM} and messages[1]["role"] == "user"
    user = messages[1]["content"]
    assert "(Source: A-45 SuperWidget User Manual, page 12.)\nHold the blue button for 10 seconds." in user
    assert "(Source: A-45 SuperWidget User Manual, page 13.)" in user and user.count("blue button on the back") < 60  # cut to fit
    assert "Not in the prompt." not in user and user.endswith("Question: How do I reset my A-45?")
    assert 250 < length(messages) <= 300
    roomy = retrieval_prompt(tokenizer, SYSTEM, "How do I reset my A-45?", sections[:1], max_tokens=300)
    assert length(roomy) < 150 and "page 12" in roomy[1]["content"]
    bare = retrieval_prompt(tokenizer, None, "Q?", [], max_tokens=300)
    assert [m["role"] for m in bare] == ["user"] and bare[0]["content"].endswith("Question: Q?")
