"""Knowledge Q&A: a manual section becomes questions a customer would ask, in the section's language.

A section is answered by its own text and cited (manual, section path, page). Its question comes from
the nearest heading that names a topic (not "Chapter 3", "Page 12", a log line a PDF page starts with,
or a sentence) and takes the form the heading calls for:

- ``howto``: a task heading ("Resetting the hub", "Kalender synchronisieren", "初期設定の方法");
- ``symptom``: a heading that states a problem ("The dock does not charge", "Fehlermeldung E3", "接続できない");
- ``spec``, ``meaning``, ``about``: a topic heading; which of them is decided by a stable hash of the
  section, so one manual's questions are not all one template (``spec`` only where the body holds
  numbers with units);
- ``overview``: a section whose only topic is the manual's own title;
- a chunk that does not begin its topic (the second and later chunks of a section longer than
  ``examples.section_chunk_chars`` or the training length, a PDF page that goes on with the chapter of the
  page before) is asked about only under a label it starts with (``chunk_label``: "**Default search text**",
  "2.1 Option Descriptions", "Problem: ... not found"); without one it is a passage only. One generic
  "What else should I know about X?" per chunk gave 560 of 1,355 instructions of the shared corpora a
  question another example answers differently, and most of their answers began without their referent.

Headings lose their numbering and labels first ("Chapter 3: Terminal Mode 35" -> "Terminal Mode"),
file-name titles their underscores.

Sections in a language without templates get no question (their passage is still published).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from curation.examples.questions import heading_question, in_sentence, is_gerund, is_instruction, is_plural

TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "howto": "How do I do this: {heading}?",  # English task and symptom headings get their own wording
        "symptom": "What should I do about this: {heading}?",
        "case": "{manual}: what should I do about {heading}?",  # a case on a troubleshooting page
        "spec": "What are the technical details for {heading} in \"{manual}\"?",
        "meaning": "What is {heading}, according to \"{manual}\"?",
        "meaning_plural": "What are {heading}, according to \"{manual}\"?",
        "about": "What does \"{manual}\" say about {heading}?",
        "explain": "Please explain {heading}, as described in \"{manual}\".",
        "know": "What do I need to know about {heading} in \"{manual}\"?",
        "overview": "What does \"{manual}\" explain?",
    },
    "de": {
        "howto": "Wie gehe ich bei „{heading}“ vor?",
        "symptom": "Was kann ich tun: „{heading}“?",
        "spec": "Welche technischen Daten nennt „{manual}“ zu „{heading}“?",
        "meaning": "Was bedeutet „{heading}“ in „{manual}“?",
        "about": "Was steht in „{manual}“ zu „{heading}“?",
        "overview": "Was erklärt „{manual}“?",
    },
    "fr": {
        "howto": "Comment faire : « {heading} » ?",
        "symptom": "Que faire dans ce cas : « {heading} » ?",
        "spec": "Quelles sont les caractéristiques techniques pour « {heading} » ?",
        "meaning": "Que signifie « {heading} » dans « {manual} » ?",
        "about": "Que dit « {manual} » à propos de « {heading} » ?",
        "overview": "Qu'explique « {manual} » ?",
    },
    "es": {
        "howto": "¿Cómo se hace esto: «{heading}»?",
        "symptom": "¿Qué hago en este caso: «{heading}»?",
        "spec": "¿Cuáles son los datos técnicos de «{heading}»?",
        "meaning": "¿Qué significa «{heading}» en «{manual}»?",
        "about": "¿Qué dice «{manual}» sobre «{heading}»?",
        "overview": "¿Qué explica «{manual}»?",
    },
    "ja": {
        "howto": "「{heading}」の手順を教えてください。",
        "symptom": "「{heading}」の場合はどうすればよいですか？",
        "spec": "「{heading}」の仕様を教えてください。",
        "meaning": "「{manual}」の「{heading}」とは何ですか？",
        "about": "「{manual}」では「{heading}」について何と説明されていますか？",
        "overview": "「{manual}」には何が説明されていますか？",
    },
    "zh": {
        "howto": "如何操作：“{heading}”？",
        "symptom": "遇到“{heading}”时该怎么办？",
        "spec": "“{heading}”的技术参数是什么？",
        "meaning": "《{manual}》中的“{heading}”是什么意思？",
        "about": "《{manual}》关于“{heading}”是怎么说的？",
        "overview": "《{manual}》介绍了什么？",
    },
}

_HOWTO = {
    "de": re.compile(r"(?:^(?:so|wie)\b|\b\w+(?:en|ern|eln)$|^\w+en\s+(?:des|der|von|mit|eines|einer)\b)", re.IGNORECASE),
    "fr": re.compile(r"^(?:comment|\w+(?:er|ir|re))\b", re.IGNORECASE),
    "es": re.compile(r"^(?:cómo|\w+(?:ar|er|ir))\b", re.IGNORECASE),
    "ja": re.compile(r"(?:する|方法|手順|設定|やり方|使い方|インストール|登録)$"),
    "zh": re.compile(r"(?:^如何|方法$|步骤$|设置$|安装$)"),
}
_SYMPTOM = {
    "en": re.compile(r"\b(?:not|won't|doesn't|don't|can't|cannot|fails?|error|problems?|issues?|troubleshoot\w*|stuck|keeps)\b", re.IGNORECASE),
    "de": re.compile(r"(?:fehler|problem|störung|nicht|kein)", re.IGNORECASE),
    "fr": re.compile(r"\b(?:ne|n'|pas|erreur|problème|panne)\b", re.IGNORECASE),
    "es": re.compile(r"\b(?:no|error|problema|falla)\b", re.IGNORECASE),
    "ja": re.compile(r"(?:エラー|できない|しない|されない|問題|トラブル|故障)"),
    "zh": re.compile(r"(?:错误|无法|不能|故障|问题)"),
}
# an English page about faults: its sections are the cases ("Windows startup issues", "Checks and Errors", "Troubleshooting")
_TROUBLE_PAGE = re.compile(r"\b(?:issues|problems|errors|troubleshooting)\b", re.IGNORECASE)
_NOT_A_CASE = {"basics", "background", "general", "introduction", "overview", "summary"}


def is_case(heading: str) -> bool:
    """A section of a troubleshooting page that names a case ("Multiple displays", "Front of Card is Blank"),
    not an activity ("Debugging") or the page's preamble ("Basics")."""
    return not is_gerund(heading.split()[0]) and heading.lower() not in _NOT_A_CASE


# a negation that states a fact, not a fault: "Not All Objects are in a Namespace" (Kubernetes)
_STATEMENT = re.compile(r"^not\s+(?:all|every|only|everything|every\w+)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"^(?:why|what|how|when|where|which|who)\s", re.IGNORECASE)  # a heading that is a clause, not a name
# numbers with units: a section worth a spec-lookup question
_SPEC = re.compile(r"\d+(?:[.,]\d+)?\s?(?:mm|cm|m|kg|g|V|W|A|mA|mAh|Hz|kHz|MHz|GHz|°C|°F|%|MB|GB|TB|KB|bps|Mbps|ms|s|min|h|dB|lm|bar|psi)\b")

# headings that name no topic
_LABEL = re.compile(
    r"^(?:chapter|section|part|page|appendix|table|figure|fig\.|step|kapitel|abschnitt|teil|seite|anhang|tabelle|abbildung|"
    r"chapitre|partie|annexe|capítulo|sección|página|anexo)\s*[\dIVXLCivxlc.:-]*$"
    r"|^第?[0-9０-９一二三四五六七八九十百]+[章節项條条部页頁]$",
    re.IGNORECASE,
)
# navigation, not a topic: a table of contents, an index, a short contents list
_NAVIGATION = re.compile(
    r"^(?:[^:]{1,60}:\s*)?(?:(?:table\s+of\s+)?contents|(?:(?:concept|function|command|option|variable|keyword|general|subject)\s+)?index|short\s+contents|inhalt|inhaltsverzeichnis|index\s+alphabétique|table\s+des\s+matières|"
    r"sommaire|índice|contenido|目次|目录|目錄|索引)$",
    re.IGNORECASE,
)
_LOG_LINE = re.compile(r"^\s*(?:\[\s*\d+\.\d+\]|\d{4}-\d{2}-\d{2}[ T]\d{2}:|\d{1,2}:\d{2}(?::\d{2})?\b|[<>$#%]\s)")
_NUMBERING = re.compile(r"^[\d.\s)(-]+$")
_LETTER = re.compile(r"[^\W\d_]")


def is_navigation(heading: str) -> bool:
    """A table of contents or an index ("Contents", "AVRDUDE: Concept Index", "目次"): where to look, not what it says."""
    return bool(_NAVIGATION.match(heading.strip()))


_VAGUE = {"more", "other", "others", "misc", "etc"}
_HEADING_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


def is_topic(heading: str) -> bool:
    """A heading a customer could ask about: not a label, a number, a log line or a whole sentence."""
    heading = heading.strip()
    letters = len(_LETTER.findall(heading))
    if letters < 2 or _NUMBERING.match(heading) or _LABEL.match(heading) or _LOG_LINE.match(heading) or _NAVIGATION.match(heading):
        return False
    if heading.lower().rstrip(".…") in _VAGUE:
        return False  # "More" under "Card Info, Graphs and Statistics": the topic is the heading above
    if letters < 0.5 * len(heading.replace(" ", "")):
        return False  # mostly digits and symbols: "0x3F 0x00 0xff", "12.4 / 13.1"
    if _HEADING_URL.search(heading):
        return False  # a sentence with a link (avrdude's title page: "Use https://github.com/... to report bugs")
    words = heading.split()
    if len(heading) > 90 or len(words) > 12:
        return False  # a sentence (a PDF page's first line), not a heading
    return not (heading.endswith(".") and len(words) > 6)


_NUMBER_PREFIX = re.compile(
    r"^(?:(?:chapter|section|part|appendix|kapitel|abschnitt|anhang|chapitre|annexe|capítulo)\s+[\dIVXLCA-Z]+[.:]?\s*|"
    r"(?:[A-Z]|\d+)(?:\.\d+)+\.?\s+|\d+[.)]\s+|(?-i:\d{1,2}\s+(?=[A-Z][a-z])|[IVX]{1,5}\.\s+|[A-H]\.\s+(?=[A-Z][a-z]))|第[0-9一二三四五六七八九十]+[章節]\s*)",
    re.IGNORECASE,
)
_DOT_LEADER_PAGE = re.compile(r"\s*\.{2,}\s*\d{1,4}$")
_TRAILING_NUMBER = re.compile(r"\s+\d{1,4}$")


def clean_heading(heading: str) -> str:
    """A heading without its numbering, chapter label and page number; underscores as spaces. A trailing
    number is a page only after dot leaders or in a numbered (table-of-contents style) heading: "Wi-Fi 6" stays."""
    heading = heading.replace("_", " ").strip()
    stripped = _DOT_LEADER_PAGE.sub("", _NUMBER_PREFIX.sub("", heading))
    if stripped != heading:
        stripped = _TRAILING_NUMBER.sub("", stripped)
    stripped = stripped.strip().rstrip(":.").strip()
    return stripped if _LETTER.search(stripped) else heading.rstrip(":.").strip()


# a heading that names a way of doing what its parent heading names ("Installing/Running" > "With Pip", "Installing" >
# "From Source", "On Windows"): asked alone, "Please explain with pip" is not English ("Using Tags" is a task of its own)
_VARIANT = re.compile(r"^(?:with|without|via|from|through|on|for|under|over)\s+\S", re.IGNORECASE)


def topic_heading(heading_path: list[str], manual: str) -> str | None:
    """The nearest heading (innermost first) that names a topic; the manual's title as the last resort. A heading
    that only names a variant of its parent's topic ("With Pip") is joined to it ("Installing/Running with Pip")."""
    headings = [*reversed(heading_path), manual]
    for at, heading in enumerate(headings):
        cleaned = clean_heading(heading)
        if is_topic(cleaned):
            parent = clean_heading(headings[at + 1]) if at + 1 < len(heading_path) else None
            if _VARIANT.match(cleaned) and parent and is_topic(parent) and not _VARIANT.match(parent):
                return f"{parent} {cleaned[0].lower()}{cleaned[1:]}"
            return cleaned
    return None


# what a chunk that goes on with its section may start with and be asked about: a bold line ("**Default search
# text**"), a numbered heading of a PDF's text ("2.1 Option Descriptions", "A.2.3.1 Serial Ports"), a problem
# of a troubleshooting list ("Problem: ... are not found." up to its "Solution:")
_BOLD_LABEL = re.compile(r"^(?:\*\*|__)(?P<label>[^*_\n]{2,90}?)(?:\*\*|__):?[ \t]*$", re.MULTILINE)
_NUMBERED_LABEL = re.compile(r"^(?P<label>(?:[A-Z]|\d+)(?:\.\d+)+\.?[ \t]+[A-Z][a-z][^\n]{0,80}(?<![.!?,;]))$")  # not "2.5 V is the lowest."
_PROBLEM_LABEL = re.compile(r"^(?:[-*•][ \t]*)?(?:problem|symptom|issue)[ \t]*:[ \t]*(?P<label>.{5,200}?)\s*\n\s*(?:[-*•][ \t]*)?(?:solution|cause|remedy)\b",
                            re.IGNORECASE | re.DOTALL)  # with its solution in the chunk: a problem alone answers nothing
PROBLEM_LABEL_WORDS = 24


def chunk_label(piece: str) -> str | None:
    """The topic a chunk names on its first line, or None (the chunk goes on with what came before)."""
    first = piece.lstrip("\n").split("\n", 1)[0].strip()
    if (bold := _BOLD_LABEL.match(first)) or (numbered := _NUMBERED_LABEL.match(first)):
        label = clean_heading((bold or numbered).group("label"))
        return label if is_topic(label) else None
    if problem := _PROBLEM_LABEL.match(piece.lstrip()):
        label = " ".join(problem.group("label").split()).rstrip(".")  # asked as the FAQ states it
        return (label if label.endswith("?") else f"{label}?") if len(label.split()) <= PROBLEM_LABEL_WORDS else None
    return None


def _comparable(text: str) -> str:
    return " ".join(clean_heading(text).lower().split())


def begins_topic(text: str, heading: str, *, pdf: bool) -> bool:
    """Whether a section's text begins the topic its heading names: always for a section of a Markdown,
    HTML or text manual (the heading is its own); for a PDF page only when its first line is the heading
    (a chapter's first page, or a page whose first line became its heading), not a page that goes on
    with the chapter named by the running head."""
    if not pdf:
        return True
    first = text.lstrip().split("\n", 1)[0]
    return bool(first) and _comparable(first) == _comparable(heading)


@dataclass(frozen=True)
class Question:
    text: str
    template: str  # howto | symptom | spec | meaning | about | explain | know | overview | heading
    language: str


def _rotate(section_key: str, options: list[str]) -> str:
    digest = hashlib.blake2b(section_key.encode(), digest_size=4).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def section_question(heading: str, manual: str, body: str, language: str, *, section_key: str, product: str | None = None,
                     nested: bool = False) -> Question | None:
    """The question whose answer is a chunk under ``heading`` (its topic); None for a language without
    templates. ``nested``: the heading sits under others of the section's path (a one-word "Browsing"
    under "Preferences > Editing" names a group of settings, not a task)."""
    templates = TEMPLATES.get(language)
    if templates is None:
        return None
    manual = clean_heading(manual)
    if heading.endswith(("?", "？")):
        return Question(heading, "heading", language)  # a FAQ heading is the customer's question already
    if language == "en":
        english = heading_question([heading], manual, product, nested=nested)
        if not english.startswith("What should I know about"):  # the English rules found a task, symptom or product topic
            template = "howto" if english.startswith("How do I") else "symptom" if english.startswith("What do I do if") else "about"
            return Question(english, template, language)
    elif _HOWTO.get(language) and _HOWTO[language].search(heading):
        return Question(templates["howto"].format(heading=heading, manual=manual), "howto", language)
    if _SYMPTOM[language].search(heading) and not _STATEMENT.match(heading):
        return Question(templates["symptom"].format(heading=heading, manual=manual), "symptom", language)
    if language == "en" and heading != manual and _TROUBLE_PAGE.search(manual) and is_case(heading):
        # a cause or a case on a troubleshooting page ("Windows startup issues" > "Multiple displays"): not "What are Multiple displays?"
        return Question(templates["case"].format(heading=heading, manual=manual), "symptom", language)
    if names_the_document(heading, manual):  # the title page, or a page titled by its one section: what is this document about
        return Question(templates["overview"].format(manual=manual), "overview", language)
    if language == "en" and _CLAUSE.match(heading):  # "Why you need Kubernetes and what it can do": not "What is Why you ...?"
        return Question(templates["about"].format(heading=heading[0].lower() + heading[1:], manual=manual), "about", language)
    if language == "en":  # three wordings of "tell me about it", so no one wording is most of a manual's questions
        options = (["meaning"] if is_term(heading) else []) + ["about", "explain", "know"]
    else:
        options = ["meaning", "about"]
    template = _rotate(section_key, options + (["spec"] if _SPEC.search(body) else []))
    several = is_plural(heading.split()[-1]) or re.search(r"\s(?:and|&)\s", heading) is not None  # "Service and ReplicationController"
    wording = "meaning_plural" if template == "meaning" and language == "en" and several else template
    topic = in_sentence(heading) if language == "en" else heading
    return Question(templates[wording].format(heading=topic, manual=manual), template, language)


def names_the_document(heading: str, manual: str) -> bool:
    """The heading is the document's title ("AVRDUDE" on the title page of "avrdude"), or what its title ends with
    ("History and Credits" of "AVRDUDE: 1.1 History and Credits", one page per section): asking what the
    document says about it repeats the title."""
    heading, manual = heading.casefold().strip(), manual.casefold().strip()
    return heading in (manual, _SECTION_TITLE.sub("", manual))


_SECTION_TITLE = re.compile(r"^[^:]*:\s*(?:(?:[a-z]\.)?\d+(?:\.\d+)*\.?\s+)?")  # "avrdude: a.1.1 " of a title "AVRDUDE: A.1.1 Unix Installation"


# what a heading starting with one of these names is a circumstance or a group, not a thing that "is" something
_NOT_A_TERM_START = {"with", "without", "before", "after", "for", "from", "in", "on", "by", "via", "when", "if", "to", "about", "other", "more"}


def is_term(heading: str) -> bool:
    """An English heading that names a thing ("Debug Console", "Keyboard Shortcuts", "kube-controller-manager"):
    asked "What is ...?". Not a phrase that states something ("Multiple Anki installations present after
    updating"), a circumstance ("With Cargo", "Before Enabling") or an activity ("Installing", "Creating")."""
    words = heading.split()
    return 0 < len(words) <= 4 and words[0].lower() not in _NOT_A_TERM_START and not is_gerund(words[0]) and not is_instruction(words)


# a line of a listing rather than prose: a config entry ("baudrate = <num> ; # ..."), a shell or tool prompt,
# tool output ("avrdude: Device signature = 0x1e9702", "Vtarget : 4.71 V"), a hex dump row, a progress bar, a rule
_LISTING_LINE = re.compile(
    r"^\s*(?:\S+\s*=\s*\S.*;|[#>]\s|\w+>\s|>>>\s|[a-z]+:\s.*=\s*0x|[0-9a-f]{4}\s+(?:[0-9a-f]{2}\s+)+\||#{10,}|[-=]{10,}\s*$"
    r"|[\w/().-]+(?:[ \t][\w/().-]+){0,3}[ \t]+:[ \t]+\S)",
    re.IGNORECASE,
)
_PROMPT = re.compile(r"^\s*(\w+)>\s", re.MULTILINE)  # "avrdude> ": the tool's own lines ("avrdude: ...") are its output
# a list item of a few words (a table of contents, an index: "- Importing"), a scrap of a PDF laid out as a
# picture ("through", "the", "small hole of the extruder"): a line of at most three short Latin-script words
_SHORT_ITEM = re.compile(r"^\s*(?:[-*+]\s+)?[^\s]{1,14}(?:[ \t]+[^\s]{1,14}){0,2}\s*$")
_LATIN = re.compile(r"[A-Za-z]")
_SHELL_COMMAND = re.compile(r"^\s*[$%]\s+\S")
_WIDE = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")
LISTING_SHARE = 0.7
# a part code: a digit and a capital, nothing but letters, digits and joiners (STK600-TQFP144, ATtiny261, AT90S1200)
_CODE_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Za-z0-9][A-Za-z0-9_./+-]{3,}$")
CODE_TABLE_TOKENS = 5


def is_listing(text: str) -> bool:
    """Mostly a listing (config entries, a terminal session, a hex dump, a table of contents, scraps of a PDF
    laid out as a picture), not prose: documentation to read, but no answer to a question ("What else should
    I know about Configuration File?"). A shell command ("$ make install") is what a how-to answers with, so
    it counts neither way; a table and fenced code are answers (inside a fence only the listing patterns
    count); a short item counts only in a chunk of five lines or more; a run of part codes is a table."""
    tools = {m.group(1).lower() for m in _PROMPT.finditer(text)}
    verdicts, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not line.strip() or _SHELL_COMMAND.match(line):
            continue
        verdicts.append((line, fenced))

    def listing_line(line: str, fenced: bool) -> bool:
        if _LISTING_LINE.match(line) or (tools and line.lstrip().split(":", 1)[0].lower() in tools):
            return True
        return (not fenced and len(verdicts) >= 5 and bool(_SHORT_ITEM.match(line)) and bool(_LATIN.search(line))
                and not _WIDE.search(line))

    if bool(verdicts) and sum(listing_line(line, fenced) for line, fenced in verdicts) / len(verdicts) >= LISTING_SHARE:
        return True
    return is_code_table(text)


def is_code_table(text: str) -> bool:
    """A table of part codes without its header or its column borders: "STK600-TQFP144 AT32UC3C0512 ..."."""
    tokens = text.split()
    return len(tokens) >= CODE_TABLE_TOKENS and sum(bool(_CODE_TOKEN.match(t)) for t in tokens) >= LISTING_SHARE * len(tokens)


# Chunks that are no documentation to learn from, what a reader of the shared manuals found:
# a section that only sends the reader elsewhere ("... answered in its FAQ. For more info on FSRS, check:
# - FSRS4Anki Wiki") or to what follows it (Anki's "Studying": "..., it's time to start studying."), a form of
# labels whose values were pictures ("Infill speed(mm/s):、").
_POINTER = re.compile(
    r"\b(?:see|check out|check:|refer to|visit|consult|read more|learn more|more info(?:rmation)?|more details|further details"
    r"|(?:answered|documented|described|explained|covered|listed|found) (?:in|on|at|here|there|below)"
    r"|this (?:page|section|chapter|document|guide|article|tab|screen|window|dialog|menu) (?:explains|describes|covers|shows|lists|introduces"
    r"|contains)|it's time to"  # "This tab contains options related to syncing with AnkiWeb." (they follow in subsections)
    r"|\bbelow (?:are|is)\b|skip (?:ahead )?to"  # "Below are three types of ... constraints." "... you can skip to the Getting Started section."
    r"|here(?=[.:]?$)"  # "... a Dockerfile and some instructions here.": the link that said where is gone
    r"|in this (?:\w+ )?(?:list|repository|link)(?=[.:]?$)"  # "You can find guides ... in this resource list." (a lost link)
    r"|(?:community|forum|user|blog) (?:posts?|threads?|discussions?|articles?|videos?)"  # "Here are some community posts about ...:" and their titles
    r"|this (?:repository|repo) (?:contains|holds|hosts)"  # a README: "This repository contains the source of Anki's user manual."
    r"|siehe|finden sie (?:in|unter|hier)|voir|consultez|véase|consulte)\b"
    r"|(?:に記載されています|を参照してください|をご覧ください|を参照|请参阅|参见|详见)", re.IGNORECASE)
_LINK_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S+(?:\s+\S+){0,5}\s*$")  # "- FSRS4Anki on Github": a link's text
_LABEL_END = re.compile(r"[:：、]\s*$")
LABEL_WORDS = 5  # "Infill speed(mm/s):、" is a label; "There are two ways to work around this:" introduces a list
_URL = re.compile(r"https?://\S+")
POINTER_MAX_WORDS = 40  # in the chunk, its link items aside
POINTER_SENTENCE_WORDS = 20  # a longer sentence says something besides where to look


def not_documentation(text: str, *, pdf: bool = False) -> tuple[str, str] | None:
    """(reason, why) for a chunk that teaches nothing, or None: `manual_pointer` (under 40 words, every
    sentence a short one that sends the reader elsewhere, link texts aside; or links alone), `manual_scrap`
    (labels without their values) or, from a PDF, `manual_table_without_layout`: a table of part codes whose
    text layer lost its columns (avrdude's STK600 card table: cells run on across rows, "AT-" / "mega32"
    split at hyphens), so which code belongs with which is no longer in the text."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if pdf and is_code_table(text):
        return "manual_table_without_layout", f"a PDF table of part codes without its columns: {' / '.join(lines[:3])[:80]}"
    prose = [line for line in lines if not _LINK_ITEM.match(line)]
    # a hard-wrapped sentence spans the lines of its paragraph ("... please see the" / "following pages:")
    paragraphs = [" ".join(line.strip() for line in block.splitlines() if line.strip() and not _LINK_ITEM.match(line.strip()))
                  for block in re.split(r"\n\s*\n", text)]
    sentences = [s for paragraph in paragraphs for s in re.split(r"(?<=[.!?:])\s+|(?<=[。！？：])", paragraph) if s.strip()]
    # a lead-in whose list is not in the chunk ("Some error messages you may encounter when installing Anki:" and
    # its subsections) says as little: with a pointer beside it, the chunk only points
    if len(" ".join(prose).split()) < POINTER_MAX_WORDS and any(_POINTER.search(s) for s in sentences) and all(
            (_POINTER.search(s) or s.endswith((":", "："))) and len(s.split()) <= POINTER_SENTENCE_WORDS for s in sentences):
        return "manual_pointer", "only points elsewhere: " + " ".join(sentences)[:80]
    if lines and not prose and all(_URL.search(line) for line in lines):
        return "manual_pointer", f"only links: {lines[0][:80]}"
    if len(lines) >= 4 and sum(bool(_LABEL_END.search(line)) and len(line.split()) <= LABEL_WORDS for line in lines) >= 0.6 * len(lines):
        return "manual_scrap", f"labels without their values: {' / '.join(lines[:3])[:80]}"
    return None


_SENTENCE_END = re.compile(r"(?<!\.)([.!?](?=\s+[A-Z\"'(*`])|[.!?](?=\n)|[。！？])")


_SOLUTION = re.compile(r"(?:[-*•]\s*)?(?:solution|remedy|answer)\b[^:\n]{0,20}:", re.IGNORECASE)


EVEN_CUT_SLACK = 1.2  # a long paragraph's cut may fall up to 20% past an even share of it
STRAY_SHARE = 6  # a first or last chunk under max_chars / 6 is a stray one


def chunks(text: str, max_chars: int) -> list[str]:
    """Paragraph-aligned pieces of at most ``max_chars`` (a longer paragraph is cut at a line or sentence end, a
    Markdown table between rows: a row longer than ``max_chars`` is a piece of its own, with the table's header)."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    glue: list[str] = []  # what joins a piece to the one before it when both land in one chunk
    for paragraph in re.split(r"\n\s*\n", text):
        table = _TABLE_ROW.match(paragraph) is not None
        glue.append("\n\n")
        while len(paragraph) > max_chars:
            # cut near an even share of what is left (a PDF page is one paragraph: cut as full as possible, its last
            # chunk was a stray sentence); a sentence end first (hard-wrapped lines end mid-sentence), then a line
            # end, then a space; "<pin2> ... ] ;" in a config listing is not a sentence end, a table is cut between rows
            limit = min(max_chars, math.ceil(len(paragraph) / math.ceil(len(paragraph) / max_chars) * EVEN_CUT_SLACK))
            line = paragraph.rfind("\n", 0, limit)
            if table:  # between rows only: a row cut in two loses its columns (a row longer than max_chars stays whole)
                after = paragraph.find("\n", limit)
                cut = line if line > 0 else after if after > 0 else len(paragraph)
            else:
                sentence = max((m.end(1) for m in _SENTENCE_END.finditer(paragraph, 0, limit + 1)), default=0)
                space = paragraph.rfind(" ", 0, limit)  # at least between words, never inside one (or a link's address)
                cut = next((at for at in (sentence, line, space) if at > limit // 3), limit)
            pieces.append(paragraph[:cut].strip("\n").rstrip())
            # a table's rows cut apart and joined again stay one table (no blank line between two of its rows)
            glue.append("\n" if table and paragraph[cut:cut + 1] == "\n" else "\n\n")
            # after a line end the next line keeps its indentation (code); after a sentence end the space goes
            paragraph = paragraph[cut + 1:] if paragraph[cut:cut + 1] == "\n" else paragraph[cut:].lstrip()
        if paragraph.strip():
            pieces.append(paragraph.strip("\n").rstrip())
        else:
            glue.pop()
    # balanced: close a chunk once it reaches an even share, so the last one is not a stray sentence
    target = (sum(map(len, pieces)) + 2 * (len(pieces) - 1)) / math.ceil(sum(map(len, pieces)) / max_chars)
    merged: list[str] = []
    joins: list[str] = []  # the glue before each merged chunk's first piece
    for piece, sep in zip(pieces, glue, strict=True):
        # a paragraph ending in ":" introduces the next one ("The example below shows how:" + its code); one
        # starting in lower case goes on with the sentence before it ("```...``` \n\n are both changes that ...")
        # a troubleshooting list's "Solution: ..." answers the problem before it
        joined = merged and (merged[-1].endswith(":") or piece[:1].islower() or _SOLUTION.match(piece) is not None)
        if merged and (len(merged[-1]) < target or joined) and len(merged[-1]) + 2 + len(piece) <= max_chars:
            merged[-1] += sep + piece
        else:
            merged.append(piece)
            joins.append(sep)
    # a short first or last chunk (an introduction to what follows, a closing sentence) goes with its neighbour, up
    # to 20% past max_chars: "Let's look at why Kubernetes is so useful by going back in time." alone teaches nothing
    stray = max_chars // STRAY_SHARE
    if len(merged) > 1 and len(merged[-1]) < stray and len(merged[-2]) + 2 + len(merged[-1]) <= max_chars * EVEN_CUT_SLACK:
        merged[-2:] = [merged[-2] + joins[-1] + merged[-1]]
    if len(merged) > 1 and len(merged[0]) < stray and len(merged[0]) + 2 + len(merged[1]) <= max_chars * EVEN_CUT_SLACK:
        merged[:2] = [merged[0] + joins[1] + merged[1]]
    return _continued_tables(_closed_fences(merged))


def halves(piece: str) -> list[str]:
    """A chunk that does not fit the training length, in two: at the paragraph break nearest its middle when one
    lies in the middle half (a sentence is never cut for it: avrdude's "... in certain Linux | distributions."),
    else as `chunks` cuts it at half its length."""
    breaks = [m.start() for m in re.finditer(r"\n\s*\n", piece) if len(piece) / 4 <= m.start() <= 3 * len(piece) / 4]
    if not breaks:
        return chunks(piece, max(len(piece) // 2, 100))
    at = min(breaks, key=lambda b: abs(b - len(piece) / 2))
    return _continued_tables(_closed_fences([piece[:at].rstrip(), piece[at:].strip("\n")]))


_TABLE_ROW = re.compile(r"^\s*\|")
_TABLE_RULE_ROW = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+")


def _continued_tables(pieces: list[str]) -> list[str]:
    """A Markdown table cut between two chunks: the next chunk starts again with the table's header row
    and rule, so its rows keep their column names (and no chunk starts with a bare row or a rule)."""
    out: list[str] = []
    header: list[str] | None = None  # header row and rule of a table the previous chunk ended inside
    last_row: str | None = None  # the previous chunk's last line, when it is a table row
    for piece in pieces:
        lines = piece.splitlines()
        if lines and _TABLE_RULE_ROW.match(lines[0]) and last_row:
            lines = [last_row, *lines]  # the cut fell between the header row and its rule
            repeated = 1
        elif lines and header and _TABLE_ROW.match(lines[0]):
            lines = [*header, *lines]
            repeated = len(header)
        else:
            repeated = 0
        if repeated and out and out[-1].splitlines() == lines[:repeated]:
            out.pop()  # the previous chunk was only the header this one starts with again
        out.append("\n".join(lines))
        header = None
        for at in range(len(lines) - 1):
            if _TABLE_ROW.match(lines[at]) and _TABLE_RULE_ROW.match(lines[at + 1]):
                header = lines[at:at + 2]
        last_row = lines[-1] if lines and _TABLE_ROW.match(lines[-1]) else None
        if last_row is None:
            header = None  # the chunk does not end inside the table
    return out


def _closed_fences(pieces: list[str]) -> list[str]:
    """A code block cut between two chunks is closed at the end of the first and opened again, with its
    language, at the start of the next: every chunk reads as valid Markdown, no chunk starts inside code."""
    out, still_open = [], None
    for piece in pieces:
        if still_open:
            piece = f"{still_open}\n{piece}"
        still_open = None
        for line in piece.splitlines():
            if line.lstrip().startswith("```"):
                still_open = None if still_open else line.strip()
        out.append(f"{piece}\n```" if still_open else piece)
    return out
