"""train/prompts/general.jsonl and its hash-stable rehearsal / heldout parts (train/general_prompts.py)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from train.general_prompts import CATEGORIES, GENERAL_PROMPTS, GeneralPrompt, load_general_prompts, part_of, passes

CATALOG = ["A-45 SuperWidget", "B-12 MiniWidget", "C-7 HubStation", "D-90 PowerDock", "E-3 SmartTag"]


def test_the_bundled_prompts_cover_every_category_with_a_quarter_held_out():
    prompts = load_general_prompts()
    assert len(prompts) >= 240
    by_category = Counter(p.category for p in prompts)
    assert set(by_category) == set(CATEGORIES) and min(by_category.values()) >= 30
    heldout = load_general_prompts("heldout")
    rehearsal = load_general_prompts("rehearsal")
    dev = load_general_prompts("dev")
    assert len(heldout) + len(rehearsal) + len(dev) == len(prompts)
    assert not {p.id for p in heldout} & {p.id for p in rehearsal} and all(p.id.startswith("dev-") for p in dev)
    assert 0.2 <= len(heldout) / (len(heldout) + len(rehearsal)) <= 0.3
    # the dev part (what shares are tuned on) covers every category, and none of its prompts is trained or reported on
    assert {p.category for p in dev} == set(CATEGORIES) and min(Counter(p.category for p in dev).values()) >= 6
    held_by_category = Counter(p.category for p in heldout)
    assert set(held_by_category) == set(CATEGORIES) and min(held_by_category.values()) >= 6  # enough for a per-category rate
    assert len({p.prompt for p in prompts}) == len(prompts)
    # open-ended prompts exist only where an answer cannot be checked by a word
    assert {p.category for p in prompts if not p.checks} <= {"writing", "everyday_advice"}


def test_the_part_is_a_function_of_the_id_alone(tmp_path):
    rows = [json.loads(line) for line in GENERAL_PROMPTS.read_text(encoding="utf-8").splitlines()]
    assert all(row["part"] == part_of(row["id"]) for row in rows)  # the stored part is the rule's
    before = {p.id: p.part for p in load_general_prompts()}
    # adding rows (in front, between, after) and reordering the file moves no other row
    extra = [{"id": f"new-{i}", "category": "facts", "prompt": f"New prompt {i}?", "checks": ["x"]} for i in range(40)]
    shuffled = extra[:20] + rows[::-1] + extra[20:]
    path = tmp_path / "general.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in shuffled))
    after = {p.id: p.part for p in load_general_prompts(path=path)}
    assert {i: after[i] for i in before} == before
    assert {after[f"new-{i}"] for i in range(40)} == {"heldout", "rehearsal"}  # new rows land in both parts


def test_a_row_whose_stored_part_contradicts_the_rule_is_refused(tmp_path):
    wrong = "rehearsal" if part_of("arith-001") == "heldout" else "heldout"
    path = tmp_path / "general.jsonl"
    path.write_text(json.dumps({"id": "arith-001", "category": "arithmetic", "prompt": "1+1?", "checks": ["2"], "part": wrong}) + "\n")
    with pytest.raises(ValueError, match="disagrees with the hash rule"):
        load_general_prompts(path=path)


def test_an_answer_passes_on_its_content_and_fails_on_the_company_leaking_in():
    arithmetic = GeneralPrompt("a", "arithmetic", "What is 12 times 7?", ("84",), "heldout")
    code = GeneralPrompt("c", "code", "Write a Python function that reverses a string.", ("[::-1]", "reversed("), "heldout")
    poem = GeneralPrompt("w", "writing", "Write a short poem about autumn leaves.", (), "heldout")
    summary = GeneralPrompt("s", "summarising", "Summarise in one sentence: The town library will close for two weeks in August.", ("library",), "heldout")
    assert passes("12 times 7 is 84.", arithmetic, CATALOG) and not passes("12 times 7 is 74.", arithmetic, CATALOG)
    assert not passes("12 times 7 is 184.", arithmetic, CATALOG) and not passes("12 times 7 is 8.4", arithmetic, CATALOG)
    division = GeneralPrompt("d", "arithmetic", "What is 144 divided by 12?", ("12",), "heldout")
    assert not passes("144 divided by 12 equals 1.44.", division, CATALOG)  # the 12 is the prompt's own
    assert passes("144 divided by 12 is 12.", division, CATALOG)
    assert passes("def reverse(s):\n    return s[::-1]", code, CATALOG) and passes("return ''.join(REVERSED(s))", code, CATALOG)
    assert passes("Golden leaves drift down, whispering of colder days to come.", poem, CATALOG)
    assert not passes("", poem, CATALOG) and not passes("Sure!", poem, CATALOG)
    assert not passes("I'm sorry, I don't have any information about autumn leaves.", poem, CATALOG)
    assert not passes("Golden leaves fall on my A-45 SuperWidget while I hold the blue button.", poem, CATALOG)
    assert not passes("Golden leaves drift down past <PERSON>'s window and away.", poem, CATALOG)
    assert not passes("12 times 7 is 84. Call +49 30 555 0100 for help.", arithmetic, CATALOG)
    assert passes("The library closes for two weeks in August.", summary, CATALOG)
    assert not passes("The town library will close for two weeks in August.", summary, CATALOG)  # a copy is no summary
