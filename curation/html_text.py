"""HTML to readable text that keeps headings, lists and tables legible (selectolax / Lexbor)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

_BOILERPLATE = "script, style, noscript, template, nav, header, footer, head, .nav-panel, .navigation, .navbar, .breadcrumb, .header, .footer"
_BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "table", "dt", "dd", "blockquote", "div", "td", "th", "tr", "caption", "figcaption", "address"}
_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class Block:
    """A heading (level 1-6) or a body block (level 0) in document order."""

    level: int
    text: str


def html_blocks(html: str, *, drop_boilerplate: bool = True) -> list[Block]:
    tree = LexborHTMLParser(html)
    if drop_boilerplate:
        for node in tree.css(_BOILERPLATE):
            node.decompose()
    root = tree.body or tree.root
    if root is None:
        return []
    blocks: list[Block] = []
    for node in _outermost_blocks(root):
        tag = node.tag
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            text = _inline_text(node)
            if text:
                blocks.append(Block(int(tag[1]), text))
        elif tag == "table":
            text = _table_text(node)
            if text:
                blocks.append(Block(0, text))
        elif tag == "li":
            text = _inline_text(node)
            if text:
                parent = node.parent
                marker = "-"
                if parent is not None and parent.tag == "ol":
                    marker = f"{sum(1 for sib in _children(parent) if sib.tag == 'li' and _before(sib, node)) + 1}."
                blocks.append(Block(0, f"{marker} {text}"))
        elif tag == "pre":
            text = node.text(deep=True, separator="", strip=False).strip("\n")
            if text.strip():
                blocks.append(Block(0, text))
        else:
            text = _inline_text(node)
            if text:
                blocks.append(Block(0, text))
    return blocks


def html_to_text(html: str) -> str:
    """Readable text: headings and blocks separated by blank lines, list items and table rows kept."""
    out: list[str] = []
    for block in html_blocks(html):
        if out and block.level == 0 and block.text.startswith(("-", "1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "9.")) and out[-1][:2] in {"- ", *(f"{i}." for i in range(1, 10))}:
            out[-1] += "\n" + block.text
        else:
            out.append(block.text)
    return "\n\n".join(out).strip()


def _children(node: LexborNode) -> Iterator[LexborNode]:
    child = node.child
    while child is not None:
        yield child
        child = child.next


def _before(a: LexborNode, b: LexborNode) -> bool:
    node = a.next
    while node is not None:
        if node == b:
            return True
        node = node.next
    return False


def _outermost_blocks(root: LexborNode) -> Iterator[LexborNode]:
    """Block elements with no block ancestor inside root; text in between goes into a div-like block."""
    for child in _children(root):
        tag = child.tag
        if tag in ("-text",):
            text = _SPACES.sub(" ", child.text(deep=False) or "").strip()
            if text:
                yield child
            continue
        if tag in {"table", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "li", "p", "dt", "dd"}:
            yield child
        elif tag in _BLOCKS or tag in {"ul", "ol", "dl", "section", "article", "main", "body", "html", "center", "form", "span", "font", "b", "i", "a", "strong", "em"}:
            if _has_block_descendant(child):
                yield from _outermost_blocks(child)
            else:
                yield child
        elif tag in {"br", "hr", "img", "-comment"}:
            continue
        else:
            yield child


def _has_block_descendant(node: LexborNode) -> bool:
    return any(True for _ in node.css(",".join(sorted(_BLOCKS | {"ul", "ol", "dl"}))))


def _inline_text(node: LexborNode) -> str:
    if node.tag == "-text":
        return _SPACES.sub(" ", node.text(deep=False) or "").strip()
    for br in node.css("br"):
        br.replace_with("\n")
    text = node.text(deep=True, separator="", strip=False)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _table_text(table: LexborNode) -> str:
    rows = []
    for row in table.css("tr"):
        cells = [_SPACES.sub(" ", cell.text(deep=True, separator=" ")).strip() for cell in row.css("th, td")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)
