"""General prompts: the skills a specialist must keep (arithmetic, facts, writing, code, ...).

One file, train/prompts/general.jsonl, serves two purposes that must never overlap: about three
quarters of its rows are *rehearsal* prompts (mixed into training so the adapter keeps answering
them) and a quarter are *heldout* prompts (evaluation measures retention on them). Which part a row
belongs to is decided by a hash of its id alone, so adding, removing or reordering rows never moves
another row from one part to the other: a prompt that was trained on can never become an
evaluation prompt later. Each row stores its part too, so readers outside `train/` (curation never
imports train/) can filter the file without repeating the rule; the loader checks the two agree.

A third part, *dev* (ids starting "dev-", written apart from the others), is what the mix's shares
are tuned on (`train.eval_split: dev`); the heldout part is only reported (`eval_split: test`), so a
retention number in a report is never one the recipe was tuned to.

A row: {id, category, prompt, checks, part}. `checks` are acceptable substrings (any one counts,
case-insensitive); an empty list marks an open-ended prompt (a poem, advice) that passes when the
answer says something of its own: see `passes`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from train.answer_checks import has_leak, is_decline, named_products

GENERAL_PROMPTS = Path(__file__).parent / "prompts" / "general.jsonl"
CATEGORIES = ("arithmetic", "facts", "writing", "code", "translation", "summarising", "everyday_advice")
HELDOUT_SHARE = 0.25
MIN_OPEN_ENDED_WORDS = 5  # "Sure!" is not a poem
Part = Literal["rehearsal", "heldout", "dev"]
DEV_PREFIX = "dev-"


@dataclass(frozen=True)
class GeneralPrompt:
    id: str
    category: str
    prompt: str
    checks: tuple[str, ...]
    part: Part


def part_of(prompt_id: str) -> Part:
    """'dev' for a "dev-" id; else 'heldout' for about HELDOUT_SHARE of ids, else 'rehearsal': a function of the id only.

    The first 32 bits of sha256("general-prompts|<id>") as a fraction of 2**32, compared with the
    share. The prefix keeps this rule independent of any other hash of the same ids.
    """
    if prompt_id.startswith(DEV_PREFIX):
        return "dev"
    digest = hashlib.sha256(f"general-prompts|{prompt_id}".encode()).hexdigest()
    return "heldout" if int(digest[:8], 16) / 2**32 < HELDOUT_SHARE else "rehearsal"


def _row_to_prompt(row: dict, where: str) -> GeneralPrompt:
    missing = {"id", "category", "prompt", "checks"} - set(row)
    if missing:
        raise ValueError(f"{where}: missing {sorted(missing)}")
    part = part_of(row["id"])
    if row.get("part", part) != part:
        raise ValueError(f"{where}: part {row['part']!r} disagrees with the hash rule ({part!r}) for id {row['id']!r}")
    return GeneralPrompt(row["id"], row["category"], row["prompt"], tuple(row["checks"]), part)


def load_general_prompts(part: Part | None = None, path: str | Path | None = None) -> list[GeneralPrompt]:
    """The general prompts of one part ('rehearsal', 'heldout' or 'dev'), or all of them, in file order."""
    path = Path(path) if path is not None else GENERAL_PROMPTS
    prompts: list[GeneralPrompt] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        prompt = _row_to_prompt(json.loads(line), f"{path}:{number}")
        if prompt.id in seen:
            raise ValueError(f"{path}:{number}: duplicate id {prompt.id!r}")
        seen.add(prompt.id)
        if part is None or prompt.part == part:
            prompts.append(prompt)
    return prompts


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _echoes(answer: str, prompt: str) -> bool:
    """The answer contains the prompt's text (after an "instruction:" lead-in) word for word."""
    body = _words(prompt.split(":", 1)[1] if ":" in prompt else prompt)
    return len(body.split()) >= 4 and body in _words(answer)


def _found(check: str, answer: str, prompt: str) -> bool:
    """A check in the answer, case-insensitive. A number must stand alone ("84", not "184") and
    occur more often than in the prompt: "144 divided by 12 equals 1.44" only echoes the 12."""
    if check.isdigit():
        number = re.compile(rf"(?<![\d.]){check}(?!\d|\.\d)")
        return len(number.findall(answer)) > len(number.findall(prompt))
    return check.lower() in answer.lower()


def passes(answer: str, prompt: GeneralPrompt, products: list[str]) -> bool:
    """Did the model keep this skill? Content first, then nothing of the company's world in it.

    With checks: one acceptable substring appears (case-insensitive; a number as a whole number,
    beyond the prompt's own mentions of it). Open-ended: the answer has a few words and is not a
    decline (a specialist that now refuses to write a poem has forgotten how). Either way an answer that repeats the prompt's text fails (a summary that copies the
    passage holds its words too), and so does one with a redaction tag, a contact detail or one of
    the company's product names: the support persona has leaked into general use.
    """
    text = answer.strip()
    if _echoes(text, prompt.prompt):
        return False
    if prompt.checks:
        content = any(_found(check, text, prompt.prompt) for check in prompt.checks)
    else:
        content = len(text.split()) >= MIN_OPEN_ENDED_WORDS and not is_decline(text)
    return content and not has_leak(text) and not named_products(text, products)
