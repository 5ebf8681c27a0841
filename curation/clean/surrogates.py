"""Realistic stand-ins for redacted PII, so a model trained on the data never learns to write "<PERSON>".

A redacted span becomes a surrogate of its type, drawn with Faker in the document's language:

- PERSON: a name of the same shape. Each token is replaced on its own, first names by first names and
  surnames by surnames, so "Jane Doe", "Jane" and "Doe, Jane" in one thread stay one (fake) person.
- EMAIL: ``first.last@example.com`` (RFC 2606 domains: they cannot belong to anybody).
- PHONE: a number reserved for fiction (NANP 555-01xx, Ofcom's 07700 900xxx drama range).
- CARD / IBAN: masked, as support staff write them ("**** **** **** 4821", "DE** **** **** 0417").
- IP: an address from the documentation ranges (RFC 5737 / RFC 3849).
- ADDRESS: a street address of the locale.

Consistency without a stored mapping: a surrogate is a pure function of (salt, scope, type, original),
where the scope is the thread or ticket (the document's group key). The same original therefore gets
the same surrogate everywhere in its thread and in every copy of a message, and nothing that maps
originals to surrogates is ever written. With an empty salt anyone who can guess an original and knows
its thread can confirm the guess; set ``clean.pii.surrogate_salt`` to a secret to rule that out.

Validation knows what surrogates are made of (:func:`not_personal`), so it does not mistake them for
PII that escaped redaction.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable
from functools import cached_property

from faker import Faker

from curation.clean.pii import name_from_address

# py3langid language -> Faker locale; anything else is drawn in en_US
LOCALES = {
    "en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT", "nl": "nl_NL", "pt": "pt_BR",
    "sv": "sv_SE", "da": "da_DK", "no": "no_NO", "fi": "fi_FI", "pl": "pl_PL", "cs": "cs_CZ", "ru": "ru_RU",
    "ja": "ja_JP", "zh": "zh_CN", "ko": "ko_KR", "tr": "tr_TR",
}  # fmt: skip
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_SURNAME_PARTICLES = frozenset("de van von der den da di du le la del dos ter zu bin al".split())


_PER_THREAD = threading.local()


def _faker(locale: str) -> Faker:
    """This thread's Faker for the locale. A Faker is seeded, then drawn from: shared between the threads of
    a thread task runner (Prefect's default, Dask's threads), two shards' seeds and draws would interleave
    and one text would get another's surrogates, so each thread keeps its own."""
    fakers = _PER_THREAD.__dict__.setdefault("fakers", {})
    if locale not in fakers:
        fakers[locale] = Faker(locale)
    return fakers[locale]


class Surrogates:
    """Surrogates for one scope (a thread, a ticket, a manual page) in one locale. `language` may be a function
    that detects it: it is called when the first surrogate is drawn (most documents need none)."""

    def __init__(self, scope: str, language: str | Callable[[], str] = "en", salt: str = "", *, known_names: Iterable[str] = ()) -> None:
        self.scope = scope
        self._language = language
        self.salt = salt
        # tokens after the first of a known full name are surnames, also where they stand alone ("Mr. Doe")
        self.surnames = frozenset(token for name in known_names for token in _surname_tokens(name))

    @cached_property
    def locale(self) -> str:
        return LOCALES.get(self._language() if callable(self._language) else self._language, "en_US")

    def _fake(self, kind: str, original: str, locale: str | None = None) -> Faker:
        """Faker seeded from (salt, scope, type, original): the same input always draws the same value."""
        key = "\0".join((self.salt, self.scope, kind, " ".join(original.split()).casefold()))
        fake = _faker(locale or self.locale)
        fake.seed_instance(int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big"))
        return fake

    def __call__(self, kind: str, original: str) -> str:
        return getattr(self, kind.lower())(original)

    # ---- one method per PII type ---------------------------------------------------------------------

    def person(self, original: str) -> str:
        if "," in original:  # "Doe, Jane"
            last, _, first = original.partition(",")
            return f"{self._surname(last.strip())}, {self._given(first.strip())}"
        tokens = original.split()
        out = []
        for i, token in enumerate(tokens):
            if token.lower() in _SURNAME_PARTICLES:
                continue  # "van der Berg" -> one surrogate surname
            surname = i > 0 or (len(tokens) == 1 and token in self.surnames)
            out.append(self._surname(token) if surname else self._given(token))
        return " ".join(out) if out else self._given(original)

    def _given(self, token: str) -> str:
        return _unlike(token, self._fake("PERSON:given", token).first_name)

    def _surname(self, token: str) -> str:
        return _unlike(token, self._fake("PERSON:surname", token).last_name)

    def email(self, original: str) -> str:
        """An address that spells a name spells the name's surrogate ("jane.doe@..." -> "eric.turner@...")."""
        fake = self._fake("EMAIL", original, "en_US")
        spelled = name_from_address(original)
        local = self.person(spelled) if spelled else ""
        if not local.isascii() or not any(ch.isalpha() for ch in local):
            local = f"{fake.first_name()} {fake.last_name()}"  # ASCII local parts in every locale
        local = ".".join(re.sub(r"[^a-z0-9]", "", part) for part in local.lower().split())
        return f"{local}@{fake.random_element(_RESERVED_DOMAINS)}"

    def phone(self, original: str) -> str:
        fake = self._fake("PHONE", original)
        if self.locale == "en_GB" or original.lstrip().startswith(("+44", "07", "020")):
            return f"07700 900{fake.numerify('###')}"
        area = fake.random_element(("201", "212", "303", "415", "503", "617", "718"))
        if original.lstrip().startswith("+"):
            return f"+1 {area} 555 01{fake.numerify('##')}"
        return f"({area}) 555-01{fake.numerify('##')}"

    def card(self, original: str) -> str:
        return f"**** **** **** {self._fake('CARD', original).numerify('####')}"

    def iban(self, original: str) -> str:
        country = original[:2].upper() if original[:2].isalpha() else "DE"
        return f"{country}** **** **** {self._fake('IBAN', original).numerify('####')}"

    def ip(self, original: str) -> str:
        fake = self._fake("IP", original)
        if ":" in original:
            return f"2001:db8::{fake.numerify('%##')}"
        network = fake.random_element(("192.0.2", "198.51.100", "203.0.113"))
        return f"{network}.{fake.random_int(1, 254)}"

    def address(self, original: str) -> str:
        return ", ".join(line.strip() for line in self._fake("ADDRESS", original).address().splitlines() if line.strip())


def _unlike(original: str, draw: Callable[[], str]) -> str:
    """The first draw that is not the original itself (Faker's name lists hold the customers' names too)."""
    value = draw()
    for _ in range(8):
        if value.casefold() != original.casefold():
            break
        value = draw()
    return value


def _surname_tokens(name: str) -> list[str]:
    if name.count(",") == 1:  # "Doe, Jane"
        return name.partition(",")[0].split()
    return name.split()[1:]


# What surrogates are made of: values that cannot be anybody's personal data.
_RESERVED_ADDRESS = re.compile(
    r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)*(?:example\.(?:com|net|org)|[A-Za-z0-9-]+\.(?:example|test|invalid))(?![A-Za-z0-9.-]*[A-Za-z0-9])"
)
_FICTION_PHONE = re.compile(
    r"(?:\+1[ .-]?)?\(?\d{3}\)?[ .-]?555[ .-]?01\d\d(?!\d)"  # NANP 555-0100..0199
    r"|(?:\+44[ .-]?|0)7700[ .-]?900[ .-]?\d{3}(?!\d)"  # Ofcom drama mobiles
    r"|(?:\+44[ .-]?|0)20[ .-]?7946[ .-]?0\d{3}(?!\d)"  # Ofcom drama London
)

_DOCUMENTATION_IP = re.compile(r"(?<![\d.])(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}(?!\.?\d)|\b2001:db8:[0-9A-Fa-f:]*")


def not_personal(text: str) -> str:
    """``text`` with reserved e-mail addresses, numbers reserved for fiction and documentation IP addresses
    blanked out: what is left is what a PII pattern may still rightly flag."""
    for pattern in (_RESERVED_ADDRESS, _FICTION_PHONE, _DOCUMENTATION_IP):
        text = pattern.sub(" ", text)
    return text
