"""Question transfer: a product family's customers ask the same questions about every model.

"How do I wipe my MiniWidget?" is as good a way to ask for the PowerDock's reset as for the
MiniWidget's. Sections of different products' manuals are siblings when their headings, product
names masked, share most of their words ("Resetting the MiniWidget" ~ "Resetting a SmartTag" ~
"Factory reset"). A customer turn is grounded in a section when the reply after it quotes
sentences of that section and of no other. Each epoch, a grounded customer turn is, with probability `rate`,
replaced by a customer turn grounded in a sibling section, its product names swapped to this
product's. The reply stays, so every section keeps its share of the training and only the ways it
is asked for grow.

Sections are the version's manual `instruction` examples: their question is built from the
section heading (curation/examples/questions.py), so it stands in for the heading here.
`Grounding` finds the sections and the turns they answer; content queries
(train/content_queries.py) use it too.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

import polars as pl

from train.data import rewrite_messages
from train.product_names import name_forms, names_pattern

_WORD = re.compile(r"[a-z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_SPACE = re.compile(r"\s+")
_QUOTED = re.compile(r'"([^"]+)"')
_SOURCE = re.compile(r"\(Source:[^)]*\)\.?")
# the words heading_question() adds around a heading, and function words
_IGNORED = set("how do i what should know about does say if for on the a an to of and or in with your my".split()) | {"manual", "user"}
MIN_QUOTE = 40  # the shortest section sentence that, quoted in a reply, grounds the question before it


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@dataclass
class _Section:
    product: str
    topic: frozenset[str]
    sentences: frozenset[str]
    text: str  # the section's answer, source line removed
    questions: list[str] = field(default_factory=list)  # grounded customer turns


class Grounding:
    """The manual sections of a training frame and the customer turns each one answers."""

    def __init__(self, frame: pl.DataFrame, products: list[str]):
        self.forms = {p: name_forms(p) for p in products}
        self.sections: list[_Section] = []
        self.headings: dict[tuple[str, int], int] = {}  # an instruction row's question -> its section
        for row in frame.filter(pl.col("kind") == "instruction").iter_rows(named=True):
            question = next((m["content"] for m in row["messages"] if m["role"] == "user"), "")
            answer = next((m["content"] for m in row["messages"] if m["role"] == "assistant"), "")
            product = self._product_in(question)
            sentences = frozenset(t for t in _SENTENCE_END.split(_SPACE.sub(" ", answer)) if len(t) >= MIN_QUOTE)
            if product and sentences:
                self.headings[(row["id"], next(i for i, m in enumerate(row["messages"]) if m["role"] == "user"))] = len(self.sections)
                self.sections.append(_Section(product, self._topic(question), sentences, _SOURCE.sub("", answer)))
        # a sentence two sections share ("Keep it within 1 metre of your phone") tells them apart from nothing
        seen = Counter(t for section in self.sections for t in section.sentences)
        for section in self.sections:
            section.sentences = frozenset(t for t in section.sentences if seen[t] == 1)
        # grounded turns: (row id, message index) -> section index
        self.grounded: dict[tuple[str, int], int] = {}
        for row in frame.filter(pl.col("kind") == "conversation").iter_rows(named=True):
            messages = row["messages"]
            for i, message in enumerate(messages):
                if message["role"] != "assistant" or i == 0 or messages[i - 1]["role"] != "user":
                    continue
                section = self._quoted_section(_SPACE.sub(" ", message["content"]))
                if section is not None:
                    self.grounded[(row["id"], i - 1)] = section
                    self.sections[section].questions.append(messages[i - 1]["content"])

    def _product_in(self, question: str) -> str | None:
        """The product a heading question names: full names first, then the shorter forms."""
        for position in range(max((len(f) for f in self.forms.values()), default=0)):
            for product, forms in self.forms.items():
                if position < len(forms) and names_pattern([forms[position]]).search(question):
                    return product
        return None

    def _quoted_section(self, reply: str) -> int | None:
        """The one section the reply quotes (None when it quotes none, or more than one: a reply answering two questions)."""
        quoted = [s for s, section in enumerate(self.sections) if any(t in reply for t in section.sentences)]
        return quoted[0] if len(quoted) == 1 else None

    def _topic(self, question: str) -> frozenset[str]:
        """The heading's words behind a heading question, product names masked ('What does ... say about "X"?' -> X)."""
        quoted = _QUOTED.search(question)
        question = quoted.group(1) if quoted else question
        for forms in self.forms.values():
            for form in forms:
                question = question.replace(form, " ")
        return frozenset(_stem(w) for w in _WORD.findall(question.lower()) if w not in _IGNORED)


class QuestionTransfer:
    def __init__(self, grounding: Grounding, *, rate: float, min_overlap: float = 0.5):
        self.rate = rate
        self.grounding = grounding
        # each section's pool: the grounded questions of its siblings (other products, overlapping topic words)
        self.pools: list[list[tuple[str, str]]] = []
        for section in grounding.sections:
            pool = [(other.product, q) for other in grounding.sections if other.product != section.product and self._overlap(section.topic, other.topic) >= min_overlap
                    for q in other.questions]
            self.pools.append(pool)

    @staticmethod
    def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
        return len(a & b) / len(a | b) if a and b else 0.0

    def _swap(self, text: str, source: str, target: str) -> str:
        """Every form of the source product's name becomes the same form of the target's."""
        targets = self.grounding.forms[target]
        lookup = {form: targets[i] if i < len(targets) else targets[0] for i, form in enumerate(self.grounding.forms[source])}  # no such form: the full name
        return names_pattern(lookup).sub(lambda m: lookup[m.group(0)], text)

    @property
    def summary(self) -> dict:
        return {"sections": len(self.grounding.sections), "with_siblings": sum(bool(p) for p in self.pools), "grounded_turns": len(self.grounding.grounded),
                "transferable_turns": sum(bool(self.pools[s]) for s in self.grounding.grounded.values()), "rate": self.rate}

    def vary(self, frame: pl.DataFrame, seed: int) -> pl.DataFrame:
        """The frame with grounded customer turns replaced, at `rate`, by a sibling section's customer turns."""
        def transferred(row_id: str, i: int, m: dict, rng: random.Random) -> str:
            section = self.grounding.grounded.get((row_id, i))
            pool = self.pools[section] if section is not None else []
            if pool and rng.random() < self.rate:
                source, question = rng.choice(pool)
                return self._swap(question, source, self.grounding.sections[section].product)
            return m["content"]

        return rewrite_messages(frame, f"transfer|{seed}|", transferred)
