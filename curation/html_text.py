"""The one HTML-to-text renderer (selectolax / Lexbor), for manuals and e-mail bodies alike.

Block elements (paragraphs, headings, list items, table rows, preformatted text) become blocks;
inline elements (``<b>``, ``<a>``, ``<span>``...) stay inside their block, so "Use <b>port 8443</b>."
reads "Use port 8443.". Headings keep their level (manual sections are split on them), list items
their bullet or number, table rows their cells (" | "), ``<br>`` a line break.

Quoted mail keeps the shape plain-text mail gives it, so the clean step strips HTML and plain
replies with the same rules (curation/clean/email_body.py): quote containers (``<blockquote>``,
Gmail's, Thunderbird's, Yahoo's...) render as ``> ``-prefixed lines, and at Outlook's reply markers
an ``-----Original Message-----`` line starts the quoted rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

_BOILERPLATE = "script, style, noscript, template, nav, header, footer, head, .nav-panel, .navigation, .navbar, .breadcrumb, .header, .footer"
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hgroup html legend li main menu nav ol p pre section summary table tbody thead tfoot tr ul caption".split()
)
_SKIP_TAGS = frozenset("head style script title meta link template noscript svg object iframe img".split())
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements that hold a quoted message (rendered as "> " lines).
QUOTE_SELECTORS = (
    "blockquote", ".gmail_quote", ".gmail_quote_container", ".gmail_attr", ".moz-cite-prefix", ".yahoo_quoted",
    ".protonmail_quote", ".zmail_extra", ".ms-outlook-mobile-reference-message",
)
# Elements from which on (in document order) everything is the quoted message.
CUT_SELECTORS = ("#appendonsend", "#divRplyFwdMsg", "#x_divRplyFwdMsg", "#OLK_SRC_BODY_SECTION", "div.OutlookMessageHeader",
                 "#mail-editor-reference-message-container")
ORIGINAL_MESSAGE = "-----Original Message-----"
_WS = re.compile(r"[ \t\n\r\f\v\u00a0]+")


@dataclass(frozen=True)
class Block:
    """A heading (level 1-6) or a body block (level 0) in document order; `quote` is its quote depth."""

    level: int
    text: str
    quote: int = 0
    kind: str = "text"  # "item" (a list item) and "row" (a table row) run on with their neighbours
    cells: int = 0  # a table row's cells
    table: int = 0  # a table row's table, numbered in document order


def html_blocks(html: str, *, drop_boilerplate: bool = True) -> list[Block]:
    """The blocks of an HTML document or body, in order (navigation, headers and scripts dropped)."""
    if not html or not html.strip():
        return []
    tree = LexborHTMLParser(html)
    if drop_boilerplate:
        for node in tree.css(_BOILERPLATE):
            node.decompose()
        for table in tree.css("table"):
            if _link_table(table):
                table.decompose()
    root = tree.body or tree.root
    if root is None:
        return []
    quotes = {node.mem_id for selector in QUOTE_SELECTORS for node in tree.css(selector)}
    cuts = {node.mem_id for selector in CUT_SELECTORS for node in tree.css(selector)}
    blocks = _Renderer(quotes, cuts).render(root)
    return [b for b in blocks if not _GENERATOR_CREDIT.match(b.text)] if drop_boilerplate else blocks


# a documentation generator's credit line: "This document was generated on March 11, 2023 using texi2html 1.82."
_GENERATOR_CREDIT = re.compile(r"\s*(?:This (?:document|page|file) was (?:generated|created)|Generated|Created) (?:on|by|with|using)\b.{0,120}"
                               r"\b(?:texi2html|makeinfo|doxygen|sphinx|javadoc|pandoc|mkdocs|hugo|jekyll|asciidoctor)\b.{0,40}$",
                               re.IGNORECASE | re.DOTALL)


def html_to_text(html: str, *, drop_boilerplate: bool = False) -> str:
    """Readable text: blocks separated by blank lines, list items and table rows on their own lines,
    quoted blocks prefixed with "> " (an e-mail body keeps its header and footer elements)."""
    return blocks_to_text(html_blocks(html, drop_boilerplate=drop_boilerplate))


def blocks_to_text(blocks: list[Block], *, markdown_tables: bool = False) -> str:
    """The blocks as text. `markdown_tables` (a manual's tables): a table of two rows or more becomes a Markdown
    table, its first row the header above a rule, so a chunk cut from it can carry the column names along
    (curation/examples/knowledge.py); otherwise a row is its cells joined by " | " (a mail's layout tables)."""
    out: list[str] = []
    previous: Block | None = None
    for at, block in enumerate(blocks):
        text = block.text
        if markdown_tables and block.kind == "row" and _in_table(blocks, at):
            text = f"| {_WS.sub(' ', text)} |"
            if not (previous and previous.table == block.table):  # the header: the rule goes below it
                text += "\n|" + " --- |" * max(block.cells, 1)
        text = _quoted(text, block.quote)
        if previous is None:
            out.append(text)
        elif (block.kind in {"item", "row"} and block.kind == previous.kind and block.quote == previous.quote
              and not (markdown_tables and block.table != previous.table)):
            out.append("\n" + text)  # a list or a table stays one paragraph
        else:
            gap = ">" * min(block.quote, previous.quote)  # keeps a quote one quote across its paragraphs
            out.append(f"\n{gap}\n{text}")
        previous = block
    return "".join(out).strip()


def _in_table(blocks: list[Block], at: int) -> bool:
    """Whether the row at `at` is one of two rows or more of its table (a one-row table is layout, not data)."""
    table = blocks[at].table
    return bool(table) and any(0 <= other < len(blocks) and blocks[other].table == table for other in (at - 1, at + 1))


def _quoted(text: str, depth: int) -> str:
    if not depth:
        return text
    prefix = "> " * depth
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.split("\n"))


class _Renderer:
    """An iterative walk (mail HTML nests deep enough to break recursion) that collects blocks."""

    def __init__(self, quotes: set[int], cuts: set[int]) -> None:
        self.quotes, self.cuts = quotes, cuts
        self.blocks: list[Block] = []
        self.lines: list[str] = []  # finished lines of the current block (<br>)
        self.current: list[str] = []  # the current line's text pieces
        self.level = 0
        self.kind = "text"
        self.quote = 0
        self.pre = 0
        self.cut_done = False
        self.lists: list[list] = []  # per open list: [tag, items so far]
        self.cells: list[int] = []  # per open table row: cells so far
        self.tables: list[int] = []  # the open tables' numbers, innermost last
        self.table_count = 0

    def render(self, root) -> list[Block]:
        stack: list[tuple[object, bool]] = [(root, True)]
        while stack:
            node, entering = stack.pop()
            if entering:
                if self._enter(node):
                    stack.append((node, False))
                    stack.extend((child, True) for child in reversed(list(_children(node))))
            else:
                self._leave(node)
        self._end_block()
        return self.blocks

    def _enter(self, node) -> bool:
        """Handle the start of a node; True when its children are to be walked."""
        tag = node.tag
        if tag == "-text":
            self._text(node.text_content or "")
            return False
        if tag is None or tag.startswith("-") or tag in _SKIP_TAGS:
            return False
        if node.mem_id in self.cuts and not self.cut_done:
            self._end_block()
            self.blocks.append(Block(0, ORIGINAL_MESSAGE, self.quote))
            self.cut_done = True
        if tag == "br":
            self._end_line(force=True)
            return False
        if tag == "hr":  # a visual separator: a block boundary (a reply's header block below it is what cuts)
            self._end_block()
            return False
        if tag in _BLOCK_TAGS:
            self._end_block()
        if node.mem_id in self.quotes:
            self.quote += 1
        if tag in _HEADINGS:
            self.level = _HEADINGS[tag]
        elif tag in {"ul", "ol"}:
            self.lists.append([tag, 0])
        elif tag == "li":
            kind, count = self.lists[-1] if self.lists else ("ul", 0)
            if self.lists:
                self.lists[-1][1] += 1
            self.current.append(f"{count + 1}. " if kind == "ol" else "- ")
            self.kind = "item"
        elif tag == "table":
            self.table_count += 1
            self.tables.append(self.table_count)
        elif tag == "tr":
            self.cells.append(0)
            self.kind = "row"
        elif tag in {"td", "th"} and self.cells:
            if self.cells[-1]:
                self.current.append(" | ")
            self.cells[-1] += 1
        elif tag == "pre":
            self.pre += 1
        return True

    def _leave(self, node) -> None:
        tag = node.tag
        if tag == "pre":
            self._end_line(force=False, raw=True)
            self.pre -= 1
        if tag in _BLOCK_TAGS:
            self._end_block()
        if tag in {"ul", "ol"} and self.lists:
            self.lists.pop()
        elif tag == "tr" and self.cells:
            self.cells.pop()
        elif tag == "table" and self.tables:
            self.tables.pop()
        if tag in _HEADINGS:
            self.level = 0
        if node.mem_id in self.quotes:
            self.quote -= 1

    def _text(self, value: str) -> None:
        if self.pre:
            first, *rest = value.split("\n")
            self.current.append(first)
            for part in rest:
                self._end_line(force=True, raw=True)
                self.current.append(part)
        elif value.strip(" \t\n\r\f\v"):
            self.current.append(_WS.sub(" ", value))
        elif self.current:
            self.current.append(" ")

    def _end_line(self, *, force: bool, raw: bool = False) -> None:
        text = "".join(self.current).replace("\xa0", " ")
        line = text.rstrip() if raw else _WS.sub(" ", text).strip()
        self.current.clear()
        if line in {"-", "|"} or (not line and not force):
            return
        self.lines.append(line)

    def _end_block(self) -> None:
        self._end_line(force=False, raw=bool(self.pre))
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        while self.lines and not self.lines[0].strip():
            self.lines.pop(0)
        if self.lines:
            row = self.kind == "row" and bool(self.cells) and bool(self.tables)
            self.blocks.append(Block(self.level, "\n".join(self.lines), self.quote, self.kind, self.cells[-1] if row else 0,
                                     self.tables[-1] if row else 0))
        self.lines = []
        self.kind = "text"


_NOT_TEXT = re.compile(r"[\W_]+")


def _link_table(table) -> bool:
    """A table of nothing but links: a navigation bar ("[ < ] [ > ] [Up] [Contents]"), a table of
    contents or an index. Its cells say where to go, not what the manual says."""
    cells = table.css("td, th")
    if sum(1 for cell in cells if cell.css_first("a") is not None) < 2:  # two links and nothing else still say where to go
        return False
    for cell in cells:
        linked = "".join(a.text(deep=True) for a in cell.css("a"))
        if _NOT_TEXT.sub("", cell.text(deep=True)) != _NOT_TEXT.sub("", linked):
            return False  # text that is not a link: a data table
    return True


def _children(node):
    child = node.child
    while child is not None:
        yield child
        child = child.next
