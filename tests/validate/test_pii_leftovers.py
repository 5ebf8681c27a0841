"""Validation's PII net flags what may be personal, not hex dumps, tables, timestamps or surrogates."""

from __future__ import annotations

import polars as pl

from curation.validate.suite import pii_leftovers


def _examples(texts: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({
        "id": list(texts),
        "messages": [[{"role": "user", "content": "Question?"}, {"role": "assistant", "content": t}] for t in texts.values()],
    })


def test_leftovers_are_flagged_and_look_alikes_are_not():
    found = pii_leftovers(_examples({
        "card": "Your card 4111 1111 1111 1111 was charged.",
        "phone": "Call me on +49 30 1234 5678 tomorrow.",
        "national_phone": "My number is (415) 867-5309.",
        "email": "Write to jo@posteo.de please.",
        # from the shared manuals: an EEPROM dump, a memory table, a Wayback Machine timestamp
        "hex_dump": "0000 d2 02 96 49 41 56 52 55 f8 2d 40 48 65 6c 6c 6f |...I",
        "table": "eeprom no 4096 8 0 9000 9000 0xff 0xff\nflash yes 131072 256 512 4500 9000 0xff 0x00",
        "wayback": "http://web.archive.org/web/20180919153730/http://www.dropboxwiki.com/tips",
        # surrogates: reserved domains, fiction numbers, documentation IPs, masked cards
        "surrogates": "Mail eric.turner@example.org or call (303) 555-0117 / 07700 900123; router 198.51.100.7; card **** **** **** 2609.",
    }), keep_terms=[])
    assert found == {"card": "CARD", "phone": "PHONE", "national_phone": "PHONE", "email": "EMAIL"}


def test_the_company_keep_terms_are_not_leftovers():
    examples = _examples({"hotline": "Our hotline is +49 30 555 0100\n (weekdays)."})
    assert pii_leftovers(examples, keep_terms=[]) == {"hotline": "PHONE"}
    assert pii_leftovers(examples, keep_terms=["+49 30 555 0100"]) == {}
