"""strip_reply against mailgun/talon's reply and signature fixtures (a third-party suite).

The fixtures live in the shared corpora (``../shared/corpora`` next to the checkout, read-only,
never copied into the project); without them these tests skip. ``talon_conformance`` (defined
in ``curation.clean.email_body`` and re-exported here for benchmark scripts) documents which
fixtures carry an expected result and how each family is compared.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from curation.clean.email_body import message_body_text, strip_reply, talon_conformance

__all__ = ["TALON_FIXTURES", "talon_conformance"]

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
TALON_FIXTURES = CORPORA / "emails" / "talon" / "tests" / "fixtures"
MIN_SHARE = 0.90


@pytest.fixture(scope="module")
def fixtures_dir() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA} (only CI and dev machines have them)")
    if not TALON_FIXTURES.is_dir():
        pytest.skip(f"talon fixtures not found at {TALON_FIXTURES}")
    return TALON_FIXTURES


def _read_eml(path: Path) -> email.message.EmailMessage:
    with path.open("rb") as fh:
        return email.message_from_binary_file(fh, policy=email.policy.default)


def test_talon_conformance_share(fixtures_dir: Path) -> None:
    matched, total, failures = talon_conformance(fixtures_dir)
    share = matched / total if total else 0.0
    print(f"\ntalon conformance: {matched}/{total} = {share:.3f}")
    for name, expected, got in failures:
        print(f"FAIL {name}\n  expected: {expected!r}\n  got:      {got!r}")
    # standard_replies (12) + signature samples with an expected body (8) + html replies (11)
    assert total >= 20, "fewer talon fixtures with expected results than there should be"
    assert share > MIN_SHARE, f"only {matched}/{total} talon fixtures match"


def test_standard_replies_fully_stripped_are_hello(fixtures_dir: Path) -> None:
    """With signatures removed too, every standard reply is just its new text, "Hello"."""
    emls = sorted((fixtures_dir / "standard_replies").glob("*.eml"))
    assert emls
    wrong = {}
    for eml in emls:
        got = strip_reply(message_body_text(_read_eml(eml))).text
        if got.strip() != "Hello":
            wrong[eml.name] = got
    assert not wrong


def test_share_block_reply_keeps_text_drops_yahoo_quote(fixtures_dir: Path) -> None:
    msg = _read_eml(fixtures_dir / "reply-quotations-share-block.eml")
    result = strip_reply(message_body_text(msg), sender_name="Joe Doe")
    assert result.text.startswith("Hi Katharine.")
    assert result.text.endswith("look forward to hearing from you soon.")
    assert "New Booking Inquiry" not in result.text
    assert "quote" in result.removed
