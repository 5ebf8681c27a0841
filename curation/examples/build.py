"""Examples: cleaned documents -> chat Examples + ledger rows (stage "examples").

- an email thread becomes one multi-turn conversation: customer messages are `user`, the
  company's (recognised by its domains and addresses) are `assistant`, consecutive same-role
  messages are merged;
- a ticket becomes a conversation from its description, public comments and resolution (internal
  notes were removed by the clean step); reply-tree exports group their rows into one conversation;
- a manual section becomes an `instruction` example (a question from its heading path, answered by
  the section with a citation) and a `passage` example for continued pre-training.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import orjson
import polars as pl

from curation.company import SAMPLE_COMPANY, CompanyConfig
from curation.defects import MIN_FUNCTION_SHARE, cut_by_export, echoed, missing_part, normal, not_a_request, not_language, placeholder
from curation.examples.config import ExamplesConfig
from curation.clean.pipeline import body_digest
from curation.clean.quality import detect_language, words
from curation.examples.greetings import greeting_names_in_context
from curation.examples.knowledge import (begins_topic, chunk_label, chunks, clean_heading, halves, is_listing, is_navigation, not_documentation,
                                         section_question, topic_heading)
from schemas import Document, Example, Message
from curation.shards import DEFAULT_SHARD_SIZE, Laps, MapFn, PackStore, ProgressFn, code_fingerprint, cut, digest, in_key_order, map_shards, scan_packs
from schemas.frames import EXAMPLE_SCHEMA, LEDGER_SCHEMA, documents_from_frame, read_rows, sink_atomic

STAGE = "examples"
DROP_REASONS = {
    "duplicate_message": "a copy of another message (the same Message-ID, or the same sender, date and body), filed twice",
    "echo": "a company reply that only repeats the customer turn it answers",
    "template_residue": "an unfilled template placeholder such as {product_purchased} in a turn",
    "cut_by_export": "a turn the export cut short: it ends in an ellipsis glued to a word and a link to the rest (Twitter's API text)",
    "missing_part": "a company reply numbered as part k of n ('... 2/2') whose other parts are not in the export",
    "other_customer": "in a reply tree, a message by another customer than the one the company answers (a stranger chiming in)",
    "not_a_request": "the first customer turn asks nothing (a file name, a link, a thank-you or an ok alone)",
    "not_language": "an English reply that is not prose: under a fifth function words (filler drawn from a word list)",
    "no_assistant_turn": "the thread has no company reply after a customer message",
    "no_customer_turn": "company messages before the customer's first message answer nothing",
    "unanswered_followup": "customer messages after the company's last reply have no answer to learn",
    "unanswered_ticket": "a ticket with no public agent reply and no resolution",
    "manual_examples_disabled": "both manual instruction and passage examples are switched off",
    "no_question": "a manual section without a topic heading or question template, with passages switched off",
    "manual_fragment": "a manual section (a PDF page) under examples.min_answer_words words: a heading alone, a progress bar",
    "manual_pointer": "a manual section of a few words that only sends the reader elsewhere (\"answered in its FAQ; for more info, check: ...\")",
    "manual_scrap": "a manual chunk that lost its layout: labels whose values were pictures (\"Infill speed(mm/s):、\")",
    "manual_table_without_layout": "a PDF chunk that is a table of part codes whose columns the text layer lost (which code goes with which is gone)",
    "manual_navigation": "a manual's table of contents or index section (its heading says so): where to look, not what it says",
}
_SPACE = re.compile(r"\s+")


def example_id(messages: list[Message], kind: str, *, context_turns: int = 0) -> str:
    """Hash of the normalised content: the same conversation always gets the same id."""
    canonical = json.dumps([[m.role, normal(m.content)] for m in messages] + [kind] + ([context_turns] if context_turns else []))
    return "ex_" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass
class ExamplesSummary:
    inputs: Counter = field(default_factory=Counter)
    documents_used: Counter = field(default_factory=Counter)
    examples: Counter = field(default_factory=Counter)
    dropped: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    cache: dict = field(default_factory=dict)  # documents, units, computed (units not found in the cache), shards, shards_reused

    def as_dict(self) -> dict:
        return {
            "inputs": dict(sorted(self.inputs.items())),
            "documents_used": dict(sorted(self.documents_used.items())),
            "examples": dict(sorted(self.examples.items())),
            "dropped": {kind: dict(sorted(c.items())) for kind, c in sorted(self.dropped.items())},
            "cache": self.cache,
        }


@dataclass
class _Outcome:
    examples: list[Example] = field(default_factory=list)
    used: dict[str, list[str]] = field(default_factory=dict)  # document id -> example ids
    why: dict[str, str] = field(default_factory=dict)  # document id -> how it was used (thread position, role rule)
    dropped: dict[str, tuple[str, str]] = field(default_factory=dict)  # document id -> (reason, detail)


def _is_company(address: str, company: CompanyConfig) -> bool:
    return sender_rule(address, company)[0]


def sender_rule(address: str, company: CompanyConfig) -> tuple[bool, str]:
    """(is the company, the rule that says so), for `curate explain`; it names the sender's domain,
    never the (personal) address."""
    address = address.lower()
    if address in {a.lower() for a in company.support_addresses}:
        return True, "the sender is one of company.support_addresses"
    domain = address.rpartition("@")[2]
    match = next((d for d in company.domains if domain == d or domain.endswith("." + d)), None)
    if match:
        return True, f"@{domain} is in company.domains ({match})"
    if not domain:
        return False, "the message has no sender address"
    return False, f"@{domain} is not in company.domains and the sender is not a support address"


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
def _merge_turns(turns: list[tuple[str, str, str]]) -> list[tuple[str, str, list[str]]]:
    """(role, text, doc id) in order -> (role, merged text, doc ids) with same-role neighbours merged;
    a turn never holds the same paragraph twice (a message and its copy, a repeated greeting)."""
    merged: list[tuple[str, list[str], list[str]]] = []
    for role, text, doc_id in turns:
        if not text.strip():
            continue
        if not (merged and merged[-1][0] == role):
            merged.append((role, [], []))
        paragraphs, ids = merged[-1][1], merged[-1][2]
        seen = {normal(p) for p in paragraphs}
        for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
            if paragraph.strip() and normal(paragraph) not in seen:
                paragraphs.append(paragraph.strip("\n"))
                seen.add(normal(paragraph))
        ids.append(doc_id)
    return [(role, "\n\n".join(paragraphs), ids) for role, paragraphs, ids in merged if paragraphs]


def _defect(messages: list[Message]) -> tuple[str, str] | None:
    """Why a conversation must not be published: a reply that echoes its question, template residue, a
    first customer turn that asks nothing."""
    turns = [(m.role, m.content) for m in messages if m.role != "system"]
    echo = echoed(turns)
    if echo is not None:
        return "echo", f"the reply repeats the customer turn: {echo[:80]!r}"
    residue = placeholder(turns)
    if residue:
        return "template_residue", f"{residue[0]} in a {residue[1]} turn"
    cut = cut_by_export(turns)
    if cut is not None:
        return "cut_by_export", f"a turn ends in '...' and a link: {cut[-80:]!r}"
    partial = missing_part(turns)
    if partial is not None:
        return "missing_part", f"a reply in numbered parts lacks some of them: {partial[-80:]!r}"
    empty = not_a_request(turns)
    if empty is not None:
        return "not_a_request", f"the first customer turn asks nothing: {empty[:80]!r}"
    filler = not_language(turns, _language_of)
    if filler is not None:
        return "not_language", f"a reply that is not prose (under {MIN_FUNCTION_SHARE:.0%} function words): {filler[:80]!r}"
    return None


def _language_of(text: str) -> str:
    return detect_language(text)[0]


def _conversation(turns: list[tuple[str, str, str]], config: ExamplesConfig, *, source_kind: str, group_key: str, created_at, all_ids: list[str],
                  no_answer_reason: str, fits: Fits | None = None) -> _Outcome:
    outcome = _Outcome()
    merged = _merge_turns(turns)
    while merged and merged[0][0] == "assistant":
        for doc_id in merged.pop(0)[2]:
            outcome.dropped[doc_id] = ("no_customer_turn", "a company message before any customer message")
    while merged and merged[-1][0] == "user" and any(role == "assistant" for role, _, _ in merged):
        for doc_id in merged.pop()[2]:
            outcome.dropped.setdefault(doc_id, ("unanswered_followup", "after the company's last reply"))
    if not any(role == "assistant" for role, _, _ in merged):
        for doc_id in all_ids:
            outcome.dropped.setdefault(doc_id, (no_answer_reason, f"{len(merged)} customer turn(s), no reply"))
        return outcome
    window_of: dict[str, str] = {}
    head = [{"role": "system", "content": config.system_prompt}] if config.include_system_prompt else []
    for context, window in _windows(merged, config.max_turns, fits, head, history=config.window_history):
        messages = [Message(role="system", content=config.system_prompt)] if config.include_system_prompt else []
        messages += [Message(role=role, content=text) for role, text, _ in [*context, *window]]
        if config.greeting_names == "in_context":
            messages = greeting_names_in_context(messages)
        used_ids = [doc_id for _, _, ids in window for doc_id in ids]
        defect = _defect(messages)
        if defect:
            for doc_id in used_ids:
                outcome.dropped.setdefault(doc_id, defect)
            continue
        example = Example(
            id=example_id(messages, "conversation", context_turns=len(context)), messages=messages, kind="conversation",
            source_kind=source_kind, source_document_ids=sorted(set(used_ids)), group_key=group_key, context_turns=len(context),
        )
        outcome.examples.append(example)
        window_of.update(dict.fromkeys(used_ids, example.id))
    for doc_id in all_ids:
        if doc_id in outcome.dropped:
            continue
        if outcome.examples:  # a message with no text left is used by the conversation's first window
            outcome.used[doc_id] = [window_of.get(doc_id, outcome.examples[0].id)]
        else:
            outcome.dropped[doc_id] = ("empty_after_cleaning", "no text left in this message of a dropped conversation")
    return outcome


def _windows(merged: list[tuple[str, str, list[str]]], max_turns: int, fits: Fits | None = None,
             head: list[dict] = (), *, history: int = 2) -> list[tuple[list, list]]:
    """(context, window) pairs. Windows are consecutive runs of whole exchanges (a customer turn and the
    company's reply), each starting with a customer turn and ending with a reply: at most max_turns turns and,
    with `fits`, no more than fit the training length after `head` (the system prompt). An exchange too long
    on its own is a window by itself (validation reports it as cut by the window). A window after the first
    starts with up to `history` turns of the exchanges before it that fit beside its first exchange: its
    context, shown to the model but not trained on again (Example.context_turns), so "No, but I moved the
    speaker" is not a conversation's opening line. `merged` alternates roles, from the customer's first turn
    to the last reply."""
    size = max(2, max_turns - max_turns % 2)

    def fit(turns) -> bool:
        return fits is None or fits([*head, *({"role": role, "content": text} for role, text, _ in turns)])

    windows, start = [], 0
    while start < len(merged):
        context_start = start
        while (context_start >= 2 and start - context_start + 2 <= history  # one more earlier exchange as context
               and start + 2 - (context_start - 2) <= size and fit(merged[context_start - 2:start + 2])):
            context_start -= 2
        end = start + 2
        while end + 2 <= len(merged) and end + 2 - context_start <= size and fit(merged[context_start:end + 2]):
            end += 2
        windows.append((merged[context_start:start], merged[start:end]))
        start = end
    return windows


Fits = Callable[[list[dict]], bool]


def token_budget(factory: str | None, spec: str, max_tokens: int, cache_dir: str | None = None) -> Fits:
    """Does a conversation (role/content dicts, system prompt included) fit `max_tokens` tokens, counted
    with the model's chat template (validation.token_counter; None: characters / 4)?"""
    return TokenBudget(factory, spec, max_tokens, cache_dir)


class TokenBudget:
    """The Fits of :func:`token_budget`, picklable: a process pool's or Dask's worker gets the factory,
    the spec and the limit, and resolves the counter (loads the tokenizer) once, on first use (from
    `cache_dir` when a process before it kept it there, see LazyTokenCounter)."""

    def __init__(self, factory: str | None, spec: str, max_tokens: int, cache_dir: str | None = None):
        from curation.validate.tokens import LazyTokenCounter

        self.factory, self.spec, self.max_tokens = factory, spec, max_tokens
        self._tokens = LazyTokenCounter(factory, spec, cache_dir)

    def key(self) -> tuple:
        return (self.factory, self.spec, self.max_tokens)

    def __call__(self, messages: list[dict]) -> bool:
        if self.factory is None:
            return sum(len(m["content"]) for m in messages) // 4 <= self.max_tokens
        return self._tokens(messages) <= self.max_tokens


def email_thread(docs: list[Document], company: CompanyConfig, config: ExamplesConfig, fits: Fits | None = None) -> _Outcome:
    config = config.for_company(company.name)
    docs = sorted(docs, key=lambda d: (d.created_at is None, d.created_at or 0, d.id))
    rules = [sender_rule(d.meta.sender.address, company) for d in docs]
    turns = [("assistant" if is_company else "user", d.text, d.id) for d, (is_company, _) in zip(docs, rules)]
    outcome = _conversation(turns, config, source_kind="email", group_key=docs[0].group_key, created_at=docs[-1].created_at,
                            all_ids=[d.id for d in docs], no_answer_reason="no_assistant_turn", fits=fits)
    for position, (doc, (is_company, rule)) in enumerate(zip(docs, rules), start=1):
        outcome.why[doc.id] = (f"{doc.group_key}, message {position} of {len(docs)}: "
                               f"{'company (assistant)' if is_company else 'customer (user)'} because {rule}")
    return outcome


def _other_customers(docs: list[Document], roles: dict[str, str]) -> set[str]:
    """Ids of the customer rows of a reply tree (in time order) written by someone else than the customer the
    company's first reply answers, the author of the last customer row before it. On Twitter strangers join
    a thread ("Me too!"); merged into the customer's turn they would make two people one."""
    first_reply = next((i for i, d in enumerate(docs) if roles[d.id] == "assistant"), None)
    answered = next((d.meta.requester.name for d in reversed(docs[:first_reply]) if roles[d.id] == "user"), None) if first_reply else None
    if not answered:
        return set()
    return {d.id for d in docs if roles[d.id] == "user" and d.meta.requester.name and d.meta.requester.name != answered}


def ticket_conversation(docs: list[Document], company: CompanyConfig, config: ExamplesConfig, fits: Fits | None = None) -> _Outcome:
    config = config.for_company(company.name)
    docs = sorted(docs, key=lambda d: (d.created_at is None, d.created_at or 0, d.id))
    if len(docs) > 1:  # rows of a reply tree: each row is one message
        roles = {d.id: "assistant" if d.meta.comments and d.meta.comments[0].author_role == "agent" else "user" for d in docs}
        strangers = _other_customers(docs, roles)
        turns = [(roles[d.id], d.text, d.id) for d in docs if d.id not in strangers]
        outcome = _conversation(turns, config, source_kind="ticket", group_key=docs[0].group_key, created_at=docs[-1].created_at,
                                all_ids=[d.id for d in docs if d.id not in strangers], no_answer_reason="unanswered_ticket", fits=fits)
        for doc_id in strangers:
            outcome.dropped[doc_id] = ("other_customer", "another customer's message in this reply tree: the company's first reply answers a different author")
        return outcome
    (doc,) = docs
    meta = doc.meta
    turns = [("user", doc.text, doc.id)]
    comments = list(meta.comments)
    if comments and comments[0].author_role != "agent" and _SPACE.sub(" ", comments[0].body).strip() == _SPACE.sub(" ", doc.text).strip():
        comments = comments[1:]
    for comment in comments:
        is_agent = comment.author_role == "agent" or _is_company(comment.author_email, company)
        turns.append(("assistant" if is_agent else "user", comment.body, doc.id))
    if not any(role == "assistant" for role, _, _ in turns) and meta.resolution.strip():
        turns.append(("assistant", meta.resolution, doc.id))
    return _conversation(turns, config, source_kind="ticket", group_key=doc.group_key, created_at=doc.created_at,
                         all_ids=[doc.id], no_answer_reason="unanswered_ticket", fits=fits)


def _fitting_pieces(text: str, max_chars: int, fits: Fits | None, overhead: list[dict]) -> list[str]:
    """Paragraph-aligned chunks of at most max_chars; with `fits`, a chunk that does not fit the training
    length next to `overhead` (system prompt, question, citation) is halved until it does (or is one line)."""
    pieces = chunks(text, max_chars)
    if fits is None:
        return pieces
    out: list[str] = []
    while pieces:
        piece = pieces.pop(0)
        if len(piece) > 200 and not fits([*overhead, {"role": "assistant", "content": piece}]):
            two = halves(piece)
            if len(two) > 1:
                pieces[:0] = two
                continue
        out.append(piece)
    return out


DANGLING_INTRO_WORDS = 25  # a chunk this short that ends on a colon only introduces the next one


def manual_examples(doc: Document, company: CompanyConfig, config: ExamplesConfig, fits: Fits | None = None) -> _Outcome:
    """Knowledge examples of one manual section: per chunk, a question in the section's language answered by
    the chunk with its citation (curation/examples/knowledge.py), and the chunk as a passage."""
    config = config.for_company(company.name)
    outcome = _Outcome()
    meta = doc.meta
    if (own := (meta.heading_path[-1] if meta.heading_path else doc.title)) and is_navigation(own):
        outcome.dropped[doc.id] = ("manual_navigation", f"the section's heading {own!r} names a table of contents or an index")
        return outcome
    product = next((p for p in company.products if p.lower() in meta.manual.lower() or p.split()[0] in meta.manual), None)
    where = f"page {meta.page}" if meta.page else f"section \"{' > '.join(meta.heading_path) or meta.manual}\""
    language = detect_language(doc.text[:2000])[0] if doc.text.strip() else "en"
    heading = topic_heading(meta.heading_path, meta.manual)
    nested = heading is not None and len(meta.heading_path) > 1 and heading != clean_heading(meta.heading_path[0])
    examples, templates, fragments, listings, unlabelled, cut_short, empty = [], [], 0, 0, 0, 0, []
    # what a question and its citation add, at their longest: the longest templates name the manual and the heading
    asked = f"What are the technical details for {heading or meta.manual} of the {product or meta.manual} in \"{meta.manual}\"?"
    overhead = [{"role": "system", "content": config.system_prompt}, {"role": "user", "content": asked},
                {"role": "assistant", "content": f"(Source: {meta.manual}, {where}.)"}]
    for i, piece in enumerate(_fitting_pieces(doc.text, config.section_chunk_chars, fits, overhead)):
        wording = len([w for w in words(piece) if any(ch.isalpha() for ch in w)])
        # "The format of the programmer definition is as follows:" alone, its listing in the next chunk: a fragment
        dangling = piece.rstrip().endswith((":", "："))
        answerable = wording >= config.min_answer_words and not (dangling and wording < DANGLING_INTRO_WORDS)
        fragments += not answerable
        if answerable and (teaches_nothing := not_documentation(piece, pdf=meta.format == "pdf")):
            empty.append(teaches_nothing)  # neither a question nor a passage
            continue
        listing = answerable and is_listing(piece)  # documentation, but no answer to a question: a passage only
        listings += listing
        askable = answerable and not listing
        # the heading's question belongs to the chunk that begins its topic; a later one only has the label it starts with
        topic, under = (heading, nested) if i == 0 and begins_topic(doc.text, heading or "", pdf=meta.format == "pdf") else (chunk_label(piece), True)
        unlabelled += bool(heading and askable and topic is None)
        # a longer chunk ending on a colon is documentation, but what it introduces is not in it: no question
        cut_short += bool(topic and askable and dangling)
        question = topic and askable and not dangling and section_question(
            topic, meta.manual, piece, language, section_key=doc.id if i == 0 else f"{doc.id}#{i}", product=product, nested=under)
        if config.manual_instructions and question:
            answer = piece + (f"\n\n(Source: {meta.manual}, {where}.)" if config.cite_sources else "")
            messages = [Message(role="system", content=config.system_prompt)] if config.include_system_prompt else []
            messages += [Message(role="user", content=question.text), Message(role="assistant", content=answer)]
            examples.append(Example(id=example_id(messages, "instruction"), messages=messages, kind="instruction", source_kind="manual",
                                    source_document_ids=[doc.id], group_key=doc.group_key, language=language, template=question.template))
            templates.append(question.template)
        if config.manual_passages and answerable:
            title = " > ".join(meta.heading_path)
            passage = f"{meta.manual}" + (f" — {title}" if title and title != meta.manual else "") + f" ({where})\n\n{piece}"
            messages = [Message(role="assistant", content=passage)]
            examples.append(Example(id=example_id(messages, "passage"), messages=messages, kind="passage", source_kind="manual",
                                    source_document_ids=[doc.id], group_key=doc.group_key, language=language))
    if config.manual_instructions:
        outcome.why[doc.id] = (f"questions ({language}): {', '.join(templates)} under \"{heading}\"" if templates else
                               "no question: no heading names a topic" if heading is None else
                               "no question: it goes on with a topic begun earlier (a PDF page of a chapter) and starts with no label of its own" if unlabelled else
                               f"no question: under {config.min_answer_words} words, or a short introduction ending on a colon" if fragments and not listings else
                               "no question: a listing (config entries, a terminal session, a dump), not prose" if listings else
                               f"no question: {len(empty)} chunk(s) that teach nothing ({', '.join(sorted({r for r, _ in empty}))})" if empty else
                               f"no question: no templates for language {language!r}")
        if templates and fragments:
            outcome.why[doc.id] += f"; {fragments} chunk(s) under {config.min_answer_words} words without a question"
        if templates and listings:
            outcome.why[doc.id] += f"; {listings} chunk(s) a listing without a question"
        if templates and unlabelled:
            outcome.why[doc.id] += f"; {unlabelled} chunk(s) going on with the topic without a label of their own: passages only"
        if cut_short:
            outcome.why[doc.id] += f"; {cut_short} chunk(s) ending on a colon, what they introduce in the next chunk: passages only"
    if examples and empty:
        outcome.why[doc.id] = outcome.why.get(doc.id, "") + f"; {len(empty)} chunk(s) left out: {', '.join(sorted({r for r, _ in empty}))}"
    if not examples:
        if not (config.manual_instructions or config.manual_passages):
            outcome.dropped[doc.id] = ("manual_examples_disabled", "examples.manual_instructions and manual_passages are false")
        elif empty:  # the section's words were pointers or scraps (and fragments)
            outcome.dropped[doc.id] = empty[0]
        elif config.manual_passages:  # passages were on, so every chunk was under min_answer_words
            outcome.dropped[doc.id] = ("manual_fragment", f"under examples.min_answer_words={config.min_answer_words} words, or an introduction "
                                                          f"under {DANGLING_INTRO_WORDS} words ending on a colon: {doc.text[:80]!r}")
        else:
            outcome.dropped[doc.id] = ("no_question", outcome.why[doc.id])
    outcome.examples = examples
    outcome.used = {doc.id: [e.id for e in examples]} if examples else {}
    return outcome


def copy_keys(row: dict) -> list[tuple]:
    """The keys under which two e-mails (rows of a documents file) are copies of one message: the same sender,
    date and body, and the same Message-ID (none for other kinds)."""
    if row["source_kind"] != "email":
        return []
    meta = orjson.loads(row["meta"])
    body = meta.get("body_digest") or body_digest(row["text"])  # clean sets it from the body before redaction
    keys = [("content", meta["sender"]["address"].lower(), row["created_at"], body)]
    if meta.get("message_id"):
        keys.append(("message-id", meta["message_id"]))
    return keys


def first_copies(entries: Iterable[tuple[str, list[tuple]]]) -> dict[str, str]:
    """(document id, its :func:`copy_keys`) in (path, locator, id) order -> {id of a copy: id of the kept copy}."""
    first: dict[tuple, str] = {}
    copies: dict[str, str] = {}
    for doc_id, keys in entries:
        if not keys:
            continue
        original = next((first[k] for k in keys if k in first), None)
        if original is not None:
            copies[doc_id] = original
        for key in keys:  # a copy's other key leads to its original too (Message-ID of one copy, body of another)
            first.setdefault(key, original or doc_id)
    return copies


def examples_from_documents(docs: Iterable[Document], company: CompanyConfig, config: ExamplesConfig,
                            fits: Fits | None = None) -> Iterator[tuple[_Outcome, list[Document]]]:
    """Group documents (threads, reply trees) and turn each group into examples."""
    groups: dict[tuple[str, str], list[Document]] = defaultdict(list)
    for doc in docs:
        kind = doc.source.source_kind
        if kind == "manual":
            yield manual_examples(doc, company, config, fits), [doc]
        else:
            groups[(kind, doc.group_key)].append(doc)
    for (kind, _), members in sorted(groups.items()):
        builder = email_thread if kind == "email" else ticket_conversation
        yield builder(members, company, config, fits), members


def example_row(example: Example, created_at) -> dict:
    return {
        "id": example.id,
        "messages": [m.model_dump() for m in example.messages],
        "kind": example.kind,
        "source_kind": example.source_kind,
        "source_document_ids": example.source_document_ids,
        "group_key": example.group_key,
        "created_at": created_at,
        "n_chars": sum(len(m.content) for m in example.messages if m.role != "system"),
        "language": example.language or _language(example),
        "template": example.template,
        "context_turns": example.context_turns,
    }


def _language(example: Example) -> str:
    text = "\n".join(m.content for m in example.messages if m.role != "system")[:2000]
    return detect_language(text)[0] if text.strip() else ""


def build_examples(documents_path: Path, out_dir: Path, company: CompanyConfig | None = None, config: ExamplesConfig | None = None,
                   fits: Fits | None = None, *, map_fn: MapFn = map, cache_dir: Path | None = None,
                   shard_size: int = DEFAULT_SHARD_SIZE, progress: ProgressFn | None = None) -> ExamplesSummary:
    """Cleaned documents -> out_dir/examples.parquet + out_dir/ledger.parquet. `fits`: does a conversation
    window fit the training length (see :func:`token_budget`); None: windows by examples.max_turns only.

    Sharded (see curation/shards.py). First, per contiguous shard of the input, each document's key (the
    hash of its row, the file hash aside) and its :func:`copy_keys`; then, here, the copies of one
    message (:func:`first_copies`) and the units: a manual section each, a thread or a ticket whole
    (its documents are one unit whichever shards they lay in). Units are cut into shards in output
    order (manual sections in input order, then threads and tickets by kind and group key), each
    shard mapped with `map_fn`; a unit's examples and ledger rows are cached in `cache_dir` (default
    out_dir/cache) under the hash of its documents' keys, and only units not found there are built.
    The output does not depend on the shards or the map.
    """
    company = company or SAMPLE_COMPANY
    config = (config or ExamplesConfig()).for_company(company.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    fits_key = fits.key() if isinstance(fits, TokenBudget) else None if fits is None else f"uncacheable:{id(fits)}:{os.getpid()}:{time.time()}"
    store = PackStore(Path(cache_dir or out_dir / "cache") / digest(company.model_dump(mode="json"), config.model_dump(mode="json"), fits_key,
                                                                      code_fingerprint("curation.examples.build")), tables=("examples", "ledger"))
    total = pl.scan_parquet(documents_path).select(pl.len()).collect().item()
    ids = pl.read_parquet(documents_path, columns=["id"]).get_column("id").to_list()
    slices = [(str(documents_path), a, b - a) for a, b in cut(ids, [1] * total, shard_size)]
    laps = Laps()
    entries = [e for part in map_shards(map_fn, _unit_keys_shard, slices, what="examples: keys", progress=progress) for e in part]
    laps.lap("keys")
    del ids
    # copies of one message (filed in several folders) are dropped here; the others are units
    ordered = sorted(entries, key=lambda e: (e[4], e[5], e[1]))  # path, locator, id: the first copy is kept
    copy_of = first_copies((e[1], e[7]) for e in ordered)
    summary = ExamplesSummary()
    by_id = {e[1]: e for e in entries} if copy_of else {}
    copies_ledger = []
    for e in ordered:
        if e[1] in copy_of:
            original = by_id[copy_of[e[1]]]
            summary.inputs[e[2]] += 1
            summary.dropped[e[2]]["duplicate_message"] += 1
            copies_ledger.append({"unit_id": e[1], "stage": STAGE, "source_kind": e[2], "path": e[4], "locator": e[5],
                                  "outcome": "dropped", "reason": "duplicate_message", "record_id": "",
                                  "detail": f"a copy of {original[1]} ({original[4]} [{original[5]}])"})
    del ordered, by_id
    units: list[tuple[str, str, list[int]]] = []  # (key, identity, rows)
    groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for e in entries:
        if e[2] == "manual":
            units.append((digest("manual", e[6]), f"manual\x1f{e[1]}", [e[0]]))
        elif e[1] not in copy_of:
            groups[(e[2], e[3])].append(e)
    for (kind, group_key), members in sorted(groups.items()):
        units.append((digest(kind, group_key, sorted(m[6] for m in members)), f"{kind}\x1f{group_key}", sorted(m[0] for m in members)))
    del entries, groups
    kinds = [identity.partition("\x1f")[0] for _, identity, _ in units]
    bounds = cut([identity for _, identity, _ in units], [len(rows) for _, _, rows in units], shard_size,
                 breaks=[i > 0 and kinds[i] != kinds[i - 1] for i in range(len(units))])
    shards = [(str(documents_path), units[a:b]) for a, b in bounds]
    del units
    laps.lap("units")
    results = map_shards(map_fn, partial(_examples_shard, company=company, config=config, fits=fits, store_root=str(store.root)), shards,
                         what="examples", progress=progress)
    laps.lap("shards")
    packs = [r["pack"] for r in results]
    for result in results:
        stats = result["stats"]
        for name in ("inputs", "documents_used", "examples"):
            for kind, n in stats[name].items():
                getattr(summary, name)[kind] += n
        for kind, reasons in stats["dropped"].items():
            summary.dropped[kind].update(reasons)
    summary.cache = {"documents": total, "units": sum(r["units"] for r in results), "computed": sum(r["computed"] for r in results),
                     "shards": len(results), "shards_reused": sum(1 for r in results if r["reused_pack"])}
    examples = scan_packs(store, packs, "examples")
    sink_atomic(examples.select(list(EXAMPLE_SCHEMA)) if examples is not None else EXAMPLE_SCHEMA.to_frame().lazy(), out_dir / "examples.parquet")
    ledgers = [pl.DataFrame(copies_ledger, schema=LEDGER_SCHEMA).lazy()]
    if packs:
        ledgers.append(scan_packs(store, packs, "ledger").select(list(LEDGER_SCHEMA)))
    sink_atomic(pl.concat(ledgers, how="vertical"), out_dir / "ledger.parquet")
    store.prune(packs)
    laps.lap("write")
    summary.cache["seconds"] = laps.seconds
    (out_dir / "examples_summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    return summary


_KEY_COLUMNS = ("id", "source_kind", "path", "locator", "group_key", "created_at", "title", "text", "meta")


def _unit_keys_shard(shard: tuple[str, int, int]) -> list[tuple]:
    """Per document of one contiguous shard: (row, id, kind, group key, path, locator, key, copy keys). The
    key is the hash of what the examples read of a document (its row, not the file hash)."""
    path, offset, length = shard
    frame = read_rows(Path(path), offset=offset, length=length)
    entries = []
    for row_no, row in enumerate(frame.iter_rows(named=True), start=offset):
        key = digest(*(row[c] for c in _KEY_COLUMNS))
        entries.append((row_no, row["id"], row["source_kind"], row["group_key"], row["path"], row["locator"], key, copy_keys(row)))
    return entries


UNIT_EXAMPLE_SCHEMA = pl.Schema({"key": pl.String, **EXAMPLE_SCHEMA})
UNIT_LEDGER_SCHEMA = pl.Schema({"key": pl.String, **LEDGER_SCHEMA})


def _examples_shard(shard: tuple[str, list[tuple[str, str, list[int]]]], *, company: CompanyConfig, config: ExamplesConfig,
                    fits: Fits | None, store_root: str) -> dict:
    """The examples and ledger rows of one shard's units into its pack (or find the pack there)."""
    path, units = shard
    store = PackStore(Path(store_root), tables=("examples", "ledger"))
    keys = [key for key, _, _ in units]
    pack = digest(keys)
    if store.has(pack):
        return {"pack": pack, "units": len(units), "computed": 0, "reused_pack": True, "stats": store.stats(pack)}
    found_examples = store.lookup(keys, "examples", UNIT_EXAMPLE_SCHEMA)
    found_ledger = store.lookup(keys, "ledger", UNIT_LEDGER_SCHEMA)  # every unit has ledger rows: the ledger says which units are there
    known = set(found_ledger.get_column("key").to_list())
    missing = [(key, identity, rows) for key, identity, rows in units if key not in known]
    key_of = {identity: key for key, identity, _ in missing}
    rows, ledger = [], []
    docs = list(documents_from_frame(read_rows(Path(path), rows=sorted(r for _, _, unit_rows in missing for r in unit_rows))))
    for outcome, members in examples_from_documents(docs, company, config, fits):
        kind = members[0].source.source_kind
        key = key_of[f"manual\x1f{members[0].id}" if kind == "manual" else f"{kind}\x1f{members[0].group_key}"]
        created = max((d.created_at for d in members if d.created_at), default=None)
        rows += [{"key": key, **example_row(example, created)} for example in outcome.examples]
        for doc in members:
            base = {"key": key, "unit_id": doc.id, "stage": STAGE, "source_kind": doc.source.source_kind, "path": doc.source.path,
                    "locator": doc.source.locator}
            if doc.id in outcome.used:
                for ex_id in outcome.used[doc.id]:
                    ledger.append({**base, "outcome": "kept", "reason": "", "detail": outcome.why.get(doc.id, ""), "record_id": ex_id})
            else:
                reason, detail = outcome.dropped[doc.id]
                detail = f"{detail}; {outcome.why[doc.id]}" if doc.id in outcome.why else detail
                ledger.append({**base, "outcome": "dropped", "reason": reason, "detail": detail, "record_id": ""})
        assert {d.id for d in members} == set(outcome.used) | set(outcome.dropped), "every document ends used or dropped"
    examples = in_key_order(pl.DataFrame(rows, schema=UNIT_EXAMPLE_SCHEMA), found_examples, keys, UNIT_EXAMPLE_SCHEMA)
    ledger_rows = in_key_order(pl.DataFrame(ledger, schema=UNIT_LEDGER_SCHEMA), found_ledger, keys, UNIT_LEDGER_SCHEMA)
    documents = ledger_rows.unique("unit_id", keep="first")
    dropped: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, reason, n in ledger_rows.filter(pl.col("outcome") == "dropped").group_by("source_kind", "reason").len().sort("source_kind", "reason").iter_rows():
        dropped[kind][reason] = n
    stats = {
        "inputs": dict(documents.group_by("source_kind").len().sort("source_kind").iter_rows()),
        "documents_used": dict(ledger_rows.filter(pl.col("outcome") == "kept").unique("unit_id").group_by("source_kind").len().sort("source_kind").iter_rows()),
        "examples": dict(examples.group_by("kind").len().sort("kind").iter_rows()),
        "dropped": dict(dropped),
    }
    store.write(pack, {"examples": examples, "ledger": ledger_rows}, stats)
    return {"pack": pack, "units": len(units), "computed": len(missing), "reused_pack": False, "stats": stats}
