"""mailgun/talon's reply and signature fixtures (a third-party suite) through the product's path:
each fixture becomes a real message, read by the ingest reader (MIME, charsets, the HTML renderer)
and cleaned by the clean step's own function. Nothing here calls a helper the pipeline does not.

The fixtures live in the shared corpora (``../shared/corpora`` next to the checkout, read-only,
never copied into the project); without them these tests skip.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.clean.mail_path import cleaned_body, html_message, text_message
from tests.conftest import SHARED_CORPORA

TALON_FIXTURES = SHARED_CORPORA / "emails" / "talon" / "tests" / "fixtures"
MIN_SHARE = 0.90
_ANNOTATION = re.compile(r"^#(sig|reply)#")
# talon's tests assert these replies for its HTML fixtures (signatures kept); the product also strips
# the sign-off: "Thanks, Alex" of the html_replies, the lone "Bob" that closes reply-separated-by-hr.
HTML_EXPECTED = {"OLK_SRC_BODY_SECTION.html": "Reply", "reply-separated-by-hr.html": "Hi there"}
HTML_REPLY = "Hi. I am fine."


@pytest.fixture(scope="module")
def fixtures_dir() -> Path:
    if not TALON_FIXTURES.is_dir():
        pytest.skip(f"talon fixtures not found at {TALON_FIXTURES} (only CI and dev machines have the shared corpora)")
    return TALON_FIXTURES


def _squash(text: str) -> str:
    return " ".join(text.split())


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _annotated(text: str) -> tuple[str, str] | None:
    """talon marks signature lines '#sig#' and quoted lines '#reply#': (input without the marks,
    the expected text = the unmarked lines), or None when the sample is not annotated."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not any(_ANNOTATION.match(line) for line in lines):
        return None
    source = "\n".join(_ANNOTATION.sub("", line) for line in lines)
    return source, "\n".join(line for line in lines if not _ANNOTATION.match(line)).strip()


def _sender(name: str | None) -> str:
    return f"{name} <sender@example.org>" if name and "@" not in name else (name or "Sender <sender@example.org>")


def conformance_cases(root: Path) -> list[tuple[str, str, str]]:
    """(fixture, expected, got) for every fixture that comes with an expected result."""
    cases = []
    for eml in sorted((root / "standard_replies").glob("*.eml")):
        cases.append((eml.name, "Hello", cleaned_body(eml.read_bytes())))  # signatures go too: just "Hello"
    stripped = root / "signature" / "emails" / "stripped"
    for body_file in sorted(stripped.glob("*_body")):
        stem = body_file.name[: -len("_body")]
        sender_file = body_file.with_name(stem + "_sender")
        sender = _read(sender_file).strip() if sender_file.exists() else None
        body = _read(body_file)
        annotated = _annotated(body)
        if annotated is None:
            signature_file = body_file.with_name(stem + "_signature")
            signature = _read(signature_file).strip() if signature_file.exists() else ""
            if not signature or not body.strip().endswith(signature):
                continue
            annotated = (body, body.strip()[: -len(signature)])
        source, expected = annotated
        cases.append((body_file.name, expected, cleaned_body(text_message(source, sender=_sender(sender)))))
    html_files = sorted((root / "html_replies").glob("*.html")) + [root / n for n in sorted(HTML_EXPECTED) if (root / n).is_file()]
    for html_file in html_files:
        got = cleaned_body(html_message(_read(html_file)))
        cases.append((html_file.name, HTML_EXPECTED.get(html_file.name, HTML_REPLY), got))
    return cases


def test_talon_fixtures_through_ingest_and_clean(fixtures_dir: Path) -> None:
    cases = conformance_cases(fixtures_dir)
    failures = [(name, exp, got) for name, exp, got in cases if _squash(exp) != _squash(got)]
    for name, expected, got in failures:
        print(f"FAIL {name}\n  expected: {expected!r}\n  got:      {got!r}")
    assert len(cases) >= 20, "fewer talon fixtures with expected results than there should be"
    assert (len(cases) - len(failures)) / len(cases) > MIN_SHARE, f"{len(failures)} of {len(cases)} talon fixtures differ"
    html = [c for c in cases if c[0].endswith(".html")]
    assert html and all(_squash(e) == _squash(g) for _, e, g in html), "every HTML reply fixture loses its quote"


def test_share_block_reply_keeps_text_drops_yahoo_quote(fixtures_dir: Path) -> None:
    text = cleaned_body((fixtures_dir / "reply-quotations-share-block.eml").read_bytes())
    assert text.startswith("Hi Katharine.")
    assert text.rstrip().endswith("look forward to hearing from you soon.")
    assert "New Booking Inquiry" not in text
