"""Email readers: .eml files, mbox (mboxo/mboxrd and Content-Length mboxes) and Maildir messages.

One Document per message. Threads are reconstructed afterwards over all messages (see threading.py).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from email.message import EmailMessage

from curation.html_text import html_to_text
from curation.ingest.files import InputFile
from curation.ingest.text import UndecodableText, decode_bytes
from curation.ingest.units import Quarantined, UnitResult
from schemas import Attachment, Document, EmailMeta, Mailbox, SourceRef, sha256_hex, stable_id

_MBOX_FROM = re.compile(rb"^From \S*\s+(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
_MBOXRD_ESCAPE = re.compile(rb"^>(>*From )")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_AUTO_PRECEDENCE = {"auto_reply", "auto-reply"}  # RFC 3834 predecessors; bulk/list/junk mark list mail instead
_LIST_PRECEDENCE = {"bulk", "list", "junk"}
_TRUNCATION_DEFECTS = ("CloseBoundaryNotFoundDefect", "StartBoundaryNotFoundDefect", "MultipartInvariantViolationDefect")


def read_eml(file: InputFile) -> Iterator[UnitResult]:
    raw = file.path.read_bytes()
    folder = file.path.parent.parent.name if file.path.parent.name in {"cur", "new", "tmp"} else None
    yield parse_message(raw, file.relpath, fallback_locator="file", folder=folder)


def read_mbox(file: InputFile) -> Iterator[UnitResult]:
    seen: dict[str, int] = {}
    for index, raw in enumerate(split_mbox(file.path.open("rb"))):
        result = parse_message(raw, file.relpath, fallback_locator=f"message:{index + 1}", folder=file.path.stem)
        yield _unique_locator(result, seen)


def split_mbox(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Raw messages of an mbox, streamed; honours Content-Length when a body contains 'From ' lines."""
    current: list[bytes] = []
    in_headers = True
    content_length: int | None = None
    body_bytes = 0
    with_lines = iter(lines)
    for line in with_lines:
        starts_message = line.startswith(b"From ") and (_MBOX_FROM.match(line) or not current)
        if starts_message and (content_length is None or body_bytes >= content_length):
            if current:
                yield b"".join(current)
            current, in_headers, content_length, body_bytes = [], True, None, 0
            continue
        if in_headers:
            if line in (b"\n", b"\r\n"):
                in_headers = False
            elif line[:15].lower() == b"content-length:":
                try:
                    content_length = int(line[15:].strip())
                except ValueError:
                    content_length = None
            current.append(line)
            continue
        body_bytes += len(line)
        current.append(_MBOXRD_ESCAPE.sub(rb"\1", line) if content_length is None else line)
    if current and any(part.strip() for part in current):
        yield b"".join(current)
    close = getattr(lines, "close", None)
    if close:
        close()


def _unique_locator(result: UnitResult, seen: dict[str, int]) -> UnitResult:
    """The same Message-ID twice in one mbox gets '#2', '#3'... so unit ids stay unique."""
    source = result.source
    count = seen.get(source.locator, 0) + 1
    seen[source.locator] = count
    if count == 1:
        return result
    new_source = source.model_copy(update={"locator": f"{source.locator}#{count}"})
    if isinstance(result, Quarantined):
        return Quarantined(new_source, result.reason, result.detail)
    doc_id = stable_id("d", "email", new_source.path, new_source.locator)
    return result.model_copy(update={"source": new_source, "id": doc_id})


def parse_message(raw: bytes, relpath: str, *, fallback_locator: str, folder: str | None = None) -> UnitResult:
    digest = sha256_hex(raw)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as err:  # the parser is lenient; anything it raises is a malformed message
        return _quarantine(relpath, fallback_locator, digest, "malformed_mime", f"parser error: {err!r}")
    message_id = _first_message_id(_header(msg, "Message-ID"))
    locator = message_id or fallback_locator
    try:
        text, charset, has_html, attachments = _body(msg)
    except UndecodableText as err:
        return _quarantine(relpath, locator, digest, "undecodable_text", str(err))
    except Exception as err:
        return _quarantine(relpath, locator, digest, "malformed_mime", f"cannot read body: {err!r}")

    has_headers = any(_header(msg, name) for name in ("From", "Date", "Subject", "Message-ID", "To"))
    defects = {type(defect).__name__ for part in _safe_walk(msg) for defect in part.defects}
    repaired = None
    if not text.strip() and defects.intersection(_TRUNCATION_DEFECTS):
        recovered = _recover_multipart(raw)
        if recovered is not None:
            text, charset, has_html, attachments = recovered
            repaired = f"multipart boundary recovered from the body (MIME defects: {', '.join(sorted(defects))})"
    if not text.strip():
        if defects.intersection(_TRUNCATION_DEFECTS):
            nothing = "; the message ends after its headers" if not _body_bytes(raw).strip() else ""
            return _quarantine(relpath, locator, digest, "truncated_message", f"MIME defects: {', '.join(sorted(defects))}{nothing}")
        if not has_headers:
            return _quarantine(relpath, locator, digest, "malformed_mime", "no headers and no body text")

    subject = _header(msg, "Subject")
    sender = _mailboxes(_header(msg, "From"))
    recipients = _mailboxes(", ".join(filter(None, (_header(msg, "To"), _header(msg, "Cc")))))
    references = _MESSAGE_ID.findall(_header(msg, "References"))
    in_reply_to = _first_message_id(_header(msg, "In-Reply-To"))
    meta = EmailMeta(
        message_id=message_id or "",
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        sender=sender[0] if sender else Mailbox(),
        recipients=recipients,
        charset=charset,
        has_html=has_html,
        attachments=attachments,
        mime_repair=repaired,
        auto_submitted=_auto_submitted(msg),
        list_mail=_list_mail(msg),
        is_delivery_report=_is_delivery_report(msg, sender),
        mailbox_folder=folder,
    )
    source = SourceRef(source_kind="email", path=relpath, locator=locator, sha256=digest)
    root = references[0] if references else (in_reply_to or message_id or f"{relpath}#{locator}")
    return Document(
        id=stable_id("d", "email", relpath, locator),
        source=source,
        group_key=f"thread:{stable_id('t', root)[2:]}",
        created_at=_date(_header(msg, "Date")),
        title=subject,
        text=text,
        meta=meta,
    )


def _quarantine(relpath: str, locator: str, digest: str, reason: str, detail: str) -> Quarantined:
    return Quarantined(SourceRef(source_kind="email", path=relpath, locator=locator, sha256=digest), reason, detail)


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else _clean_header(str(value))
    except Exception:
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                return _clean_header(str(value))
        return ""


def _clean_header(value: str) -> str:
    """Raw 8-bit header bytes reach us as lone surrogates (surrogateescape): read them as UTF-8, else
    Windows-1252, so ids, ledger rows and parquet strings never hold unencodable characters."""
    value = value.strip()
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _first_message_id(value: str) -> str | None:
    match = _MESSAGE_ID.search(value or "")
    return match.group(0) if match else (value.strip() or None if value else None)


def _mailboxes(value: str) -> list[Mailbox]:
    if not value:
        return []
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:
        return []
    return [Mailbox(name=name.strip(), address=addr.strip().lower()) for name, addr in pairs if name or addr]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,70}?)(--)?[ \t]*\r?$", re.MULTILINE)
_BOUNDARY_PARAM = re.compile(rb"(boundary\s*=\s*)(\"[^\"]*\"|[^;\r\n]*)", re.IGNORECASE)


def _body_bytes(raw: bytes) -> bytes:
    parts = _HEADER_END.split(raw, 1)
    return parts[1] if len(parts) > 1 else b""


def _recover_multipart(raw: bytes) -> tuple[str, str | None, bool, list[Attachment]] | None:
    """The body of a multipart message whose declared boundary does not match the one its parts use
    (or is unquoted, or never closed): the boundary is read from the first delimiter line in the body,
    written back into the top Content-Type, a closing delimiter added, and the message parsed again."""
    match = _HEADER_END.search(raw)
    if not match:
        return None
    head, body = raw[: match.start()], raw[match.end():]
    found = _BOUNDARY_LINE.search(body)
    if not found or not _BOUNDARY_PARAM.search(head):
        return None
    boundary = found.group(1)
    head = _BOUNDARY_PARAM.sub(lambda m: m.group(1) + b'"' + boundary + b'"', head, count=1)
    if b"--" + boundary + b"--" not in body:
        body = body.rstrip() + b"\r\n--" + boundary + b"--\r\n"
    try:
        text, charset, has_html, attachments = _body(email.message_from_bytes(head + b"\r\n\r\n" + body, policy=email.policy.default))
    except Exception:
        return None
    return (text, charset, has_html, attachments) if text.strip() else None


def _auto_submitted(msg: EmailMessage) -> str | None:
    """Why this is an automatic reply (RFC 3834 Auto-Submitted, X-Autoreply / X-Autorespond,
    Precedence: auto_reply), or None. List mail (Precedence: bulk) is not an auto-reply: see _list_mail."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return auto
    for name in ("X-Autoreply", "X-Autorespond"):
        if _header(msg, name):
            return f"{name.lower()}: {_header(msg, name)}"
    precedence = _header(msg, "Precedence").lower()
    return f"precedence: {precedence}" if precedence in _AUTO_PRECEDENCE else None


def _list_mail(msg: EmailMessage) -> str | None:
    """Why this came through a mailing list, group or relay (List-Id, Precedence: bulk/list/junk), or None."""
    if _header(msg, "List-Id"):
        return f"list-id: {_header(msg, 'List-Id')}"
    precedence = _header(msg, "Precedence").lower()
    return f"precedence: {precedence}" if precedence in _LIST_PRECEDENCE else None


def _is_delivery_report(msg: EmailMessage, sender: list[Mailbox]) -> bool:
    if msg.get_content_type() == "multipart/report" and "delivery-status" in (msg.get_param("report-type") or ""):
        return True
    if any(part.get_content_type() == "message/delivery-status" for part in _safe_walk(msg)):
        return True
    local = sender[0].address.split("@")[0] if sender else ""
    return local in {"mailer-daemon", "postmaster"}


def _safe_walk(msg: EmailMessage) -> list[EmailMessage]:
    try:
        return list(msg.walk())
    except Exception:
        return [msg]


def _body(msg: EmailMessage) -> tuple[str, str | None, bool, list[Attachment]]:
    """Text of the inline text/plain parts (else the HTML ones, converted), charset, has_html, attachments."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    charset: str | None = None
    for part in _safe_walk(msg):
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        filename = _filename(part)
        disposition = _safe(part.get_content_disposition) or ""
        payload = part.get_payload(decode=True) or b""
        if disposition == "attachment" or (filename and not ctype.startswith("text/")):
            attachments.append(Attachment(filename=filename or "(unnamed)", content_type=ctype, size_bytes=len(payload)))
            continue
        if ctype not in ("text/plain", "text/html") and not (ctype.startswith("text/") and part is msg):
            if ctype.startswith(("text/", "message/")):
                continue
            attachments.append(Attachment(filename=filename or "(unnamed)", content_type=ctype, size_bytes=len(payload)))
            continue
        declared = _safe(part.get_content_charset)
        text, codec = decode_bytes(payload, declared)
        charset = charset or declared or codec
        (html if ctype == "text/html" else plain).append(text)
    if plain:
        return "\n\n".join(t.strip("\n") for t in plain), charset, bool(html), attachments
    if html:
        return "\n\n".join(html_to_text(h) for h in html), charset, True, attachments
    return "", charset, False, attachments


def _filename(part: EmailMessage) -> str | None:
    try:
        return part.get_filename()
    except Exception:
        return None


def _safe(getter):
    try:
        return getter()
    except Exception:
        return None
