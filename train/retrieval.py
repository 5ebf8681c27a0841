"""Retrieval beside fine-tuning: BM25 over the version's manual sections, and the prompt that
hands the retrieved sections to the model.

The knowledge base is every manual section of the version, from the manual examples of ALL its
splits (train, validation and test). That is not a test leak: retrieval is a tool over the
company's documents, the way a deployed assistant would search them, and the evaluation's
questions are customer questions, not manual text. A section is one manual document (a page of a
PDF, a heading of a Markdown or HTML manual); curation/examples/build.py writes it twice, as a
`passage` ("Manual — Heading (page 12)" then the text) and as an `instruction` answer (the text,
then "(Source: Manual, page 12.)"), so each section is read once, from whichever row has it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import polars as pl
from bm25s.stopwords import STOPWORDS_EN

SPLITS = ("train", "validation", "test")
_WHERE = r"page \d+|section \"[^\"]*\""
_PASSAGE_HEADER = re.compile(rf"^(?P<manual>.+?)(?: \u2014 (?P<heading>.+?))? \((?P<where>{_WHERE})\)$")
_SOURCE_LINE = re.compile(rf"\s*\(Source: (?P<manual>.+), (?P<where>{_WHERE})\.\)\s*$")
_WORD = re.compile(r"[a-z0-9]+")
_CODE = re.compile(r"\b([a-z]{1,3})-(\d{1,4})\b")
# bm25s's English list (articles, prepositions) plus the words every customer question is made of
_STOPWORDS = frozenset(STOPWORDS_EN) | set(
    "i me my mine we our you your he she its them what which who whom how why when where whether do does did doing done "
    "can could should would may might must shall have has had having am were been being get got so than too very just "
    "any all some about after before again also only own same other up down out over under here now there please thanks "
    "thank hello hi help need want know tell way".split())


@dataclass(frozen=True)
class Section:
    """One manual section: where it is (its citation) and what it says."""

    id: str  # the section's document id (the source document of its examples)
    manual: str
    heading: str  # heading path, " > "-joined; "" for a title page
    page: int | None
    text: str

    @property
    def location(self) -> str:
        return f"page {self.page}" if self.page is not None else f'section "{self.heading or self.manual}"'

    @property
    def citation(self) -> str:
        """As the training data cites it: 'A-45 SuperWidget User Manual, page 12'."""
        return f"{self.manual}, {self.location}"


def _parse_where(where: str) -> tuple[int | None, str]:
    if where.startswith("page "):
        return int(where.split()[1]), ""
    return None, where[len('section "'):-1]


def _from_passage(section_id: str, content: str) -> Section | None:
    header, _, text = content.partition("\n\n")
    match = _PASSAGE_HEADER.match(header.strip())
    if not match or not text.strip():
        return None
    page, heading = _parse_where(match["where"])
    return Section(section_id, match["manual"], match["heading"] or heading, page, text.strip())


def _from_instruction(section_id: str, content: str) -> Section | None:
    match = _SOURCE_LINE.search(content)
    if not match:
        return None
    page, heading = _parse_where(match["where"])
    text = content[: match.start()].strip()
    return Section(section_id, match["manual"], heading, page, text) if text else None


def sections_of(version_dir: Path) -> list[Section]:
    """The version's manual sections, one per section document, passages preferred (they carry
    the heading of a PDF page too), in a stable order (by id)."""
    frames = [pl.read_parquet(version_dir / f"{split}.parquet", columns=["kind", "source_kind", "source_document_ids", "messages"])
              for split in SPLITS if (version_dir / f"{split}.parquet").exists()]
    if not frames:
        return []
    manual = pl.concat(frames).filter(pl.col("source_kind") == "manual")
    found: dict[str, Section] = {}
    for row in manual.sort("kind", descending=True).iter_rows(named=True):  # "passage" rows before "instruction"
        section_id = (row["source_document_ids"] or [""])[0]
        if section_id in found:
            continue
        reply = next((m["content"] for m in reversed(row["messages"]) if m["role"] == "assistant"), "")
        section = _from_passage(section_id, reply) if row["kind"] == "passage" else _from_instruction(section_id, reply)
        if section is not None:
            found[section_id] = section
    unique: dict[tuple[str, str], Section] = {}  # two manual versions can hold one section word for word
    for section in sorted(found.values(), key=lambda s: s.id):
        unique.setdefault((section.manual, section.text), section)
    return list(unique.values())


def _stem(word: str) -> str:
    """A light suffix strip, so "resetting" finds "reset" and "pairing" finds "pair"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if suffix in ("ing", "ed") and len(stem) > 3 and stem[-1] == stem[-2]:
                stem = stem[:-1]  # "resett" -> "reset"
            return stem
    return word


def tokens(text: str) -> list[str]:
    """BM25 terms: lower-cased words without stopwords, lightly stemmed, plus model codes joined
    ("A-45" -> "a45"), which a word tokenizer would cut into a stopword-like "a" and a number."""
    lowered = text.lower()
    words = [_stem(w) for w in _WORD.findall(lowered) if w not in _STOPWORDS and len(w) > 1]
    return words + [f"{letters}{digits}" for letters, digits in _CODE.findall(lowered)]


class SectionIndex:
    """A BM25 index (bm25s) over manual sections: title, heading and text of each.

    Every section of a manual shares the manual's title words ("A-45", "SuperWidget"), so on their
    own they pull in the shortest sections of the right manual (a title page) rather than the
    section that answers. A question that names a product is therefore answered from that
    product's manual(s): the title words pick the manuals, the other words rank their sections.
    A question that names no product is ranked over all sections.
    """

    def __init__(self, sections: list[Section]):
        self.sections = sections
        self._bm25 = bm25s.BM25()
        if sections:
            self._bm25.index([tokens(f"{s.manual} {s.heading} {s.text}") or [""] for s in sections], show_progress=False)
        titles = {s.manual: set(tokens(s.manual)) for s in sections}
        shared = {t for t in set().union(*titles.values()) if sum(t in words for words in titles.values()) > 1} if titles else set()
        self._title_words = {manual: words - shared for manual, words in titles.items()}  # "user", "manual" name no product

    @classmethod
    def from_version(cls, version_dir: Path) -> "SectionIndex":
        return cls(sections_of(version_dir))

    def manuals_named(self, question: str) -> set[str]:
        """The manuals whose distinctive title words the question uses ("my A-45" -> the A-45 manual)."""
        words = set(tokens(question))
        return {manual for manual, title in self._title_words.items() if title & words}

    def retrieve(self, question: str, k: int = 3) -> list[Section]:
        """The k best-scoring sections for the question (fewer when fewer match at all)."""
        if not self.sections:
            return []
        manuals = self.manuals_named(question)
        title_words = set().union(*(self._title_words[m] for m in manuals)) if manuals else set()
        query = [t for t in tokens(question) if t in self._bm25.vocab_dict and t not in title_words]
        scores = np.asarray(self._bm25.get_scores(query)) if query else np.zeros(len(self.sections))
        candidates = [i for i, s in enumerate(self.sections) if not manuals or s.manual in manuals]
        ranked = sorted(candidates, key=lambda i: (-scores[i], i))
        return [self.sections[i] for i in ranked[:k] if scores[i] > 0 or manuals]


def _cut_to_tokens(tokenizer, text: str, budget: int) -> str:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return text if len(ids) <= budget else tokenizer.decode(ids[:budget]).rstrip() + " ..."


def section_block(section: Section, text: str | None = None) -> str:
    return f"(Source: {section.citation}.)\n{section.text if text is None else text}"


def retrieval_prompt(tokenizer, system: str | None, question: str, sections: list[Section], max_tokens: int) -> list[dict]:
    """Chat messages: the system prompt, then a user turn with the retrieved sections (each under
    its citation, best first) and the question, within `max_tokens` once the chat template is
    applied. The best sections go in whole while they fit; the first that does not is cut to the
    room left, and the rest are left out."""
    head = "Answer the question from these sections of our manuals, and cite the section you use.\n\n"
    tail = f"Question: {question}"

    def messages(blocks: list[str]) -> list[dict]:
        user = head + "".join(block + "\n\n" for block in blocks) + tail
        return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]

    def length(blocks: list[str]) -> int:
        text = tokenizer.apply_chat_template(messages(blocks), tokenize=False, add_generation_prompt=True)
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    blocks: list[str] = []
    for section in sections:
        whole = section_block(section)
        if length(blocks + [whole]) <= max_tokens:
            blocks.append(whole)
            continue
        room = max_tokens - length(blocks + [section_block(section, "")])
        while room > 16:  # cutting at a token boundary can re-tokenise a little longer: shrink until it fits
            cut = section_block(section, _cut_to_tokens(tokenizer, section.text, room))
            if length(blocks + [cut]) <= max_tokens:
                blocks.append(cut)
                break
            room -= 8
        break
    return messages(blocks)
