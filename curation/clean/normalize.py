"""Unicode repair and whitespace normalisation; light Markdown/HTML-to-text for manual sections."""

from __future__ import annotations

import re

import ftfy

_INLINE_TAG = re.compile(r"</?(?:kbd|b|i|em|strong|code|span|sup|sub|u|small|br|a)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[a-zA-Z/!][^>]{0,300}>")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|mailto:[^\s<>]+)>")  # Markdown's <https://...>: the address is the text
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_CODE_LINK = re.compile(r"!?\[(`[^`\n\]]+`)\]\([^)\s]*\)")  # a link whose text is a code span, before code is set apart
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+$", re.MULTILINE)
_INNER_SPACE = re.compile(r"[ \t\u00a0]{2,}")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


# Private-use characters: a symbol font's glyphs (Wingdings bullets in PDFs: " Use the power cord ..."), no text
_PRIVATE_BULLET = re.compile(r"^([ \t]*)[\ue000-\uf8ff]+[ \t]*", re.MULTILINE)
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")


def repair_unicode(text: str) -> str:
    """Fix mojibake and normalise to NFC (ftfy), drop zero-width characters; a private-use glyph opening a
    line is a bullet ("- "), elsewhere it is dropped."""
    text = _ZERO_WIDTH.sub("", ftfy.fix_text(text, normalization="NFC"))
    return _PRIVATE_USE.sub("", _PRIVATE_BULLET.sub(r"\1- ", text))


# a Markdown table's header rule ("|-----------|:---:|"): its dashes are padding too
_TABLE_RULE = re.compile(r"^\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+(?:[ \t]*:?-{3,}:?[ \t]*)?$")
_DASHES = re.compile(r"-{3,}")


def normalise_whitespace(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = _TRAILING_SPACE.sub("", text)
    # indented code keeps its alignment; a table row loses its padding ("| Sort Field      |" -> "| Sort Field |"),
    # its header rule too (Anki's browser table had a rule of 400 dashes)
    lines = [line if line.startswith("    ") else _DASHES.sub("---", line) if _TABLE_RULE.match(line) else _INNER_SPACE.sub(" ", line)
             for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


_WIKI_EMBED = re.compile(r"!\[\[[^\]]*\]\]")  # ![[icon.svg#icon]]
_WIKI_LINK = re.compile(r"\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")  # [[page#part|text]] -> text, else page
_SHORTCODE_TEXT = re.compile(r"\{\{[<%]\s*glossary_tooltip\b[^}]*?\btext=\"([^\"]*)\"[^}]*?[>%]\}\}")
_SHORTCODE_TERM = re.compile(r"\{\{[<%]\s*glossary_tooltip\b[^}]*?\bterm_id=\"([^\"]*)\"[^}]*?[>%]\}\}")  # no text=: the term
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.DOTALL)  # Hugo: {{< note >}}, {{% capture %}}, {{< param "x" >}}...
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HARD_BREAK = re.compile(r"(?<![:\\])\\$", re.MULTILINE)  # a backslash ending a line is Markdown's line break ("C:\" stays)


_CODE = re.compile(r"^(```|~~~).*?^\1[^\n]*$|`[^`\n]+`", re.DOTALL | re.MULTILINE)  # fenced blocks, inline code spans


# mdBook's admonitions ("```admonish caution" ... "```"): prose in a fence, not code
_ADMONITION = re.compile(r"^(?P<fence>```+|~~~+)[ \t]*admonish[ \t]*(?P<kind>\w*)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.DOTALL | re.MULTILINE)
_ALERT = re.compile(r"^(>[ \t]*)\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*$", re.MULTILINE | re.IGNORECASE)
_ADMONITION_LABEL = {"note", "tip", "hint", "info", "warning", "caution", "danger", "important", "attention", "bug"}


def _admonition(match: re.Match) -> str:
    kind, body = match.group("kind").lower(), match.group("body").strip("\n")
    return f"{kind.capitalize()}: {body}" if kind in _ADMONITION_LABEL else body


def markdown_to_text(text: str) -> str:
    """Keep Markdown structure (lists, tables, headings) but drop images, embeds, link targets, inline
    HTML, comments and site-generator shortcodes; a wikilink or a glossary tooltip keeps its text, an
    mdBook admonition its prose ("Caution: ..."). Code is left as written ("Wrap your text with the
    `<code>` tag" keeps its tag)."""
    text = _ADMONITION.sub(_admonition, text)
    text = _ALERT.sub(lambda m: f"{m.group(1)}{m.group(2).capitalize()}:", text)  # GitHub's "> [!WARNING]" -> "> Warning:"
    text = _CODE_LINK.sub(lambda m: m.group(1), text)  # [`Job`](/docs/...) -> `Job`: the code span is the link's text
    out, start = [], 0
    for code in _CODE.finditer(text):
        out += [_prose_to_text(text[start:code.start()]), code.group(0)]
        start = code.end()
    return "".join(out + [_prose_to_text(text[start:])])


def _prose_to_text(text: str) -> str:
    text = _COMMENT.sub("", text)
    text = _HARD_BREAK.sub("", text)
    text = _WIKI_EMBED.sub("", text)
    text = _WIKI_LINK.sub(lambda m: (m.group(2) or m.group(1)).strip(), text)
    text = _SHORTCODE_TEXT.sub(lambda m: m.group(1), text)
    text = _SHORTCODE_TERM.sub(lambda m: m.group(1).replace("-", " "), text)
    text = _SHORTCODE.sub("", text)
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), text)
    text = _INLINE_TAG.sub("", text)
    return _ANY_TAG.sub("", text)
