"""Manual readers: Markdown and HTML (one Document per section, with its heading path),
PDF (one Document per page, with its page number) and plain text (one per file)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from curation.html_text import Block, blocks_to_text, html_blocks
from curation.ingest.files import InputFile
from curation.ingest.text import UndecodableText, decode_bytes, html_declared_charset
from curation.ingest.units import Dropped, Quarantined, UnitResult
from schemas import Document, ManualMeta, SourceRef, sha256_hex, stable_id

_ATX_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")  # "Container runtime {#container-runtime}"
_HEADING_SHORTCODE = re.compile(r"^\{\{[<%].*[>%]\}\}$")  # {{% heading "whatsnext" %}}: a template, not a topic
_FENCE = re.compile(r"^\s*(```|~~~)")
_SLUG = re.compile(r"[\W_]+")  # anything but letters and digits, of any script


@dataclass
class _Section:
    heading_path: list[str]
    lines: list[str] = field(default_factory=list)


def slug(text: str) -> str:
    """A heading's anchor: letters and digits of any script ("コンテナランタイム" stays itself), the rest "-"."""
    return _SLUG.sub("-", text.lower()).strip("-") or "section"


def _decoded(file: InputFile, *, html: bool = False) -> tuple[str | None, Quarantined | None]:
    """The file's text, or the quarantine row saying why it cannot be decoded."""
    raw = file.path.read_bytes()
    try:
        return decode_bytes(raw, html_declared_charset(raw) if html else None)[0], None
    except UndecodableText as err:
        return None, _quarantine(file, "file", raw, "undecodable_text", str(err))


def front_matter(text: str) -> tuple[dict, str]:
    """(the YAML front matter as a mapping, the page without it); a block that is not YAML stays text."""
    import yaml

    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        values = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text
    return (values if isinstance(values, dict) else {}), text[match.end():]


def _heading(title: str) -> str:
    return _HEADING_ANCHOR.sub("", title).strip()


def read_markdown(file: InputFile) -> Iterator[UnitResult]:
    text, problem = _decoded(file)
    if problem:
        yield problem
        return
    meta, text = front_matter(text)
    sections: list[_Section] = []
    stack: list[tuple[int, str]] = []
    current = _Section(heading_path=[])
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _ATX_HEADING.match(line)
        if match and _HEADING_SHORTCODE.match(match.group(2).strip()):
            match = None  # a template's heading: its text stays in the section above
        if match:
            sections.append(current)
            level, title = len(match.group(1)), _heading(match.group(2))
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
            current = _Section(heading_path=[t for _, t in stack])
        else:
            current.lines.append(line)
    sections.append(current)
    title = str(meta.get("title") or "").strip()
    manual = title or next((s.heading_path[0] for s in sections if s.heading_path), file.path.stem)
    yield from _section_documents(file, "markdown", manual, [(s.heading_path, "\n".join(s.lines)) for s in sections])


def read_html(file: InputFile) -> Iterator[UnitResult]:
    text, problem = _decoded(file, html=True)
    if problem:
        yield problem
        return
    title_match = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    sections: list[tuple[list[str], list[Block]]] = [([], [])]
    stack: list[tuple[int, str]] = []
    for block in html_blocks(text):
        if block.level:
            stack = [(lvl, t) for lvl, t in stack if lvl < block.level] + [(block.level, block.text)]
            sections.append(([t for _, t in stack], []))
        else:
            sections[-1][1].append(block)
    manual = (title_match.group(1).strip() if title_match else "") or next(
        (path[0] for path, _ in sections if path), file.path.stem
    )
    bodies = [(path, blocks_to_text(body, markdown_tables=True)) for path, body in sections]
    if not any(body.strip() for _, body in bodies) and any(b.text.strip() for b in html_blocks(text, drop_boilerplate=False) if not b.level):
        # texi2html's menu pages: a heading and a table of links to the sub-sections, nothing else
        headings = " / ".join(path[-1] for path, _ in sections if path) or manual
        yield Dropped(SourceRef(source_kind="manual", path=file.relpath, locator="file", sha256=sha256_hex(text)), "navigation_page",
                      f"only headings ({headings[:120]}) and navigation: menus and link tables say where to look, not what the manual says")
        return
    yield from _section_documents(file, "html", manual, bodies)


def _section_documents(file: InputFile, fmt: str, manual: str, sections: list[tuple[list[str], str]]) -> Iterator[UnitResult]:
    """One Document per section with a body; a heading with no body only names its children."""
    used: set[str] = set()
    for heading_path, body in sections:
        body = body.strip("\n")
        if not body.strip():
            continue
        base = slug(" / ".join(heading_path)) if heading_path else "preamble"
        anchor, n = base, 1
        while anchor in used:  # unique within the file, also against a heading that itself ends in "-2"
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        locator = f"section:{anchor}"
        title = heading_path[-1] if heading_path else manual
        yield Document(
            id=stable_id("d", "manual", file.relpath, locator),
            source=SourceRef(source_kind="manual", path=file.relpath, locator=locator, sha256=sha256_hex(body)),
            group_key=f"manual:{file.relpath}#{anchor}",
            title=title,
            text=body,
            meta=ManualMeta(manual=manual, heading_path=heading_path, format=fmt),
        )


def read_pdf(file: InputFile) -> Iterator[UnitResult]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    raw = file.path.read_bytes()
    try:
        reader = PdfReader(file.path)
        if reader.is_encrypted and not reader.decrypt(""):
            yield _quarantine(file, "file", raw, "pdf_encrypted", "a password is needed to read the text")
            return
        pages = reader.pages
        page_count = len(pages)
        title = (reader.metadata.title if reader.metadata and reader.metadata.title else "") or file.path.stem
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        yield _quarantine(file, "file", raw, "pdf_unreadable", f"{type(err).__name__}: {err}")
        return
    except Exception as err:  # pypdf raises many types on damaged files; all mean the same here
        yield _quarantine(file, "file", raw, "pdf_unreadable", f"{type(err).__name__}: {err}")
        return
    texts: dict[int, str | Exception] = {}
    for number in range(1, page_count + 1):
        try:
            texts[number] = pages[number - 1].extract_text() or ""
        except Exception as err:
            texts[number] = err
    if _laid_out_as_pictures([t for t in texts.values() if isinstance(t, str)]):
        for number, text in texts.items():
            if isinstance(text, str):
                try:
                    texts[number] = _columns_in_reading_order(pages[number - 1].extract_text(extraction_mode="layout") or "")
                except Exception as err:
                    texts[number] = err
    running = _running_lines([t for t in texts.values() if isinstance(t, str)])
    page_lines = {number: _reflowed([line.strip() for line in text.splitlines() if line.strip()
                                     and _normalised_line(line) not in running and not _PAGE_NUMBER.match(line.strip())])
                  for number, text in texts.items() if isinstance(text, str)}
    _close_sentences_across_pages(page_lines)
    previous_heading = ""
    for number, text in texts.items():
        locator = f"page:{number}"
        if isinstance(text, Exception):
            yield _quarantine(file, locator, raw, "pdf_page_unreadable", f"{type(text).__name__}: {text}")
            continue
        lines = page_lines[number]
        text = "\n".join(lines)
        heading = _page_heading([line.strip() for line in texts[number].splitlines() if line.strip()], running)
        if not heading and lines:  # a page that goes on from the one before keeps its heading; the first, the manual's title
            heading = lines[0][:120] if _is_heading_line(lines[0]) else previous_heading or title
        previous_heading = heading or previous_heading
        yield Document(
            id=stable_id("d", "manual", file.relpath, locator),
            source=SourceRef(source_kind="manual", path=file.relpath, locator=locator, sha256=sha256_hex(text)),
            group_key=f"manual:{file.relpath}#page-{number}",
            title=heading,
            text=text,
            meta=ManualMeta(manual=title, heading_path=[heading] if heading else [], page=number, format="pdf"),
        )


_WORD_END = re.compile(r"(?<![\w-])([A-Za-z]+)$")
_WORD_HEAD = re.compile(r"([a-z]+)(?![\w-])")
_COLUMN_GAP = re.compile(r"\s{4,}")  # layout mode pads words of one line with 1-3 spaces, columns with more
_CALLOUT = re.compile(r"^[\d\s]+$")  # a figure's numbered callouts ("7", "4   3"), page numbers


def _split_words(text: str) -> int:
    """Words a plain extraction cut in two across lines ("i" | "nsert", "Replac" | "ing", "S" | "tart"): the halves
    joined are an English word and at least one half alone is not."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    count = 0
    for before, after in zip(lines, lines[1:]):
        if (end := _WORD_END.search(before)) and (head := _WORD_HEAD.match(after)):
            first, second = end.group(1), head.group(1)
            count += _known_word(first + second) and not (_known_word(first) and _known_word(second))
    return count


def _laid_out_as_pictures(pages: list[str]) -> bool:
    """A PDF whose pages are designed like pictures (a printer's quick-start guide: text boxes beside drawings)
    extracts as one word fragment per line; on average one word cut in two on every other page tells it apart from
    a typeset manual (avrdude's 61 pages: 1 in all; the Ender 3 quick start's 12 pages: 37)."""
    return bool(pages) and sum(_split_words(text) for text in pages) >= max(3, len(pages) / 2)


def _columns_in_reading_order(layout: str) -> str:
    """A page extracted with its layout (words placed where they stand on the page) read column by column: a line's
    parts further apart than a word gap start columns; columns are told apart by where their parts start (starts
    within 8 characters of each other are one column) and read left to right, each top to bottom. A page without
    side-by-side parts reads top to bottom as it is. Figure callouts (lines of bare numbers) are dropped."""
    rows = [line for line in layout.splitlines() if line.strip() and not _CALLOUT.match(line)]
    parts = []  # (start column, row, text)
    for row, line in enumerate(rows):
        position = 0
        for piece in _COLUMN_GAP.split(line.strip()):
            position = line.index(piece, position)
            parts.append((position, row, " ".join(piece.split())))
            position += len(piece)
    if not any(a[1] == b[1] for a, b in zip(parts, parts[1:])):
        return "\n".join(text for _, _, text in parts)
    columns: list[list[tuple[int, int, str]]] = []
    for part in sorted(parts):
        if columns and part[0] - columns[-1][-1][0] <= 8:
            columns[-1].append(part)
        else:
            columns.append([part])
    return "\n".join(text for column in columns for _, _, text in sorted(column, key=lambda p: p[1]))


_PAGE_NUMBER = re.compile(r"^(?:-\s*)?(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?(?:\s*-)?$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


def _normalised_line(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def _running_lines(pages: list[str]) -> set[str]:
    """Running headers and footers, compared with digits ignored (so "Page 3 of 16" counts):
    a line on more than half the pages (every page of a two-page file), or the top or bottom line of
    three pages or more (a chapter's running head, "Chapter 2: Command Line Options 5")."""
    if len(pages) < 2:
        return set()
    anywhere: dict[str, int] = {}
    at_edge: dict[str, int] = {}
    for text in pages:
        lines = [line for line in text.splitlines() if line.strip()]
        for line in {_normalised_line(line) for line in lines}:
            anywhere[line] = anywhere.get(line, 0) + 1
        for line in {_normalised_line(line) for line in lines[:1] + lines[-1:]}:
            at_edge[line] = at_edge.get(line, 0) + 1
    running = {line for line, count in anywhere.items() if count > len(pages) / 2 or (len(pages) == 2 and count == 2)}
    running |= {line for line, count in at_edge.items() if count >= 3}
    return {line for line in running if len(line) > 3 and any(ch.isalpha() for ch in line)}


_OPENING = tuple("([{（【「『“‘<")
_CONTINUING = tuple(",;、，；")  # "Click Setup" | ", pop-up installation window, ...": the sentence goes on
_LIST_MARKER = re.compile(r"^(?:\d{1,2}|[a-zA-Z])[.)]$|^[•◆■●▪\-–*]$")


def _reflowed(lines: list[str]) -> list[str]:
    """Text extraction splits some PDFs' lines at every font or position change ("nozzle size\n（\nmm\n）\n
    Explanation\n：\nThe standard is 0.4mm"). Lines without a letter or digit (at most three characters) and lines
    that begin with a comma join the line before; after an opening bracket or a lone list marker ("1.", "◆") the
    next line joins too.
    A page that starts with such debris loses it."""
    out: list[str] = []
    glue = False
    for line in lines:
        debris = len(line) <= 3 and not any(ch.isalnum() for ch in line) and not _LIST_MARKER.match(line)
        if out and (broken := _HYPHEN_BREAK.search(out[-1])) and (rest := _WORD_START.match(line)):
            # "high speed ex-" | "ternal crystal": one word again ("external"); "high-" | "speed" keeps its hyphen
            whole = broken.group(1) + rest.group(0)
            out[-1] = out[-1][:-1] + line if _known_word(whole) else out[-1] + line
        elif out and (glue or debris or line.startswith(_CONTINUING)):
            out[-1] += (" " if _LIST_MARKER.match(out[-1]) else "") + line
        elif not debris or line.endswith(_OPENING):
            out.append(line)
        glue = bool(out) and (out[-1].endswith(_OPENING) or bool(_LIST_MARKER.match(out[-1])))
    return out


_HYPHEN_BREAK = re.compile(r"(?<![\w-])([a-zA-Z]*[a-z])-$")  # a line ending inside a word: "... enable high speed ex-"
_WORD_START = re.compile(r"[a-z]+")


def _known_word(word: str) -> bool:
    """An English word lemminflect's lexicon holds ("external", "software"): the hyphen was the line's, not the word's."""
    from lemminflect import getAllLemmas

    return bool(getAllLemmas(word.lower()))


_SENTENCE_END = (".", "!", "?", ":", "。", "！", "？", "：")
_SENTENCE_BREAK = re.compile(r"[.!?:](?=\s|$)|[。！？：]")


def _close_sentences_across_pages(pages: dict[int, list[str]]) -> None:
    """A sentence that runs over a page break ("... each" | "flash ROM page is erased right before updating it.
    This is done ...") ends on the page it started on: the next page's text up to the first sentence end
    (within three lines) moves back."""
    for number in sorted(pages):
        before, lines = pages.get(number - 1), pages[number]
        if not before or not lines or not lines[0][:1].islower() or before[-1].endswith(_SENTENCE_END):
            continue
        for i, line in enumerate(lines[:3]):
            if match := _SENTENCE_BREAK.search(line):
                before.extend(lines[:i] + [line[:match.end()]])
                rest = line[match.end():].strip()
                lines[:i + 1] = [rest] if rest else []
                break


_ENUMERATOR = re.compile(r"^(?:\d{1,2}|[A-Z]|[IVX]{1,4})[.)、]\s*")
_SUB_STEP = re.compile(r"^[a-z][.)]\s")  # "b. Select ... from the Tools menu": a step of a procedure
_INNER_SENTENCE_END = re.compile(r"(?:[a-z]{2}|[”\"’')])[.!?]\s*\S")  # "... click Next. Generally, the", "0.4mm.You can"
_BULLET = tuple("◆◇•●▪■□-–*")


def _is_heading_line(line: str) -> bool:
    """Whether a PDF page's first line can be its heading ("3. Loading Filament", "Layer height") rather than text
    that goes on from the page before or opens a list: a sentence ("2.“Browse”, find ... click “Next”. Generally,
    the"), a lead-in ending on a colon, a bullet, a lettered step, a line in lower case, a link."""
    line = line.strip()
    rest = _ENUMERATOR.sub("", line)
    if not rest or line.startswith(_BULLET) or _SUB_STEP.match(line) or rest[0].islower() or rest.endswith((":", "：", ",")):
        return False
    return len(rest) <= 90 and len(rest.split()) <= 12 and not _INNER_SENTENCE_END.search(rest) and not _HEADING_LINK.search(rest)


_HEADING_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_CHAPTER_HEAD = re.compile(r"^(?:(?:chapter|appendix|section|part)\s+[\w.]+\s*[:.\-–]\s*)?(?P<title>.+?)\s+\d{1,4}$", re.IGNORECASE)


def _page_heading(lines: list[str], running: set[str]) -> str:
    """The chapter title of a page whose top line is a running head with a page number
    ("Chapter 2: Command Line Options 5" gives "Command Line Options"); a footer is never a heading."""
    if not lines or _normalised_line(lines[0]) not in running:
        return ""
    match = _CHAPTER_HEAD.match(lines[0])
    if not match or any(ch.isdigit() for ch in match.group("title")) or match.group("title").endswith(":"):
        return ""  # "After-Sales Service Tel: 400-6133 882" is a footer, not a chapter
    return match.group("title")[:120]


def read_text(file: InputFile) -> Iterator[UnitResult]:
    text, problem = _decoded(file)
    if problem:
        yield problem
        return
    yield Document(
        id=stable_id("d", "manual", file.relpath, "file"),
        source=SourceRef(source_kind="manual", path=file.relpath, locator="file", sha256=sha256_hex(text)),
        group_key=f"manual:{file.relpath}",
        title=file.path.stem,
        text=text,
        meta=ManualMeta(manual=file.path.stem, format="text"),
    )


def _quarantine(file: InputFile, locator: str, raw: bytes, reason: str, detail: str) -> Quarantined:
    return Quarantined(SourceRef(source_kind="manual", path=file.relpath, locator=locator, sha256=sha256_hex(raw)), reason, detail)
