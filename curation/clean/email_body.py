"""Keep only what the author of an email wrote.

Email bodies carry a lot of text their sender did not write for this message: the quoted
message being answered (``>`` lines, "On ... wrote:" attributions, Outlook header blocks),
forwarded messages, signatures, mobile taglines and legal disclaimers. For a fine-tuning
dataset all of that is noise (and, for quotes, a duplicate of another message), so
:func:`strip_reply` cuts it and says which kinds of parts it cut.

Everything here is a pure function over strings, built on the standard library's ``re``. HTML
bodies arrive as text from the one renderer (curation/html_text.py), which writes quote containers
as ``>`` lines and Outlook's reply markers as an "Original Message" separator, so the same rules
strip HTML and plain-text replies.

The approach, line by line (no models):

1. **Quotes.** The first *hard* boundary (an "Original Message" or "Forwarded message"
   separator, a ``From:/Sent:/To:/Subject:`` header block, or an "On <date>, <name> wrote:"
   attribution that is not followed by ``>`` lines) cuts everything below it. Above it,
   ``>``-quoted lines and the attribution lines that introduce them are dropped, so
   bottom-posted and interleaved replies keep their new text.
2. **Disclaimers.** A paragraph that opens like a legal notice ("CONFIDENTIALITY NOTICE",
   "This e-mail and any attachments are confidential", "The information contained in this
   message ...") cuts the rest of the message; "[EXTERNAL] / CAUTION: this email originated
   from outside ..." banners at the top are dropped.
3. **Signatures.** From the bottom: mobile taglines ("Sent from my iPhone"), then, among the
   last lines, the topmost of a ``-- `` delimiter, a sign-off line ("Best regards,") or a
   separator line over a short block; failing those a line with the sender's name; failing
   that a name followed by contact lines (phone, email, URL) or a lone first name.

Nothing is ever added: the result is made of (right-stripped) input lines. A message that is
only a quote or a forward comes back as ``""``; a signature or sign-off is kept when removing
it would leave nothing.

``tests/clean/test_talon_conformance.py`` scores the ingest + clean path against mailgun/talon's
test fixtures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["REMOVED_KINDS", "StrippedBody", "strip_reply"]

#: The kinds of parts :func:`strip_reply` may cut, in the order ``StrippedBody.removed`` lists them.
REMOVED_KINDS: tuple[str, ...] = ("quote", "forward_header", "signature", "disclaimer")


@dataclass(frozen=True)
class StrippedBody:
    """The part of an email body its author wrote for this message."""

    text: str  # the new content the author wrote ("" when the message is only a quote/forward)
    removed: tuple[str, ...]  # which parts were cut, a subset of REMOVED_KINDS in that order


# --------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------

# Invisible characters that mail clients sprinkle into dates and names (Windows Mail puts
# U+200E around every field of its header block). Removing them only shortens the text.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"), None
)
_NBSP = str.maketrans({"\xa0": " ", "\u202f": " ", "\u2007": " "})


def _lines_of(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_INVISIBLE).translate(_NBSP)
    return text.split("\n")


def _join(lines: Iterable[str]) -> str:
    """Right-strip lines, collapse runs of blank lines, drop blank lines at both ends."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if not line.strip():
            if out and out[-1]:
                out.append("")
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _blank(line: str) -> bool:
    return not line.strip()


# --------------------------------------------------------------------------------------------
# Quote markers
# --------------------------------------------------------------------------------------------

_QUOTED = re.compile(r"^[ \t]*>")
# "From " lines that mbox storage escaped to ">From ": not quotes when they stand alone.
_MBOX_FROM = re.compile(r"^>+From ")

_SEPARATOR = re.compile(r"^\s*(?:[-_=*~#+.]\s*){3,}$|^\s*[—–]+\s*$")

_ORIGINAL_MESSAGE = re.compile(
    r"^[\s>]*[-_=*]{2,}\s*(?:"
    r"original\s+message|original|reply\s+message|ursprüngliche\s+nachricht|"
    r"originalnachricht|message\s+d'origine|message\s+original|mensaje\s+original|"
    r"messaggio\s+originale|oorspronkelijk\s+bericht|originalmeddelande|"
    r"opprinnelig\s+melding|oprindelig\s+meddelelse|alkuperäinen\s+viesti|"
    r"wiadomość\s+oryginalna|oryginalna\s+wiadomość|původní\s+zpráva|"
    r"исходное\s+сообщение|mensagem\s+original|eredeti\s+üzenet"
    r")\s*[-_=*]{2,}\s*$",
    re.IGNORECASE,
)

_FORWARD = re.compile(
    r"^[\s>]*(?:"
    # "---------- Forwarded message ---------", "----- Forwarded by X on <date> -----", ...
    r"[-_=*]{2,}\s*(?:begin\s+)?(?:forwarded|forward)\s+(?:message|mail|e-?mail|by\b|note\b)|"
    r"[-_=*]{2,}\s*(?:weitergeleitete\s+nachricht|message\s+transf[ée]r[ée]|"
    r"mensaje\s+reenviado|messaggio\s+inoltrato|doorgestuurd\s+bericht|"
    r"vidarebefordrat\s+meddelande|videresendt\s+meddelelse|przekazana\s+wiadomość|"
    r"пересылаемое\s+сообщение|переадресованное\s+сообщение|mensagem\s+encaminhada)|"
    r"begin\s+forwarded\s+message\s*:|"
    r"anfang\s+der\s+weitergeleiteten\s+(?:nachricht|e-?mail)\s*:|"
    r"d[ée]but\s+du\s+message\s+(?:r[ée]exp[ée]di[ée]|transf[ée]r[ée])\s*:|"
    r"inicio\s+del\s+mensaje\s+reenviado\s*:|"
    r"inizio\s+messaggio\s+inoltrato\s*:"
    r")",
    re.IGNORECASE,
)

# Verbs that end (or sit inside) an attribution line, in the languages mail clients localise.
_ATTR_VERB = (
    r"(?:wrote|writes|has\s+written|schrieb|geschrieben|a\s+[ée]crit|[ée]crit|escribi[óo]|"
    r"escreveu|scrisse|ha\s+scritto|schreef|geschreven|skrev|kirjoitti|"
    r"napisał(?:\(a\))?|napisała|pisze|napsal(?:\(a\))?|napisao|napisala|"
    r"написал(?:\(а\))?|написала|пишет|yazdı|írta|rašė|rakstīja|kirjutas|έγραψε|"
    r"写道|寫道|wrote\s+me)"
)
_ATTR_VERB_END = re.compile(_ATTR_VERB + r"\s*:?\s*$", re.IGNORECASE)
_ATTR_VERB_ANY = re.compile(r"(?<!\w)" + _ATTR_VERB + r"(?!\w)", re.IGNORECASE)
# How attribution lines open: "On", "Am", "Le", "El", "Il giorno", "Op", "Em", "Den", ...
_ATTR_INTRO = re.compile(
    r"^[\s>]*(?:[-—–_*]{1,5}\s*)?"
    r"(?:On|Am|Le|El|Il(?:\s+giorno)?|Op|Em|Den|Dne|W\s+dniu|Στις|Pada|Vào|Na|En|På|Dana)\s",
)
_WEEKDAY = (
    r"(?:mon|tue|wed|thu|fri|sat|sun|mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim|"
    r"пн|вт|ср|чт|пт|сб|вс)"
)
_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|mai|juni|juli|"
    r"okt|dez|janv|févr|mars|avr|juin|juil|août|sept|déc|ene|abr|ago|dic|"
    r"янв|фев|мар|апр|мая|июн|июл|авг|сен|окт|ноя|дек)"
)
# An attribution that starts with its date ("02.04.2012 14:20 ...", "Thu, 26 Jun 2014 ...").
_DATE_START = re.compile(
    r"^[\s>]*(?:[-—–]{1,5}\s*)?(?:\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}\s+[^\W\d_]{3,}\.?\s+\d{4}|"
    + _WEEKDAY
    + r"[^\W\d_]*\.?,?\s+\d|"
    + _MONTH
    + r"[^\W\d_]*\.?\s+\d)",
    re.IGNORECASE,
)
_DATEISH = re.compile(
    r"\d{1,2}:\d{2}|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|(?<!\d)(?:19|20)\d{2}(?!\d)|"
    r"(?<![^\W\d_])" + _MONTH + r"[^\W\d_]*\.?\s+\d|\d\s+" + _MONTH,
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
# Attributions without a verb: 'Thu, 26 Jun 2014 14:00 от Alexander <a@example.com>:' (mail.ru),
# '26.06.2014, 14:41, "Alexander L" <abc@example.com>:' (Yandex).
_ADDRESS_END = re.compile(r"<?[\w.+%-]+@[\w-]+(?:\.[\w-]+)+>?\)?\s*:\s*$")


@dataclass(frozen=True)
class _Attribution:
    start: int
    end: int  # inclusive
    strong: bool


def _attribution_text_kind(text: str, anchored: bool) -> str | None:
    """'strong', 'weak' or None for the (joined) candidate attribution ``text``."""
    text = text.strip()
    if len(text) > 400 or not text:
        return None
    ends_colon = text.endswith(":")
    dated = bool(_DATEISH.search(text)) or bool(_EMAIL.search(text))
    if anchored:
        if _ATTR_VERB_END.search(text) or (ends_colon and _ATTR_VERB_ANY.search(text)):
            return "strong" if dated else "weak"
        if ends_colon and _ADDRESS_END.search(text) and _DATEISH.search(text):
            return "strong"
        return None
    if ends_colon and _ADDRESS_END.search(text) and _DATEISH.search(text) and len(text) < 200:
        return "strong"
    if ends_colon and _ATTR_VERB_END.search(text) and len(text.split()) <= 14:
        return "strong" if dated else "weak"
    return None


def _attribution_ending_at(lines: Sequence[str], j: int) -> _Attribution | None:
    """The attribution whose last line is ``j`` (it may be wrapped over up to 3 lines)."""
    last = lines[j].strip()
    if not last or _QUOTED.match(lines[j]):
        return None
    if not (last.endswith(":") or _ATTR_VERB_END.search(last)):
        return None
    # Prefer the shortest span that opens like an attribution ("On ...", a date, ...).
    for k in range(1, 4):
        i = j - k + 1
        if i < 0 or _blank(lines[i]) or _QUOTED.match(lines[i]):
            break
        first = lines[i]
        if _ATTR_INTRO.match(first) or _DATE_START.match(first):
            text = " ".join(line.strip() for line in lines[i : j + 1])
            kind = _attribution_text_kind(text, anchored=True)
            if kind:
                return _Attribution(i, j, kind == "strong")
    kind = _attribution_text_kind(last, anchored=False)
    if kind is None:
        return None
    i = j
    # A one-line match that continues a wrapped address ('John <john@\nexample.com> wrote:').
    if i > 0 and not _blank(lines[i - 1]) and not _QUOTED.match(lines[i - 1]):
        prev = lines[i - 1].rstrip()
        if prev.endswith(("<", "(", ",", "@", '"')) or prev.count("<") > prev.count(">"):
            i -= 1
    return _Attribution(i, j, kind == "strong")


# Header fields of the quoted-message blocks that Outlook, Lotus Notes, Hotmail, webmails
# write above the quoted text, with their localised names.
_FIELD_NAMES: dict[str, str] = {}
for _canon, _names in {
    "from": "from von de da van från fra od от lähettäjä feladó remitente expéditeur absender "
    "发件人 寄件者 差出人 보낸사람",
    "to": "to an à a para aan till til do кому vastaanottaja címzett destinataire empfänger "
    "收件人 宛先 받는사람",
    "cc": "cc bcc kopie copie cópia copia копия kopio",
    "sent": "sent gesendet envoyé enviado inviato verzonden skickat sendt wysłano отправлено "
    "lähetetty elküldve date datum fecha data дата päivämäärä dátum 日期 发送时间 送信日時 "
    "sent_at",
    "subject": "subject betreff objet asunto oggetto onderwerp ämne emne temat тема assunto aihe "
    "tárgy 主题 主旨 件名 제목",
}.items():
    for _name in _names.split():
        _FIELD_NAMES[_name] = _canon
for _name, _canon in {
    "date d'envoi": "sent",
    "enviado el": "sent",
    "enviada em": "sent",
    "sent by": "from",
    "reply to": "to",
    "reply-to": "to",
}.items():
    _FIELD_NAMES[_name] = _canon

_FIELD_LINE = re.compile(
    r"^[ \t*]*([^\W\d_][^\W\d_'-]{0,15}(?:[ '-][^\W\d_]{1,10}){0,2})[ \t*]*[:：](?:[ \t]|$)(.*)$"
)


def _header_field(line: str) -> tuple[str, str] | None:
    m = _FIELD_LINE.match(line)
    if not m:
        return None
    canon = _FIELD_NAMES.get(m.group(1).strip().lower())
    return (canon, m.group(2)) if canon else None


def _header_block_at(lines: Sequence[str], i: int) -> int | None:
    """If a quoted-message header block starts at line ``i``, where the cut should start."""
    first = _header_field(lines[i])
    if first is None:
        return None
    fields = {first[0]}
    from_value = first[1] if first[0] == "from" else ""
    n = len(lines)
    last_header = i
    continuation = 0
    k = i + 1
    while k < n and k - i < 24:
        line = lines[k]
        if _blank(line):
            # Some clients leave a blank line between fields; allow one.
            if k + 1 < n and _header_field(lines[k + 1]) and k - last_header <= 1:
                k += 1
                continue
            break
        field = _header_field(line)
        if field:
            if field[0] == "from" and not from_value:
                from_value = field[1]
            fields.add(field[0])
            last_header = k
            continuation = 0
        else:
            continuation += 1  # wrapped To:/Cc: lists
            if continuation > 4:
                break
        k += 1
    if len(fields) >= 3:
        pass
    elif (
        len(fields) == 2
        and "from" in fields
        and ("@" in from_value or "mailto" in from_value.lower())
    ):
        pass
    else:
        return None
    start = i
    # Lotus Notes puts the sender on a line of its own above To:/cc:/Subject:
    # ('"John" <john@example.com> on 10/16/2000 11:22 AM').
    if "from" not in fields and i > 0 and not _blank(lines[i - 1]):
        prev = lines[i - 1]
        if len(prev) <= 160 and ("@" in prev or _DATEISH.search(prev)):
            start = i - 1
    return start


# Lotus Notes' columnar reply header: the sender (an address wrapped over two lines, the date) on the left,
# To: / cc: / Subject: in a column to its right, indented by the layout, not by a quote mark.
_COLUMN_FIELD = re.compile(r"(?:^|\s{4})(to|cc|subject)\s*:(?:\s|$)", re.IGNORECASE)
_COLUMN_MIN = 20  # the column the fields start at, at least (the sender's text is to their left)


def _column_field(line: str) -> str | None:
    match = _COLUMN_FIELD.search(line)
    return match.group(1).lower() if match and match.start(1) >= _COLUMN_MIN else None


def _columnar_header_at(lines: Sequence[str], i: int) -> int | None:
    """If line ``i`` is the To: line of a Lotus Notes columnar header (cc: and Subject: in the same column
    within the next lines), where the cut should start: the sender's lines just above it."""
    if _column_field(lines[i]) != "to":
        return None
    following = {_column_field(line) for line in lines[i + 1:i + 4]}
    if not {"cc", "subject"} <= following:
        return None
    start = i
    while start > 0 and i - start < 2 and not _blank(lines[start - 1]):
        start -= 1
    return start


def _quote_cut(lines: Sequence[str]) -> tuple[int, str | None, list[_Attribution]]:
    """The first hard quote boundary (index, kind) plus every attribution above it."""
    attributions: list[_Attribution] = []
    n = len(lines)
    for j in range(n):
        line = lines[j]
        if _blank(line) or (_QUOTED.match(line) and not _MBOX_FROM.match(line)):
            continue
        if _FORWARD.match(line):
            return j, "forward_header", attributions
        if _ORIGINAL_MESSAGE.match(line):
            return j, "quote", attributions
        start = _header_block_at(lines, j)
        if start is None:
            start = _columnar_header_at(lines, j)
        if start is not None:
            return start, "quote", attributions
        attribution = _attribution_ending_at(lines, j)
        if attribution is not None:
            nxt = j + 1
            while nxt < n and _blank(lines[nxt]):
                nxt += 1
            if nxt < n and _QUOTED.match(lines[nxt]):
                attributions.append(attribution)
            elif attribution.strong:
                return attribution.start, "quote", attributions
    return n, None, attributions


def _trim_tail(lines: list[str]) -> list[str]:
    """Drop trailing blank and separator lines (what is left above a cut)."""
    while lines and (_blank(lines[-1]) or _SEPARATOR.match(lines[-1])):
        lines.pop()
    return lines


def _strip_quotes(lines: list[str]) -> tuple[list[str], list[str]]:
    cut, kind, attributions = _quote_cut(lines)
    removed: list[str] = []
    if kind:
        removed.append(kind)
    head = list(lines[:cut])
    drop = [False] * len(head)
    for a in attributions:
        for k in range(a.start, min(a.end + 1, len(head))):
            drop[k] = True
    quoted = 0
    for k, line in enumerate(head):
        if _QUOTED.match(line):
            prev_q = k > 0 and _QUOTED.match(head[k - 1]) is not None
            next_q = k + 1 < len(head) and _QUOTED.match(head[k + 1]) is not None
            if _MBOX_FROM.match(line) and not prev_q and not next_q:
                head[k] = line.lstrip(">")
                continue
            drop[k] = True
            quoted += 1
    if quoted or attributions:
        removed.append("quote")
    kept = [line for line, d in zip(head, drop) if not d]
    return _trim_tail(kept), removed


# --------------------------------------------------------------------------------------------
# Disclaimers
# --------------------------------------------------------------------------------------------

_DISCLAIMER_START = re.compile(
    r"^[\W_]*(?:"
    r"(?:confidentiality|confidential|privacy|legal|e-?mail|privileged|security)\s+"
    r"(?:notice|disclaimer|warning|statement|note)\b|"
    r"disclaimer\b|privileged\s*(?:&|and)\s*confidential\b|"
    r"please\s+consider\s+the\s+environment\s+before\s+printing"
    r")",
    re.IGNORECASE,
)
# Sentence-like openings of disclaimers: only for paragraphs long enough to be boilerplate.
_DISCLAIMER_SENTENCE = re.compile(
    r"^[\W_]*(?:"
    r"(?:this|the)\s+(?:e-?mail|message|communication|transmission|electronic\s+mail|"
    r"information|mail)\b[^\n]{0,120}?\b(?:confidential|privileged|intended\s+(?:solely|only|"
    r"exclusively|for\s+the)|proprietary|legally)|"
    r"the\s+(?:information|content)s?\s+(?:contained\s+)?(?:in|of)\s+this\s+(?:e-?mail|message|"
    r"communication|transmission)|"
    r"if\s+you\s+(?:are\s+not|have\s+received\s+this)[^\n]{0,60}?(?:intended\s+recipient|"
    r"in\s+error|by\s+mistake)|"
    r"(?:this|the)\s+(?:e-?mail|message)\s+(?:has\s+been|was)\s+(?:scanned|checked)|"
    r"diese\s+(?:e-?mail|nachricht)\s+(?:enthält|kann)\s+vertrauliche|"
    r"der\s+inhalt\s+dieser\s+(?:e-?mail|nachricht)|"
    r"ce\s+(?:message|courriel|mail)\s+(?:et\s+(?:toutes\s+les|ses|les)\s+pi[èe]ces?\s+jointes?\s+)?"
    r"(?:est|sont)\s+(?:confidentiel|strictement)|"
    r"este\s+(?:mensaje|correo)[^\n]{0,60}?confidencial"
    r")",
    re.IGNORECASE,
)
_EXTERNAL_BANNER = re.compile(
    r"^[\W_]*(?:external|caution|warning|attention|notice)\b[^\n]{0,120}?"
    r"(?:originated\s+(?:from\s+)?outside|external\s+(?:sender|email|source)|"
    r"outside\s+(?:of\s+)?(?:the|your|our)\s+organi[sz]ation|do\s+not\s+click\s+links)",
    re.IGNORECASE,
)


def _paragraph_starts(lines: Sequence[str]) -> list[int]:
    return [
        k
        for k, line in enumerate(lines)
        if not _blank(line) and (k == 0 or _blank(lines[k - 1]) or _SEPARATOR.match(lines[k - 1]))
    ]


def _strip_disclaimer(lines: list[str]) -> tuple[list[str], bool]:
    removed = False
    starts = _paragraph_starts(lines)
    if starts:
        # A "this email originated outside the organisation" banner on top.
        first = starts[0]
        end = first
        while end < len(lines) and not _blank(lines[end]):
            end += 1
        banner = " ".join(line.strip() for line in lines[first:end])[:400]
        if _EXTERNAL_BANNER.match(banner) and any(not _blank(x) for x in lines[end:]):
            lines = lines[end:]
            removed = True
            starts = _paragraph_starts(lines)
    paragraph_starts = set(starts)
    first_content = next(
        (k for k, x in enumerate(lines) if not _blank(x) and not _SEPARATOR.match(x)), len(lines)
    )
    for k in range(first_content + 1, len(lines)):
        # (never at the first content line: that would cut the whole message)
        if _blank(lines[k]):
            continue
        if k not in paragraph_starts and not _sig_line(lines[k - 1]):
            continue  # mid-paragraph: only right under a short (signature) line
        para_end = k
        while para_end < len(lines) and para_end < k + 8 and not _blank(lines[para_end]):
            para_end += 1
        para = " ".join(x.strip() for x in lines[k:para_end])
        if _DISCLAIMER_START.match(para) or (
            len(para.split()) >= 12 and _DISCLAIMER_SENTENCE.match(para[:400])
        ):
            return _trim_tail(lines[:k]), True
    return lines, removed


# --------------------------------------------------------------------------------------------
# Signatures
# --------------------------------------------------------------------------------------------

_DELIMITER = re.compile(r"^(?:-- ?|--|—|__)\s*$")
_TAGLINE = re.compile(
    r"^[\s*_]*(?:"
    r"sent\s+from\s+my\b.{1,60}|"
    r"sent\s+(?:from|with|via|using)\s+(?:the\s+)?(?:iphone|ipad|android|blackberry|samsung|galaxy|"
    r"mobile|phone|tablet|outlook|yahoo|mail|gmail|aol|windows|nokia|htc|huawei|xiaomi|pixel|"
    r"sparrow|airmail|spark|bluemail|proton\w*|tutanota|superhuman|newton|edison|"
    r"[^\W\d_]+\s+mail|[^\W\d_]+\s+for\s+(?:ios|android|iphone|mac|windows))\b.{0,60}|"
    r"get\s+outlook\s+for\s+(?:ios|android).{0,30}|"
    r"(?:envoy[ée]|enviado|inviato|verzonden|skickat|sendt|wysłane|gesendet|отправлено)\s+"
    r"(?:de|depuis|desde|do|da|dal|vanaf|från|fra|z|von|с|из)\s+(?:mon|mi|meu|mio|il\s+mio|"
    r"mijn|min|moim|moego|моего|meinem|my)?\b.{1,50}|"
    r"von\s+meinem\s+.{1,40}\s+gesendet|"
    r"(?:sent|typed)\s+on\s+(?:a\s+|my\s+)?(?:mobile|phone|iphone|tablet).{0,30}|"
    r"please\s+excuse\s+(?:my\s+)?(?:brevity|typos).{0,40}"
    r")\s*$",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"^[\s\-–—~*_]*(?:"
    r"(?:best|kind|warm|warmest|kindest|many|with|my|all\s+the|very\s+best|sincere)\s+"
    r"(?:regards|wishes|thanks|greetings)|regards|"
    r"best|cheers|thx|ty|tia|br|rgds|sincerely|respectfully|cordially|faithfully|"
    r"yours(?:\s+(?:truly|sincerely|faithfully|respectfully))?|"
    r"(?:(?:very\s+)?(?:truly|sincerely|faithfully)\s+yours)|"
    r"take\s+care|talk\s+soon|speak\s+soon|all\s+the\s+best|have\s+a\s+(?:good|great|nice)\s+"
    r"(?:day|weekend|one)|"
    r"thank\s+you(?:\s+(?:so\s+much|very\s+much|in\s+advance|again|kindly))?|"
    r"thanks(?:\s+(?:so\s+much|again|a\s+lot|in\s+advance|much))?|many\s+thanks|"
    r"mit\s+freundlichen\s+gr(?:ü|ue)(?:ß|ss)en|(?:viele|liebe|beste|freundliche)\s+gr(?:ü|ue)(?:ß|ss)e|"
    r"mfg|lg|danke|cordialement|bien\s+(?:à\s+vous|cordialement)|salutations|merci|"
    r"(?:un\s+)?saludos?(?:\s+cordiales)?|atentamente|gracias|cumprimentos|atenciosamente|"
    r"obrigad[oa]|(?:cordiali|distinti)\s+saluti|saluti|grazie|"
    r"met\s+vriendelijke\s+groet(?:en)?|groeten|bedankt|"
    r"med\s+vänliga\s+hälsningar|vänliga\s+hälsningar|hälsningar|mvh|tack|"
    r"с\s+уважением|спасибо|всего\s+доброго"
    # then nothing but punctuation, or a name: "Thanks, John", "Cheers -- Ann"
    r")(?P<rest>[\s,.!:;]*|[\s,\-–—]+[^\W\d_][^\n]*)$",
    re.IGNORECASE,
)
_PHONE = re.compile(r"\+?\(?\d[\d ().\-/]{5,}\d")
_CONTACT_WORD = re.compile(
    r"(?:^|\b)(?:tel|phone|mobile|mob|cell|fax|direct|office|skype|twitter|linkedin|facebook|"
    r"instagram|wechat|whatsapp|web|website|email|e-mail)\b",
    re.IGNORECASE,
)
_URL = re.compile(
    r"https?://\S+|www\.\S+|\b[\w-]+\.(?:com|org|net|io|co|de|fr|uk|ru|biz|info|edu|gov|ca|au)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")
_NAME_PARTICLES = {"de", "van", "von", "der", "den", "da", "di", "du", "la", "le", "del", "bin"}


def _contact(line: str) -> bool:
    s = line.strip()
    if _EMAIL.search(s) or _URL.search(s) or _CONTACT_WORD.search(s):
        return True
    m = _PHONE.search(s)
    return bool(m and sum(c.isdigit() for c in m.group()) >= 7)


def _sig_line(line: str) -> bool:
    """Could this line belong to a signature block (short, not a sentence or a question)?"""
    s = line.strip()
    if not s:
        return True
    if len(s) > 80 or s.endswith(("?", ":")):
        return False
    words = s.split()
    if len(words) > 10:
        return False
    if s.endswith((".", "!")) and len(words) > 5 and not _contact(s):
        return False
    return True


def _name_like(line: str) -> bool:
    s = line.strip().lstrip("-–—~*_ ").strip()
    if not s or len(s) > 40 or any(c.isdigit() for c in s):
        return False
    words = s.replace(",", " ").split()
    if not 1 <= len(words) <= 4:
        return False
    for w in words:
        letters = w.strip(".'-()")
        if not letters:
            continue
        if not letters[0].isalpha():
            return False
        if not letters[0].isupper() and letters.lower() not in _NAME_PARTICLES:
            return False
    return True


# One-word closing lines that are replies, not names.
_NOT_NAMES = frozenset(
    "yes no ok okay done agreed sure great perfect thanks thank nope yep yeah fine correct right "
    "true false approved confirmed noted cool awesome excellent good nice attached see below "
    "above fyi update best regards cheers hello hi dear please urgent important note".split()
)


def _lone_name(s: str) -> bool:
    words = s.split()
    return (
        1 <= len(words) <= 2
        and len(s) <= 30
        and all(w.isalpha() and w[0].isupper() for w in words)
        and not any(w.lower() in _NOT_NAMES for w in words)
    )


def _sender_tokens(sender_name: str | None) -> set[str]:
    if not sender_name:
        return set()
    s = sender_name.strip()
    if "@" in s and not re.search(r"\s", s.strip("<>\"' ")):
        # Only an address: its local part is the best guess ("john.doe@..." -> john, doe).
        s = s.strip("<>\"' ").split("@", 1)[0]
        parts = re.split(r"[._+\-\d]+", s)
    else:
        s = re.sub(r"<[^>]*>|\S+@\S+", " ", s)
        parts = _WORD.findall(s)
    return {p.lower() for p in parts if len(p) >= 2}


def _sender_line(line: str, tokens: set[str]) -> bool:
    """A short line made of the sender's name (plus initials/credentials): 'John E. Doe, Ph.D.'."""
    if not tokens:
        return False
    s = line.strip().lstrip("-–—~*_ ").strip()
    if not s or len(s) > 60:
        return False
    words = s.replace(",", " ").replace("/", " ").split()
    if len(words) > 6:
        return False
    hit = False
    for w in words:
        letters = w.strip(".'-()")
        if not letters:
            continue
        low = letters.lower()
        if low in tokens:
            hit = True
        elif not letters[0].isupper() and not letters[0].isdigit():
            return False
    if hit:
        return True
    # Initials only: "JD", "J.D.", "-j"
    initials = {t[0] for t in tokens}
    compact = re.sub(r"[\s.]", "", s).lower()
    return 1 <= len(compact) <= 3 and compact.isalpha() and set(compact) <= initials


def _block_after(lines: Sequence[str], k: int) -> list[str]:
    return [line for line in lines[k + 1 :] if not _blank(line)]


def _starts_closing(lines: Sequence[str], k: int) -> bool:
    """Is line ``k`` where a closing block may begin (after a blank line or a full sentence)?"""
    if k == 0:
        return True
    prev = lines[k - 1].strip()
    return not prev or prev.endswith((".", "!", "?", ";", ")", ",")) or bool(_SEPARATOR.match(prev))


def _has_content(lines: Sequence[str]) -> bool:
    return any(not _blank(x) and not _SEPARATOR.match(x) for x in lines)


def _signature_cut(lines: list[str], tokens: set[str]) -> int | None:
    """Index where the signature starts, or None.

    Candidates come in tiers; the first tier with any candidate wins, and within it the
    topmost one. A sign-off or a "-- " delimiter is the surest start; only without one does a
    line with the sender's name count, and only without that a bare separator line or a name
    followed by contact lines (which could also be, say, an address in the message).
    """
    nonblank = [k for k, line in enumerate(lines) if not _blank(line)]
    if len(nonblank) < 2:
        return None
    window = nonblank[-16:]  # signatures live in the last lines
    tiers: list[list[int]] = [[], [], []]
    for k in window:
        if not _has_content(lines[:k]):
            continue
        line = lines[k]
        after = _block_after(lines, k)
        s = line.strip()
        # "-- " delimiter (RFC 3676), or a bare "--"/"__".
        if _DELIMITER.match(line):
            if line.strip(" \t") == "--" and len(after) <= 25:
                tiers[0].append(k)
            elif len(after) <= 12 and all(len(x.strip()) <= 100 for x in after):
                tiers[0].append(k)
            continue
        # A separator line (----------) over a signature-like block.
        if _SEPARATOR.match(line):
            if (
                after
                and len(after) <= 15
                and all(_sig_line(x) for x in after)
                and any(_contact(x) or _sender_line(x, tokens) for x in after)
            ):
                tiers[0].append(k)
            continue
        if not _starts_closing(lines, k):
            continue
        # A sign-off ("Best regards,", "Thanks, John") and a short block under it.
        m = _SIGNOFF.match(s)
        if m:
            rest = m.group("rest").strip(" \t,.!:;-–—")
            if (not rest or _name_like(rest)) and len(after) <= 10 and all(map(_sig_line, after)):
                tiers[0].append(k)
            continue
        # The sender's name, then a short block.
        if _sender_line(line, tokens) and len(after) <= 8 and all(map(_sig_line, after)):
            tiers[1].append(k)
            continue
        # A name followed by contact lines (phone, email, URL).
        if (
            _name_like(line)
            and (k == 0 or _blank(lines[k - 1]))
            and 1 <= len(after) <= 8
            and all(map(_sig_line, after))
            and any(_contact(x) for x in after)
        ):
            tiers[2].append(k)
            continue
        # Just a first name (or two words) under the message: "...let me know.\n\nPhillip".
        if k == nonblank[-1] and _blank(lines[k - 1]) and _lone_name(s):
            tiers[2].append(k)
    for tier in tiers:
        if tier:
            return tier[0]
    return None


def _strip_taglines(lines: list[str]) -> tuple[list[str], bool]:
    removed = False
    lines = _trim_tail(lines)
    while lines and _TAGLINE.match(lines[-1].strip()):
        lines = _trim_tail(lines[:-1])
        removed = True
    return lines, removed


def _strip_signature(lines: list[str], sender_name: str | None) -> tuple[list[str], bool]:
    if not _has_content(lines):
        return lines, False
    original = lines
    lines, removed = _strip_taglines(lines)
    cut = _signature_cut(lines, _sender_tokens(sender_name))
    if cut is not None:
        lines, _ = _strip_taglines(_trim_tail(lines[:cut]))
        removed = True
    if removed and not _has_content(lines):
        # Nothing left: fine when the text was only a tagline or a "-- " block (a quote or
        # forward plus the client's signature), otherwise the "signature" is the message.
        if _only_mechanical_signature(original):
            return [], True
        return original, False
    return lines, removed


def _only_mechanical_signature(lines: Sequence[str]) -> bool:
    """Is the text nothing but taglines, or a block that opens with a "-- " delimiter?"""
    for line in lines:
        if _blank(line) or _TAGLINE.match(line.strip()):
            continue
        return bool(_DELIMITER.match(line))
    return True


# --------------------------------------------------------------------------------------------
# Public API: plain text
# --------------------------------------------------------------------------------------------


def strip_reply(
    text: str,
    *,
    sender_name: str | None = None,
    quotes: bool = True,
    signature: bool = True,
    disclaimer: bool = True,
) -> StrippedBody:
    """Keep the new content of a plain-text email body.

    ``sender_name`` (a display name such as "John Doe", or an address) helps find a signature
    that starts with the sender's name. ``quotes``, ``signature`` and ``disclaimer`` switch the
    three kinds of removal; all are on by default. A message that is only a quote or a forward
    gives ``""``; one with new content never does.
    """
    if not text:
        return StrippedBody("", ())
    lines = _lines_of(text)
    removed: set[str] = set()
    if quotes:
        lines, kinds = _strip_quotes(lines)
        removed.update(kinds)
        if not _has_content(lines):
            return StrippedBody("", _ordered(removed))
    if disclaimer:
        lines, cut = _strip_disclaimer(lines)
        if cut:
            removed.add("disclaimer")
    if signature:
        lines, cut = _strip_signature(lines, sender_name)
        if cut:
            removed.add("signature")
    return StrippedBody(_join(lines), _ordered(removed))


def _ordered(kinds: set[str]) -> tuple[str, ...]:
    return tuple(k for k in REMOVED_KINDS if k in kinds)
