"""Deterministic generator of the sample corpus of the fictional company "Nordlicht Gadgets".

``generate_corpus(root, docs=None, seed=7)`` writes (relative to ``root``)::

    raw/manuals/a45_superwidget_manual.pdf        fpdf2, title page + one section per page, reset on page 12
    raw/manuals/b12_miniwidget_manual_v1.md       Markdown (# / ## / ###, pipe table, numbered lists)
    raw/manuals/b12_miniwidget_manual_v1.1.md     the same with a handful of words changed
    raw/manuals/c7_hubstation_manual.md           Markdown
    raw/manuals/d90_powerdock_manual.html         HTML, <meta charset="windows-1252">, encoded in cp1252
    raw/manuals/e3_smarttag_manual.html           HTML, UTF-8
    raw/tickets/tickets_kaggle.csv                the 17 columns of the Kaggle "Customer Support Ticket Dataset"
    raw/tickets/tickets_zendesk.json              {"tickets": [...]}: a JSON array streamed by hand, ONE TICKET
                                                  PER LINE (valid JSON as a whole, and readable line by line)
    raw/emails/support.mbox                       mboxrd ("From " lines escaped as ">From ")
    raw/emails/eml/msg_NNNNNN.eml                 one RFC 5322 message per file
    eval/heldout_questions.jsonl                  the held-back paraphrase of every topic
    ground_truth.json                             see below

Sizes: ``docs=None`` gives the default small corpus (about 110 e-mail messages, 150 CSV tickets,
60 JSON tickets, 71 manual sections). ``docs=N`` scales e-mails and tickets so that e-mail messages +
tickets + manual sections is roughly ``N`` (never below a minimum that keeps every planted special
case). Everything is written incrementally (CSV rows, JSON lines, mbox messages, .eml files, ground
truth spooled to temporary JSON-lines files), so memory stays bounded for large ``N``. An mbox or ticket
export past 48 MiB (``PART_BYTES``; about 120k units) goes on in a next part (``support-002.mbox``,
``tickets_kaggle-002.csv`` with its header row, ``tickets_zendesk-002.json`` a JSON document of its own), as
real exports come cut by month or size: ingest quarantines a file over ``ingest.max_file_mb`` (64 MiB) whole.

Determinism: only ``random.Random`` instances derived from ``seed``; dates count from a fixed base
date; MIME boundaries and Message-IDs are derived from the seeded generator; the PDF has a fixed
creation date. The same seed gives byte-identical files.

Ground truth (``ground_truth.json``, always ONE file; its big arrays have one record per line)::

    {
      "generator": {"name", "seed", "docs", "base_date"},
      "company":   {"name", "legal_name", "domains", "support_address", "support_phone",
                    "postal_address", "app", "agents": [{"id", "name", "email"}], "products"},
      "products":  [{"code", "name", "short", "slug", "manual_format", "manual_files", "specs",
                     "topics": [{"key", "title", "question", "paraphrases", "training_questions",
                                 "heldout_question", "answer", "steps", "key_facts", "manual_page",
                                 "manual_units": [UNIT]}]}],
      "manuals":   [{"path", "product", "format", "encoding", "sections":
                     [{"unit": UNIT, "heading", "heading_path", "topic"}]}],
      "counts":    {...},                             # same dict generate_corpus returns
      "duplicates": [{"kind": "exact"|"near", "a": UNIT, "b": UNIT, "edit_rate": float}],
      "pii":        [{"unit": UNIT, "type": "EMAIL"|"PHONE"|"CARD"|"IBAN"|"ADDRESS"|"PERSON",
                      "value": str, "fields": [str]}],
      "email_threads": [{"thread_id", "subject", "product", "topic", "messages":
                         [{"unit": UNIT, "role", "link": "root"|"headers"|"subject"}]}],
      "email_flags":   [{"flag", "unit": UNIT, "detail"}],
      "internal_notes": [{"unit": UNIT, "comment_id", "value", "marker"}]
    }

``UNIT = {"source_kind": "email"|"ticket"|"manual", "path": <relative to root/raw>, "locator": ...}``
with locator = the Message-ID header (with angle brackets) for e-mails, the ticket id as a string for
tickets (``Ticket ID`` for the CSV, ``id`` for the JSON) and ``"section:<heading text>"`` for Markdown
and HTML manual sections (every heading with a body is a section; headings are unique per manual) or
``"page:<n>"`` for PDF pages.

PII records are exact: ``value`` occurs verbatim in the unit's decoded text, in the ``fields`` listed
(tickets: CSV column names or JSON paths such as ``comments[2].body``; e-mails: ``header:From``,
``header:To``, ``header:Subject``, ``body``). A customer's first name on its own (in a greeting) is a
``PERSON`` too. Not PII: the company's addresses, phone numbers, agent names and product names.
``edit_rate`` of a duplicate pair is the word-level Levenshtein distance divided by the longer word
count, computed on the compared text (ticket description, the customer's own e-mail text, or the
manual section text). Internal notes (``"public": false`` Zendesk comments) must never reach
training data; ``marker`` is a token (``RX-nnnnn``) that occurs only in them.

Notes for readers of the ground truth: ``duplicates`` lists the PLANTED pairs only (tickets re-filed
verbatim or with a few words changed, a customer re-sending an e-mail, the sections of the two B-12
manual versions); customer texts are otherwise unique, but trivially short replies ("Thanks!") and
the agents' canonical answers repeat by design. ``email_threads`` has one extra single-message entry
per bounce (``<thread_id>-bounce``, role ``bounce``); ``counts["email_threads"]`` does not count
those. A message's ``link`` says how it joins its thread: ``headers`` (In-Reply-To/References) or
``subject`` (no threading headers, same subject after "Re:"/"RE:"; also the re-sent message).
``email_flags`` marks the special messages: ``xss`` (exactly one), ``html_only``,
``multipart_alternative``, ``non_utf8_charset`` (detail: charset), ``non_english`` (detail: de|fr),
``attachment`` (detail: csv|pdf), ``auto_reply``, ``bounce`` (detail: the bounced Message-ID),
``subject_threading``, ``outlook_quote``, ``short``, ``resend``, ``mbox_from_escape``.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import json
import random
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import policy as email_policy
from email import utils as email_utils
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from pathlib import Path

from curation.sample import catalog
from curation.sample.catalog import AGENTS, PRODUCTS, SUPPORT_ADDRESS, SUPPORT_PHONE, Agent, Product, Topic

BASE_TIME = datetime(2024, 3, 4, 8, 0, tzinfo=timezone.utc)
DEFAULT_SIZES = {"email_messages": 112, "tickets_csv": 150, "tickets_json": 60}
MIN_SIZES = {"email_messages": 60, "tickets_csv": 20, "tickets_json": 10}
SHARES = {"email_messages": 0.34, "tickets_csv": 0.47}

KAGGLE_COLUMNS = (
    "Ticket ID", "Customer Name", "Customer Email", "Customer Age", "Customer Gender", "Product Purchased",
    "Date of Purchase", "Ticket Type", "Ticket Subject", "Ticket Description", "Ticket Status", "Resolution",
    "Ticket Priority", "Ticket Channel", "First Response Time", "Time to Resolution",
    "Customer Satisfaction Rating",
)

# Bodies are encoded by set_content() with the default policy (78 columns); headers are serialized with
# a longer line limit because Python's folder breaks "Subject: Out of Office: Re: ..." right after the
# colon, which parses back with a leading space. References with many ids still fold.
class _CachedHeaderRegistry(HeaderRegistry):
    """The default registry builds a new header class on every lookup; cache them (same classes, faster)."""

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one module-level instance
    def __getitem__(self, name: str):
        return super().__getitem__(name)


_MSG_POLICY = email_policy.default.clone(header_factory=_CachedHeaderRegistry())
_WIRE_POLICY = _MSG_POLICY.clone(max_line_length=200)

MBOX_PATH = "emails/support.mbox"
# An export file past this size goes on in a next part (support-002.mbox, tickets_kaggle-002.csv, ...), as real exports
# come cut by month or size: ingest quarantines a file over ingest.max_file_mb (64 MiB) whole. Corpora up to about
# 100k units (the zendesk export: 40 MB) stay in one file each.
PART_BYTES = 48 * 2**20
EML_DIR = "emails/eml"
CSV_PATH = "tickets/tickets_kaggle.csv"
JSON_PATH = "tickets/tickets_zendesk.json"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAYS_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")


def unit(kind: str, path: str, locator: str) -> dict:
    return {"source_kind": kind, "path": path, "locator": locator}


# ==================================================================================================
# PII factories
# ==================================================================================================
_FEMALE = ("Jane", "Priya", "Olivia", "Hannah", "Amelia", "Chloé", "Emma", "Fatima", "Ingrid", "Keiko",
           "Leonie", "Marta", "Nadia", "Rosa", "Yuki", "Zoë", "Aisha", "Clara", "Elena", "Małgorzata",
           "Sinéad", "Beatriz", "Annika", "Mei")
_MALE = ("Daniel", "Ethan", "Lukas", "Mateo", "Noah", "Oliver", "Rahul", "Samuel", "Tobias", "Viktor",
         "Wei", "Yusuf", "Felix", "Henrik", "Kenji", "Liam", "Marco", "Omar", "Pavel", "Stefan", "Jürgen",
         "José", "Søren", "François", "Björn", "Tomasz")
_LAST = ("Doe", "Patel", "Johnson", "Nguyen", "Kowalski", "García", "Müller", "Schneider", "Okafor", "Rossi",
         "Tanaka", "Haddad", "Novák", "Lindqvist", "O'Neill", "Lefèvre", "Moreau", "Jansen", "de Vries", "Kim",
         "Silva", "Ivanova", "Hernández", "Brown", "Wilson", "Thompson", "Yılmaz", "Chen", "Schmidt", "Wagner",
         "Dąbrowski", "Andersen", "Ferreira", "Kaczmarek", "Larsen", "Papadopoulos", "Sato", "Walsh")
_MAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "post.example", "inbox.example")
_WORK_DOMAINS = ("acme-logistics.example", "blue-harbor.example", "studio-nord.example", "greenfield-labs.example")
_FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i", "æ": "ae", "'": "", " ": ""})
_TEST_CARDS = ("4111111111111111", "5555555555554444", "4012888888881881", "378282246310005",
               "6011111111111117", "5105105105105100")
_UK_STREETS = ("Baker Street", "Abbey Road", "Station Road", "Victoria Road", "Church Lane", "Mill Lane")
_UK_POSTCODES = ("NW1 6XE", "NW8 9AY", "SE1 7PB", "E1 6AN", "N1 9GU", "SW1A 1AA")
_US_STREETS = ("Maple Avenue", "Oak Street", "Elm Drive", "Pine Road", "Cedar Lane", "Lakeview Boulevard")
_US_CITIES = ("Springfield, IL 62704", "Portland, OR 97205", "Austin, TX 78701", "Madison, WI 53703")
_DE_STREETS = ("Hauptstraße", "Lindenallee", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Am Markt")
_DE_CITIES = ("10115 Berlin", "50667 Köln", "80331 München", "20095 Hamburg", "04109 Leipzig")
_FR_STREETS = ("rue de la Paix", "avenue Victor Hugo", "boulevard Voltaire", "rue des Lilas")
_FR_CITIES = ("75002 Paris", "69001 Lyon", "33000 Bordeaux", "13001 Marseille")
_NL_STREETS = ("Keizersgracht", "Prinsengracht", "Herengracht")
_NL_CITIES = ("1015 CJ Amsterdam", "1016 DK Amsterdam")


def luhn_check_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def iban_check_digits(country: str, bban: str) -> str:
    numeric = "".join(str(int(ch, 36)) for ch in (bban + country + "00"))
    return f"{98 - int(numeric) % 97:02d}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _make_phone(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return f"+49 30 {rng.randint(2000000, 9999999)}"
    if kind == 1:
        return f"030 {rng.randint(20000000, 99999999)}"
    if kind == 2:
        return f"+49 170 {rng.randint(1000000, 9999999)}"
    if kind == 3:
        return f"({rng.choice(('415', '212', '312', '617'))}) 555-01{rng.randrange(100):02d}"
    if kind == 4:
        return f"+1 {rng.choice(('415', '206', '503', '646'))} 555 01{rng.randrange(100):02d}"
    if kind == 5:
        return f"+44 20 7946 0{rng.randrange(1000):03d}"
    if kind == 6:
        return f"020 7946 0{rng.randrange(1000):03d}"
    if kind == 7:
        return "+33 6 " + " ".join(_digits(rng, 2) for _ in range(4))
    if kind == 8:
        return f"+31 20 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return f"{rng.choice(('206', '503', '718'))}-555-01{rng.randrange(100):02d}"


def _make_card(rng: random.Random) -> str:
    if rng.random() < 0.3:
        number = rng.choice(_TEST_CARDS)
    else:
        prefix = rng.choice(("4", "4", "51", "52", "53", "54", "55", "34", "37"))
        length = 15 if prefix in ("34", "37") else 16
        body = prefix + _digits(rng, length - len(prefix) - 1)
        number = body + str(luhn_check_digit(body))
    if len(number) == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}" if rng.random() < 0.7 else number
    sep = rng.choice((" ", " ", "-", ""))
    return sep.join(number[i:i + 4] for i in range(0, 16, 4))


def _make_iban(rng: random.Random) -> str:
    country = rng.choice(("DE", "GB", "FR", "NL"))
    if country == "DE":
        bban = _digits(rng, 8) + _digits(rng, 10)
    elif country == "GB":
        bban = rng.choice(("NWBK", "BARC", "HBUK", "LOYD")) + _digits(rng, 6) + _digits(rng, 8)
    elif country == "FR":
        bank, branch, account = _digits(rng, 5), _digits(rng, 5), _digits(rng, 11)
        key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
        bban = f"{bank}{branch}{account}{key:02d}"
    else:
        bban = rng.choice(("ABNA", "INGB", "RABO", "TRIO")) + _digits(rng, 10)
    iban = country + iban_check_digits(country, bban) + bban
    if rng.random() < 0.5:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


def _make_address(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        if rng.random() < 0.3:
            return "221 Baker Street, London NW1 6XE"
        return f"{rng.randint(1, 250)} {rng.choice(_UK_STREETS)}, London {rng.choice(_UK_POSTCODES)}"
    if kind == 1:
        return f"{rng.randint(100, 9999)} {rng.choice(_US_STREETS)}, {rng.choice(_US_CITIES)}"
    if kind == 2:
        return f"{rng.choice(_DE_STREETS)} {rng.randint(1, 120)}, {rng.choice(_DE_CITIES)}"
    if kind == 3:
        return f"{rng.randint(1, 90)} {rng.choice(_FR_STREETS)}, {rng.choice(_FR_CITIES)}"
    return f"{rng.choice(_NL_STREETS)} {rng.randint(1, 400)}, {rng.choice(_NL_CITIES)}"


def _ascii_fold(text: str) -> str:
    text = text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").translate(_FOLD)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Customer:
    first: str
    last: str
    email: str
    gender: str
    age: int
    tz: timezone
    phone: str | None = None
    address: str | None = None
    card: str | None = None
    iban: str | None = None
    alt_email: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def pii_candidates(self) -> list[tuple[str, str]]:
        out = [("PERSON", self.name), ("PERSON_FIRST", self.first), ("EMAIL", self.email)]
        for typ, value in (("PHONE", self.phone), ("ADDRESS", self.address), ("CARD", self.card),
                           ("IBAN", self.iban), ("EMAIL", self.alt_email)):
            if value:
                out.append((typ, value))
        return out

    def optional_pii(self) -> list[tuple[str, str]]:
        return [(t, v) for t, v in (("PHONE", self.phone), ("ADDRESS", self.address), ("CARD", self.card),
                                    ("IBAN", self.iban), ("EMAIL", self.alt_email)) if v]


def make_customer(rng: random.Random, *, latin1_only: bool = False, first: str | None = None,
                  last: str | None = None) -> Customer:
    while True:
        female = rng.random() < 0.5
        f = first or rng.choice(_FEMALE if female else _MALE)
        l_ = last or rng.choice(_LAST)
        if not latin1_only or (_latin1(f) and _latin1(l_)):
            break
    if first:
        female = first in _FEMALE
    gender = "Other" if rng.random() < 0.06 else ("Female" if female else "Male")
    lf, ll = _ascii_fold(f).lower(), _ascii_fold(l_).lower()
    style = rng.randrange(4)
    local = (f"{lf}.{ll}", f"{lf[0]}{ll}", f"{lf}_{ll}{rng.randint(1, 99)}", f"{lf}{rng.randint(70, 99)}")[style]
    email = f"{local}@{rng.choice(_MAIL_DOMAINS)}"
    tz = timezone(timedelta(hours=rng.choice((1, 1, 1, 0, 2, -5, -8))))
    cust = Customer(f, l_, email, gender, rng.randint(18, 76), tz)
    if rng.random() < 0.35:
        cust.phone = _make_phone(rng)
    if rng.random() < 0.25:
        cust.address = _make_address(rng)
    if rng.random() < 0.12:
        cust.card = _make_card(rng)
    if rng.random() < 0.12:
        cust.iban = _make_iban(rng)
    if rng.random() < 0.1:
        cust.alt_email = f"{lf}@{rng.choice(_WORK_DOMAINS)}"
    return cust


def find_pii(fields: list[tuple[str, str]], candidates: list[tuple[str, str]]) -> list[dict]:
    """Which candidate values occur verbatim in which fields (first names only outside the full name)."""
    full_names = [v for t, v in candidates if t == "PERSON"]
    out: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for typ, value in candidates:
        where: list[str] = []
        for name, text in fields:
            if not text or value not in text:
                continue
            if typ == "PERSON_FIRST":
                for full in full_names:
                    text = text.replace(full, " ")
                if re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text) and name not in where:
                    where.append(name)
            elif value in text and name not in where:
                where.append(name)
        kind = "PERSON" if typ == "PERSON_FIRST" else typ
        if where and (kind, value) not in seen:
            seen.add((kind, value))
            out.append({"type": kind, "value": value, "fields": where})
    return out


# ==================================================================================================
# Text pieces
# ==================================================================================================
_GREETINGS = ("Hi,", "Hello,", "Hello support team,", "Dear Nordlicht Gadgets team,", "Hi there,", "Good morning,",
              "Dear Sir or Madam,", "Hey,", "Hello Nordlicht support,", "Good afternoon,")
_OPENERS = (
    "I bought the {name} {when}.", "I have {a_name} that I use every day.", "My {name} was a gift from my {rel}.",
    "I'm writing about my {name}.", "We use {count} {short}s in our office.", "I own {a_name} (serial {serial}).",
    "My order {order} included {a_name}.", "I have had my {name} since {month}.", "I got {a_name} {when}.",
    "About my {name} from order {order}:", "This is about the {name} I ordered {when}.",
    "I set up a new {name} {when}.",
)
_WHEN = ("two weeks ago", "last month", "a few days ago", "on {weekday}", "in {month}", "at the airport shop",
         "during the winter sale", "from your online shop", "last week")
_RELATIVES = ("sister", "brother", "partner", "colleague", "daughter", "son", "father", "mother", "neighbour")
_DETAILS = (
    "It worked fine until {weekday}.", "I already tried switching it off and on again.",
    "The quick start guide in the box did not help me.", "This is quite urgent for me.",
    "I could not find anything about this on your website.", "Nothing has changed since the last update.",
    "I have been trying this for {n} minutes now.", "My {rel} has the same problem with theirs.",
    "I'm not very technical, sorry.", "It happened right after I {event}.", "", "", "",
    "I use it mostly {place}.", "The light on it does something I do not understand.",
)
_EVENTS = ("moved house", "changed my Wi-Fi router", "got a new phone", "came back from holiday",
           "dropped it on the floor", "installed the latest app version")
_PLACES = ("at home", "at work", "on my bike", "while travelling", "in the garden")
_CLOSINGS = ("Thanks in advance!", "Thank you for your help.", "Any help is appreciated.", "Looking forward to your reply.",
             "Please help!", "Cheers", "", "Many thanks.", "Best wishes")
_CLOSINGS_BEFORE_SIGN = ("Thanks in advance!", "Thank you for your help.", "Any help is appreciated.",
                         "Looking forward to your reply.", "Please help!", "", "")
_PII_SENTENCES = {
    "PHONE": ("You can call me at {v}.", "My phone number is {v} if that is easier.", "Please call me back on {v}.",
              "Reach me on {v} during the day."),
    "EMAIL": ("Please reply to my work address {v} instead.", "You can also write to {v}.",
              "My other e-mail address is {v}."),
    "CARD": ("I paid with my card {v} and I was charged twice.", "The card I used for the order is {v}.",
             "Please refund the card {v}."),
    "IBAN": ("Please transfer any refund to my account {v}.", "My IBAN is {v}.", "Bank details for the refund: {v}"),
    "ADDRESS": ("Please send any replacement to {v}.", "My address is {v}.", "Ship it to {v}, please."),
}
_AGENT_INTROS = ("Thanks for contacting Nordlicht Gadgets Support.", "Thank you for your message.",
                 "Sorry to hear about the trouble with your {name}.", "Thanks for reaching out about your {name}.",
                 "Happy to help with that.", "Thank you for getting in touch.")
_AGENT_CLOSINGS = ("Let me know if this helps.", "If the problem persists, just reply to this e-mail.",
                   "Feel free to get back to us if you have further questions.", "I hope this solves the issue.",
                   "Have a great day!")
_DISCLAIMER = ("This e-mail and any attachments are confidential and intended solely for the addressee. If you "
               "have received this e-mail in error, please notify the sender immediately and delete it. "
               "Nordlicht Gadgets GmbH, registered office Berlin, HRB 000000 B.")
_INTERNAL_NOTES = (
    "internal: customer is on the watch list, escalate to tier 2, refund code {code}",
    "internal: possible chargeback abuse - do not offer a refund without approval. Approval ref {code}",
    "internal: VIP reseller account, goodwill credit approved, voucher code {code}",
    "internal: {name} opened {n} tickets this month, watch list candidate, refund code {code}",
    "internal: legal hold on this account, do not quote our warranty terms. Case {code}",
)
_SWAPS = {
    "bought": "purchased", "purchased": "bought", "problem": "issue", "issue": "problem", "tried": "attempted",
    "quite": "really", "urgent": "important", "Thanks": "Thank you", "Hi": "Hello", "Hello": "Hi",
    "already": "also", "help": "assistance", "fine": "perfectly", "since": "from", "office": "company",
    "website": "homepage", "understand": "get", "every": "each", "few": "couple of", "appreciated": "welcome",
    "reply": "answer", "sorry": "apologies", "new": "brand-new", "again": "once more", "how": "how exactly",
}
_FILLERS = ("really", "still", "honestly", "actually", "just")


def _fill(rng: random.Random, template: str, product: Product) -> str:
    month = rng.choice(_MONTHS_LONG)
    return template.format(
        name=product.name, a_name=("an " if product.name[0] in "AEIOU" else "a ") + product.name,
        short=product.short, when=rng.choice(_WHEN).format(weekday=rng.choice(_DAYS_LONG), month=month),
        rel=rng.choice(_RELATIVES), count=rng.randint(2, 14), serial=f"{product.code.replace('-', '')}-{rng.getrandbits(32):08X}",
        order=f"NG-{rng.randint(100000, 999999)}", month=month, weekday=rng.choice(_DAYS_LONG), n=rng.choice((10, 15, 20, 30, 45)),
        event=rng.choice(_EVENTS), place=rng.choice(_PLACES),
    )


def _voice(rng: random.Random, question: str) -> str:
    r = rng.random()
    if r < 0.55:
        return question
    if r < 0.7:
        return question[0].lower() + question[1:]
    if r < 0.8:
        return "Quick question: " + question
    if r < 0.9:
        return question.rstrip("?") + "??"
    return question + " " + rng.choice(("Please help.", "Thanks.", "No idea what to do."))


def customer_text(rng: random.Random, cust: Customer, product: Product, question: str, *,
                  pii: list[tuple[str, str]], greeting: bool = True, sign: str | None = None,
                  multiline: bool | None = None) -> str:
    """A customer's own words: greeting, context, the question, optional PII sentences, closing."""
    opener = _fill(rng, rng.choice(_OPENERS), product)
    detail = _fill(rng, rng.choice(_DETAILS), product)
    core = " ".join(x for x in (opener, _voice(rng, question), detail) if x)
    pii_sentences = [rng.choice(_PII_SENTENCES[t]).format(v=v) for t, v in pii]
    closing = rng.choice(_CLOSINGS if not sign else _CLOSINGS_BEFORE_SIGN)
    if multiline is None:
        multiline = rng.random() < 0.4
    parts = []
    if greeting and rng.random() < 0.75:
        parts.append(rng.choice(_GREETINGS))
    parts.append(core)
    if pii_sentences:
        parts.append(" ".join(pii_sentences))
    if closing:
        parts.append(closing)
    if sign:
        parts.append(sign)
    if multiline:
        return "\n\n".join(parts)
    text = " ".join(parts[:-1] if sign else parts)
    return text + ("\n\n" + sign if sign else "")


def choose_pii(rng: random.Random, cust: Customer, topic: Topic, rate: float = 0.6) -> list[tuple[str, str]]:
    options = cust.optional_pii()
    if not options or rng.random() > rate:
        return []
    if topic.ticket_type == "Refund request":
        preferred = [o for o in options if o[0] in ("CARD", "IBAN", "ADDRESS")]
        options = preferred or options
    k = 1 if rng.random() < 0.75 else min(2, len(options))
    return rng.sample(options, k)


def agent_answer(rng: random.Random, product: Product, topic: Topic, *, first: str | None) -> str:
    """The agent's answer paragraph(s): the canonical answer, and the manual page where it has one."""
    parts = []
    intro = rng.choice(_AGENT_INTROS).format(name=product.name)
    if first and rng.random() < 0.6:
        parts.append(f"Hi {first},")
        intro = intro[0].lower() + intro[1:]
    parts.append(intro)
    parts.append(topic.answer)
    if topic.manual_page and rng.random() < 0.6:
        parts.append(f"You can also find this on page {topic.manual_page} of the {product.code} manual.")
    parts.append(rng.choice(_AGENT_CLOSINGS))
    return " ".join(parts)


def near_edit(rng: random.Random, text: str, edits: int, protected: list[str]) -> str:
    """``text`` with ``edits`` word substitutions/insertions, never inside a ``protected`` substring."""
    spans = []
    for value in protected:
        start = text.find(value)
        while start >= 0:
            spans.append((start, start + len(value)))
            start = text.find(value, start + 1)
    tokens = [(m.start(), m.group()) for m in re.finditer(r"\S+", text)]
    free = [i for i, (pos, tok) in enumerate(tokens)
            if not any(a <= pos < b or a < pos + len(tok) <= b for a, b in spans)]
    swappable = [i for i in free if re.sub(r"\W+$", "", tokens[i][1]) in _SWAPS]
    rng.shuffle(swappable)
    changed: dict[int, str] = {}
    for i in swappable[:edits]:
        tok = tokens[i][1]
        core = re.sub(r"\W+$", "", tok)
        changed[i] = _SWAPS[core] + tok[len(core):]
    insertable = [i for i in free if i not in changed and tokens[i][1].isalpha() and tokens[i][1].islower()]
    rng.shuffle(insertable)
    for i in insertable[: max(0, edits - len(changed))]:
        changed[i] = rng.choice(_FILLERS) + " " + tokens[i][1]
    out, last = [], 0
    for i, (pos, tok) in enumerate(tokens):
        if i in changed:
            out.append(text[last:pos])
            out.append(changed[i])
            last = pos + len(tok)
    out.append(text[last:])
    return "".join(out)


def word_edit_rate(a: str, b: str) -> float:
    x, y = a.split(), b.split()
    prev = list(range(len(y) + 1))
    for i, xi in enumerate(x, 1):
        cur = [i] + [0] * len(y)
        for j, yj in enumerate(y, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (xi != yj))
        prev = cur
    return round(prev[-1] / max(len(x), len(y), 1), 4)


def _pick_topic(rng: random.Random) -> tuple[Product, Topic]:
    product = rng.choices(PRODUCTS, weights=(3, 2, 2, 2, 2))[0]
    return product, rng.choice(product.topics)


# ==================================================================================================
# Ground-truth spool
# ==================================================================================================
class GroundTruth:
    KINDS = ("duplicates", "pii", "email_threads", "email_flags", "internal_notes")

    def __init__(self, root: Path):
        self.root = root
        self._files = {k: open(root / f".ground_truth_{k}.part", "w", encoding="utf-8", newline="\n") for k in self.KINDS}
        self.counts: Counter = Counter()

    def add(self, kind: str, record: dict) -> None:
        self._files[kind].write(json.dumps(record, ensure_ascii=False) + "\n")
        self.counts[kind] += 1
        if kind == "pii":
            self.counts[f"pii_{record['type']}"] += 1
        if kind == "duplicates":
            self.counts[f"duplicates_{record['kind']}"] += 1

    def add_pii(self, the_unit: dict, fields: list[tuple[str, str]], candidates: list[tuple[str, str]]) -> None:
        for hit in find_pii(fields, candidates):
            self.add("pii", {"unit": the_unit, **hit})

    def finish(self, header: dict) -> None:
        for f in self._files.values():
            f.close()
        with open(self.root / "ground_truth.json", "w", encoding="utf-8", newline="\n") as out:
            out.write("{\n")
            for key, value in header.items():
                out.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False, indent=1)},\n")
            for n, kind in enumerate(self.KINDS):
                out.write(f"{json.dumps(kind)}: [")
                part = self.root / f".ground_truth_{kind}.part"
                with open(part, encoding="utf-8") as f:
                    for i, line in enumerate(f):
                        out.write(("\n" if i == 0 else ",\n") + line.rstrip("\n"))
                part.unlink()
                out.write("\n]" + (",\n" if n < len(self.KINDS) - 1 else "\n"))
            out.write("}\n")

    def abort(self) -> None:
        for kind, f in self._files.items():
            f.close()
            (self.root / f".ground_truth_{kind}.part").unlink(missing_ok=True)


# ==================================================================================================
# Manuals
# ==================================================================================================
_B12_V11_EDITS = (
    ("Version 1.0 - March 2023", "Version 1.1 - September 2023"),
    ("Read this chapter before you use", "Please read this chapter before you use"),
    ("and an adhesive pad.", "and two adhesive pads."),
    ("Clean the MiniWidget with a damp cloth.", "Clean the MiniWidget with a soft, damp cloth."),
    ("Monday to Friday.", "Monday to Saturday."),
)


@dataclass
class _Section:
    heading: str
    path: list[str]
    topic: str | None
    body: str  # plain text of the section (for duplicate edit rates)


def _manual_sections(product: Product, version_line: str) -> list[tuple[int, _Section, list]]:
    """(level, section, blocks) in document order; blocks are ("p", text) | ("ol", items) | ("table", rows)."""
    out = []
    title = product.manual_title
    out.append((1, _Section(title, [title], None, ""), [("p", product.intro), ("p", version_line)]))
    for entry in product.outline:
        if entry[0] == "topic":
            topic = product.topic(entry[1])
            blocks = [("p", topic.answer), ("ol", list(topic.steps))]
            out.append((2, _Section(topic.title, [title, topic.title], topic.key, ""), blocks))
        elif entry[0] == "specs":
            out.append((2, _Section(entry[1], [title, entry[1]], None, ""), [("table", list(product.specs))]))
        else:
            _, heading, paragraphs, subsections = entry
            out.append((2, _Section(heading, [title, heading], None, ""), [("p", p) for p in paragraphs]))
            for sub_heading, sub_paragraphs in subsections:
                out.append((3, _Section(sub_heading, [title, heading, sub_heading], None, ""),
                            [("p", p) for p in sub_paragraphs]))
    for _, section, blocks in out:
        section.body = _blocks_text(blocks)
    return out


def _blocks_text(blocks: list) -> str:
    parts = []
    for kind, content in blocks:
        if kind == "p":
            parts.append(content)
        elif kind == "ol":
            parts.extend(f"{i}. {item}" for i, item in enumerate(content, 1))
        else:
            parts.extend(f"{k}: {v}" for k, v in content)
    return "\n".join(parts)


def _markdown(sections: list) -> str:
    lines: list[str] = []
    for level, section, blocks in sections:
        lines.append("#" * level + " " + section.heading)
        lines.append("")
        for kind, content in blocks:
            if kind == "p":
                lines.append(content)
            elif kind == "ol":
                lines.extend(f"{i}. {item}" for i, item in enumerate(content, 1))
            else:
                lines.append("| Property | Value |")
                lines.append("| --- | --- |")
                lines.extend(f"| {k} | {v} |" for k, v in content)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _html_manual(product: Product, sections: list, charset: str) -> str:
    esc = functools.partial(html.escape, quote=False)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        f'<meta charset="{charset}">',
        f"<title>{esc(product.manual_title)} \u2013 Nordlicht Gadgets</title>",
        '<link rel="stylesheet" href="/assets/manual.css">',
        "</head>",
        "<body>",
        '<header class="site-header"><a class="logo" href="/">Nordlicht Gadgets</a></header>',
        '<nav class="main-nav">',
        "<ul>",
        '<li><a href="/">Home</a></li>',
        '<li><a href="/products/">Products</a></li>',
        '<li><a href="/support/">Support</a></li>',
        '<li><a href="/manuals/">Manuals</a></li>',
        '<li><a href="/contact/">Contact</a></li>',
        "</ul>",
        "</nav>",
        "<main>",
        '<article class="manual">',
    ]
    for level, section, blocks in sections:
        out.append(f"<h{level}>{esc(section.heading)}</h{level}>")
        for kind, content in blocks:
            if kind == "p":
                out.append(f"<p>{esc(content)}</p>")
            elif kind == "ol":
                out.append("<ol>")
                out.extend(f"<li>{esc(item)}</li>" for item in content)
                out.append("</ol>")
            else:
                out.append('<table class="specs">')
                out.append("<thead><tr><th>Property</th><th>Value</th></tr></thead>")
                out.append("<tbody>")
                out.extend(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in content)
                out.append("</tbody>")
                out.append("</table>")
    out += [
        "</article>",
        "</main>",
        '<footer class="site-footer"><p>\u00a9 2024 Nordlicht Gadgets GmbH \u00b7 <a href="/imprint/">Imprint</a> '
        '\u00b7 <a href="/privacy/">Privacy</a> \u00b7 <a href="/cookies/">Cookie settings</a></p></footer>',
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def _pdf_manual(product: Product) -> tuple[bytes, list[tuple[int, str, str | None, str]]]:
    """The A-45 PDF; returns (bytes, [(page, heading, topic key, text)])."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    title = product.manual_title

    class ManualPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", "I", 8)
            self.cell(0, 10, f"{catalog.COMPANY_NAME} - {title} - Page {self.page_no()} of {{nb}}", align="C")

    pdf = ManualPDF(format="A4")
    pdf.creation_date = datetime(2024, 1, 8, 9, 0, tzinfo=timezone.utc)
    pdf.set_title(title)
    pdf.set_author(catalog.COMPANY_LEGAL_NAME)
    pdf.set_subject(f"User manual of the {product.name}")
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_margins(20, 20, 20)
    pages: list[tuple[int, str, str | None, str]] = []

    def line(text: str, size: float = 11, style: str = "", h: float = 6) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.add_page()
    line(title, 24, "B", 12)
    pdf.ln(4)
    line(f"Model {product.code} | Firmware 4.1 or later", 12)
    line("Edition 01/2024", 12)
    pdf.ln(60)
    line(product.intro, 11)
    pdf.ln(20)
    line(f"{catalog.COMPANY_LEGAL_NAME} - {catalog.COMPANY_POSTAL_ADDRESS} - {catalog.SUPPORT_ADDRESS}", 9)
    pages.append((1, title, None, "\n".join([title, product.intro])))

    for entry in product.outline:
        pdf.add_page()
        texts: list[str] = []
        if entry[0] == "topic":
            topic = product.topic(entry[1])
            heading, key = topic.title, topic.key
            line(heading, 16, "B", 9)
            pdf.ln(3)
            line(topic.answer)
            pdf.ln(3)
            line("Step by step:", 11, "B")
            for i, step in enumerate(topic.steps, 1):
                line(f"{i}. {step}")
            texts = [topic.answer] + [f"{i}. {s}" for i, s in enumerate(topic.steps, 1)]
        elif entry[0] == "specs":
            heading, key = entry[1], None
            line(heading, 16, "B", 9)
            pdf.ln(3)
            pdf.set_font("Helvetica", "", 11)
            with pdf.table(col_widths=(60, 110), text_align="LEFT") as table:
                header = table.row()
                header.cell("Property")
                header.cell("Value")
                for k, v in product.specs:
                    row = table.row()
                    row.cell(k)
                    row.cell(v)
            texts = [f"{k}: {v}" for k, v in product.specs]
        else:
            _, heading, paragraphs, subsections = entry
            key = None
            line(heading, 16, "B", 9)
            pdf.ln(3)
            for p in paragraphs:
                line(p)
                pdf.ln(2)
            texts = list(paragraphs)
        if key and product.topic(key).manual_page not in (None, pdf.page_no()):
            raise RuntimeError(f"{product.code} {key}: catalog says page {product.topic(key).manual_page}, "
                               f"the PDF has it on page {pdf.page_no()}")
        pages.append((pdf.page_no(), heading, key, "\n".join(texts)))
    if [page for page, *_ in pages] != list(range(1, len(pages) + 1)):
        raise RuntimeError("a manual section overflowed its PDF page")
    return bytes(pdf.output()), pages


def write_manuals(raw: Path, gt_sections: list, topic_units: dict) -> tuple[int, list[tuple[dict, dict, float]]]:
    """Write the five manuals (six files); return (section count, [(unit a, unit b, edit rate)] duplicates)."""
    out_dir = raw / "manuals"
    out_dir.mkdir(parents=True, exist_ok=True)
    n_sections = 0
    dups: list[tuple[dict, dict, float]] = []
    for product in PRODUCTS:
        if product.manual_format == "pdf":
            data, pages = _pdf_manual(product)
            rel = f"manuals/{product.manual_files[0]}"
            (raw / rel).write_bytes(data)
            records = []
            for page, heading, key, _text in pages:
                u = unit("manual", rel, f"page:{page}")
                records.append({"unit": u, "heading": heading, "heading_path": [heading], "topic": key})
                if key:
                    topic_units.setdefault((product.code, key), []).append(u)
            gt_sections.append({"path": rel, "product": product.name, "format": "pdf", "encoding": None,
                                "sections": records})
            n_sections += len(records)
            continue
        old_version, new_version = _B12_V11_EDITS[0]
        versions = [(old_version, product.manual_files[0])]
        if len(product.manual_files) > 1:
            versions.append((new_version, product.manual_files[1]))
        previous: list | None = None
        for version_line, filename in versions:
            sections = _manual_sections(product, version_line)
            if previous is not None:
                for _, section, blocks in sections:
                    for old, new in _B12_V11_EDITS[1:]:
                        blocks[:] = [(k, c.replace(old, new) if k == "p" else c) for k, c in blocks]
                    section.body = _blocks_text(blocks)
            rel = f"manuals/{filename}"
            if product.manual_format == "markdown":
                (raw / rel).write_text(_markdown(sections), encoding="utf-8", newline="\n")
                encoding = "utf-8"
            else:
                charset = "windows-1252" if product.manual_encoding == "cp1252" else "utf-8"
                text = _html_manual(product, sections, charset)
                (raw / rel).write_bytes(text.encode("cp1252" if charset == "windows-1252" else "utf-8"))
                encoding = charset
            records = []
            headings = [s.heading for _, s, _ in sections]
            if len(set(headings)) != len(headings):
                raise RuntimeError(f"duplicate heading in {rel}")
            for _, section, _ in sections:
                u = unit("manual", rel, f"section:{section.heading}")
                records.append({"unit": u, "heading": section.heading, "heading_path": section.path,
                                "topic": section.topic})
                if section.topic:
                    topic_units.setdefault((product.code, section.topic), []).append(u)
            gt_sections.append({"path": rel, "product": product.name, "format": product.manual_format,
                                "encoding": encoding, "sections": records})
            n_sections += len(records)
            if previous is not None:
                for (_, old_s, _), (_, new_s, _), rec_old, rec_new in zip(previous[0], sections, previous[1], records):
                    dups.append((rec_old["unit"], rec_new["unit"], word_edit_rate(old_s.body, new_s.body)))
            previous = (sections, records)
    return n_sections, dups


# ==================================================================================================
# Tickets
# ==================================================================================================
@dataclass
class _TicketSeed:
    """What a duplicate ticket needs from its original."""
    source_id: str
    due: int
    kind: str
    cust: Customer
    product: Product
    topic: Topic
    description: str
    extra: dict = field(default_factory=dict)


def _fmt_ts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Uniq:
    """Hashes of generated customer texts, so that no unplanted exact duplicate appears."""

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def add(self, text: str) -> bool:
        key = hashlib.blake2b(" ".join(text.split()).lower().encode(), digest_size=12).digest()
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


def _new_description(rng: random.Random, uniq: _Uniq, cust: Customer, product: Product, topic: Topic) -> str:
    for attempt in range(50):
        pii = choose_pii(rng, cust, topic)
        sign = None
        if rng.random() < 0.15:
            sign = rng.choice((f"- {cust.first}", cust.name, f"Regards, {cust.name}"))
        text = customer_text(rng, cust, product, rng.choice(topic.training_questions), pii=pii, sign=sign)
        if attempt > 10:
            text += f" Ref {rng.getrandbits(40):010x}."
        if uniq.add(text):
            return text
    raise RuntimeError("could not generate a unique ticket description")


def _schedule_dup(rng: random.Random, index: int, forced: dict[int, str], rate: float) -> str | None:
    if index in forced:
        return forced[index]
    r = rng.random()
    if r < rate:
        return "exact"
    if r < 2 * rate:
        return "near"
    return None


def _dup_description(rng: random.Random, seed: _TicketSeed, uniq: _Uniq) -> str:
    if seed.kind == "exact":
        return seed.description
    protected = [v for _, v in seed.cust.pii_candidates()]
    for _ in range(20):
        text = near_edit(rng, seed.description, rng.randint(2, 4), protected)
        if text != seed.description and uniq.add(text):
            return text
    return seed.description + " " + rng.choice(_CLOSINGS[:4])


def part_path(path: str, number: int) -> str:
    """The export file's part `number` (from 1): the first keeps the name, the next are name-002.ext, name-003.ext ..."""
    if number == 1:
        return path
    stem, _, suffix = path.rpartition(".")
    return f"{stem}-{number:03d}.{suffix}"


def write_kaggle_csv(raw: Path, n: int, rng: random.Random, gt: GroundTruth, uniq: _Uniq) -> int:
    (raw / CSV_PATH).parent.mkdir(parents=True, exist_ok=True)
    part, current = 1, CSV_PATH
    forced = {3: "exact", 6: "near", 10: "exact", 14: "near", 19: "near"}
    pending: list[_TicketSeed] = []
    gap = max(20, int(365 * 24 * 60 / max(n, 1)))
    f = open(raw / current, "w", encoding="utf-8", newline="")
    try:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(KAGGLE_COLUMNS)
        for tid in range(1, n + 1):
            if f.tell() >= PART_BYTES:  # the next part, with its own header row
                f.close()
                part += 1
                current = part_path(CSV_PATH, part)
                f = open(raw / current, "w", encoding="utf-8", newline="")
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(KAGGLE_COLUMNS)
            created = BASE_TIME + timedelta(minutes=tid * gap + rng.randrange(gap))
            due = [p for p in pending if p.due <= tid]
            if not due and pending and n - tid + 1 <= len(pending):
                due = pending[:1]
            if due:
                seed = due[0]
                pending.remove(seed)
                cust, product, topic = seed.cust, seed.product, seed.topic
                description = _dup_description(rng, seed, uniq)
                purchase = seed.extra["purchase"]
                subject, ttype = seed.extra["subject"], seed.extra["type"]
                gt.add("duplicates", {"kind": seed.kind, "a": unit("ticket", seed.extra["path"], seed.source_id),
                                      "b": unit("ticket", current, str(tid)),
                                      "edit_rate": word_edit_rate(seed.description, description)})
            else:
                cust = make_customer(rng)
                product, topic = _pick_topic(rng)
                description = _new_description(rng, uniq, cust, product, topic)
                purchase = (BASE_TIME.date() - timedelta(days=rng.randint(20, 900))).isoformat()
                subject = rng.choice(topic.kaggle_subjects)
                ttype = topic.ticket_type if rng.random() < 0.8 else rng.choice(
                    ("Product inquiry", "Technical issue", "Billing inquiry", "Cancellation request"))
                kind = _schedule_dup(rng, tid, forced, 0.02)
                if kind and tid < n:
                    pending.append(_TicketSeed(str(tid), tid + rng.randint(1, 12), kind, cust, product, topic,
                                               description, {"purchase": purchase, "subject": subject, "type": ttype, "path": current}))
            r = rng.random()
            status = "Open" if r < 0.05 else ("Pending Customer Response" if r < 0.1 else "Closed")
            first_response = created + timedelta(minutes=rng.randint(5, 1200))
            resolved = first_response + timedelta(minutes=rng.randint(30, 2880))
            resolution = agent_answer(rng, product, topic, first=cust.first) if status == "Closed" else ""
            rating = f"{rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 2, 4, 5))[0]}.0" if status == "Closed" else ""
            row = [
                str(tid), cust.name, cust.email, str(cust.age), cust.gender, product.name, purchase, ttype, subject,
                description, status, resolution, rng.choice(("Low", "Medium", "High", "Critical")),
                rng.choice(("Email", "Phone", "Social media", "Chat")),
                "" if status == "Open" else _fmt_ts(first_response), _fmt_ts(resolved) if status == "Closed" else "",
                rating,
            ]
            writer.writerow(row)
            gt.add_pii(unit("ticket", current, str(tid)), list(zip(KAGGLE_COLUMNS, row)), cust.pii_candidates())
    finally:
        f.close()
    return n


def _comment(cid: int, author: dict, role: str, public: bool, body: str, at: datetime) -> dict:
    return {"id": cid, "author_id": author["id"], "author": {"name": author["name"], "email": author["email"], "role": role},
            "public": public, "body": body, "created_at": _iso(at)}


def _flatten(obj, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_flatten(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(_flatten(v, f"{prefix}[{i}]"))
    elif isinstance(obj, str):
        out.append((prefix, obj))
    return out


def write_zendesk_json(raw: Path, n: int, rng: random.Random, gt: GroundTruth, uniq: _Uniq) -> dict:
    (raw / JSON_PATH).parent.mkdir(parents=True, exist_ok=True)
    part, current, first_in_part = 1, JSON_PATH, True
    forced = {2: "exact", 4: "near"}
    pending: list[_TicketSeed] = []
    gap = max(30, int(365 * 24 * 60 / max(n, 1)))
    comment_id = 7_000_000_000
    stats = Counter()
    f = open(raw / current, "w", encoding="utf-8", newline="\n")
    try:
        f.write('{"tickets": [\n')
        for i in range(1, n + 1):
            if f.tell() >= PART_BYTES:  # the next part: a JSON document of its own
                f.write("\n]}\n")
                f.close()
                part += 1
                current, first_in_part = part_path(JSON_PATH, part), True
                f = open(raw / current, "w", encoding="utf-8", newline="\n")
                f.write('{"tickets": [\n')
            tid = 10000 + i
            created = BASE_TIME + timedelta(minutes=i * gap + rng.randrange(gap))
            due = [p for p in pending if p.due <= i]
            if not due and pending and n - i + 1 <= len(pending):
                due = pending[:1]
            if due:
                seed = due[0]
                pending.remove(seed)
                cust, product, topic = seed.cust, seed.product, seed.topic
                description = _dup_description(rng, seed, uniq)
                subject = seed.extra["subject"]
                requester = seed.extra["requester"]
                gt.add("duplicates", {"kind": seed.kind, "a": unit("ticket", seed.extra["path"], seed.source_id),
                                      "b": unit("ticket", current, str(tid)),
                                      "edit_rate": word_edit_rate(seed.description, description)})
            else:
                cust = make_customer(rng)
                product, topic = _pick_topic(rng)
                description = _new_description(rng, uniq, cust, product, topic)
                subject = rng.choice((f"{product.code} {topic.phrase}", f"Question about {topic.phrase} on my {product.name}",
                                      f"{product.name}: {topic.phrase}", f"Help with {topic.phrase}"))
                requester = {"id": 360_000_000_000 + i, "name": cust.name, "email": cust.email}
                kind = _schedule_dup(rng, i, forced, 0.02)
                if kind and i < n:
                    pending.append(_TicketSeed(str(tid), i + rng.randint(1, 8), kind, cust, product, topic, description,
                                               {"subject": subject, "requester": requester, "path": current}))
            agent = rng.choice(AGENTS)
            assignee = {"id": agent.id, "name": agent.name, "email": agent.email}
            t = created
            comments = []

            def add(author: dict, role: str, public: bool, body: str, minutes: tuple[int, int]) -> None:
                nonlocal comment_id, t
                comment_id += 1
                t = t + timedelta(minutes=rng.randint(*minutes))
                comments.append(_comment(comment_id, author, role, public, body, t))

            add(requester, "end-user", True, description, (0, 0))
            notes: list[tuple[int, str, str]] = []
            if rng.random() < 0.25 or i == 1:
                marker = f"RX-{rng.randint(10000, 99999)}"
                note = rng.choice(_INTERNAL_NOTES).format(code=marker, name=cust.name, n=rng.randint(3, 9))
                add(assignee, "agent", False, note, (5, 240))
                notes.append((comment_id, note, marker))
            r = rng.random()
            if r < 0.06:
                status = rng.choice(("new", "open"))
            elif r < 0.1:
                status = "pending"
                add(assignee, "agent", True, f"Hi {cust.first}, could you send us the serial number of your {product.name} "
                    "and tell us which colour the light shows?", (10, 600))
            else:
                status = rng.choice(("solved", "solved", "closed"))
                add(assignee, "agent", True, agent_answer(rng, product, topic, first=cust.first), (10, 900))
                follow = rng.random()
                if follow < 0.25:
                    other = rng.choice([tp for tp in product.topics if tp is not topic])
                    q = rng.choice(other.training_questions)
                    add(requester, "end-user", True, f"Thanks, that worked. One more thing: {q}", (30, 1440))
                    add(assignee, "agent", True, agent_answer(rng, product, other, first=None), (10, 600))
                elif follow < 0.4:
                    add(requester, "end-user", True, "I tried that but it still does not work.", (30, 1440))
                    add(assignee, "agent", True, f"Sorry to hear that. {topic.tip} As a reminder: {topic.answer}", (10, 600))
                if rng.random() < 0.5:
                    add(assignee, "agent", True, "Glad we could help! I am closing this ticket now; just reply if you "
                        "need anything else.", (60, 2880))
            channel = rng.choice(("email", "web", "web", "chat"))
            ticket = {
                "id": tid, "subject": subject, "description": description, "status": status,
                "priority": rng.choice(("low", "normal", "normal", "high", "urgent")),
                "created_at": _iso(created), "updated_at": _iso(t),
                "tags": sorted({product.slug, topic.key, f"channel_{channel}", "lang_en"}),
                "product": product.name, "via": {"channel": channel},
                "requester": requester, "assignee": assignee, "comments": comments,
            }
            f.write(("" if first_in_part else ",\n") + json.dumps(ticket, ensure_ascii=False))
            first_in_part = False
            the_unit = unit("ticket", current, str(tid))
            gt.add_pii(the_unit, _flatten({k: ticket[k] for k in ("subject", "description", "requester", "comments")}),
                       cust.pii_candidates())
            for cid, note, marker in notes:
                gt.add("internal_notes", {"unit": the_unit, "comment_id": cid, "value": note, "marker": marker})
            stats["comments"] += len(comments)
        f.write("\n]}\n")
    finally:
        f.close()
    stats["tickets"] = n
    return dict(stats)


# ==================================================================================================
# E-mails
# ==================================================================================================
@dataclass
class _Plan:
    container: str = "mbox"
    lang: str = "en"
    charset: str = "utf-8"
    xss: bool = False
    html_only: str | None = None  # "customer" | "agent"
    alternative: bool = False
    attachment: str | None = None  # "csv" | "pdf"
    subject_only: bool = False
    quote: str = "gmail"  # gmail | outlook | none
    auto_reply: bool = False
    bounce: bool = False
    resend: bool = False
    followup: str | None = None  # thanks | short | question | not_working
    from_line: bool = False
    customer: tuple[str, str] | None = None
    topic: tuple[str, str] | None = None


_SCHEDULE: tuple[_Plan, ...] = (
    _Plan(container="mbox", alternative=True, followup="short", topic=("A-45", "reset")),
    _Plan(container="eml", xss=True, quote="none"),
    _Plan(container="mbox", charset="iso-8859-1", customer=("Jürgen", "Müller"), followup="thanks"),
    _Plan(container="eml", lang="de", charset="iso-8859-1", customer=("Björn", "Schneider")),
    _Plan(container="mbox", lang="fr", charset="windows-1252", customer=("Chloé", "Lefèvre"), quote="outlook"),
    _Plan(container="eml", html_only="customer"),
    _Plan(container="mbox", html_only="agent", followup="question"),
    _Plan(container="eml", attachment="csv"),
    _Plan(container="mbox", attachment="pdf", alternative=True),
    _Plan(container="mbox", subject_only=True, followup="thanks"),
    _Plan(container="eml", subject_only=True, quote="outlook", followup="question"),
    _Plan(container="mbox", auto_reply=True),
    _Plan(container="eml", bounce=True),
    _Plan(container="mbox", quote="outlook", followup="question", alternative=True),
    _Plan(container="eml", resend=True),
    _Plan(container="eml", followup="short", quote="outlook"),
    _Plan(container="mbox", from_line=True, followup="not_working"),
    _Plan(container="eml", charset="windows-1252", customer=("François", "Moreau"), followup="thanks"),
    _Plan(container="mbox", resend=True, alternative=True),
    _Plan(container="mbox", auto_reply=True, quote="outlook", alternative=True),
)


def _random_plan(rng: random.Random) -> _Plan:
    p = _Plan()
    p.container = "mbox" if rng.random() < 0.6 else "eml"
    p.alternative = rng.random() < 0.3
    r = rng.random()
    p.quote = "outlook" if r < 0.25 else ("none" if r < 0.35 else "gmail")
    r = rng.random()
    p.followup = (None if r < 0.45 else "thanks" if r < 0.55 else "short" if r < 0.65 else
                  "question" if r < 0.9 else "not_working")
    p.subject_only = rng.random() < 0.04
    p.auto_reply = rng.random() < 0.03
    p.bounce = rng.random() < 0.02
    p.resend = rng.random() < 0.03
    if rng.random() < 0.03:
        p.attachment = rng.choice(("csv", "pdf"))
    r = rng.random()
    if r < 0.01:
        p.lang, p.charset = "de", "iso-8859-1"
    elif r < 0.02:
        p.lang, p.charset = "fr", "windows-1252"
    elif r < 0.06:
        p.charset = rng.choice(("iso-8859-1", "windows-1252"))
    if rng.random() < 0.02:
        p.html_only = rng.choice(("customer", "agent"))
    p.from_line = p.container == "mbox" and rng.random() < 0.02
    return p


_GERMAN = (
    "Hallo liebes Support-Team,\n\nich habe vor zwei Wochen einen {product} gekauft. Seit gestern reagiert das Gerät "
    "nicht mehr und ich würde es gerne auf die Werkseinstellungen zurücksetzen. Wie genau funktioniert das? Ich habe "
    "schon versucht, es aus- und wieder einzuschalten, aber das hat leider nichts geändert.\n\nVielen Dank im Voraus "
    "und freundliche Grüße\n{name}",
    "Guten Tag,\n\nmein {product} lässt sich nicht mehr bedienen. Können Sie mir bitte erklären, wie ich das Gerät "
    "zurücksetze? Die Anleitung aus der Verpackung habe ich leider nicht mehr.\n\nMit freundlichen Grüßen\n{name}",
)
_FRENCH = (
    "Bonjour,\n\nj’ai acheté un {product} le mois dernier. Depuis hier, l’appareil ne répond plus et je voudrais le "
    "réinitialiser. Pourriez-vous m’expliquer la procédure à suivre ? J’ai déjà essayé de l’éteindre et de le "
    "rallumer, sans succès.\n\nMerci d’avance et cordialement,\n{name}",
    "Bonjour à toute l’équipe,\n\nmon {product} ne fonctionne plus correctement. Comment est-ce que je peux le remettre "
    "à zéro ? Je n’ai pas trouvé la réponse sur votre site.\n\nBien à vous,\n{name}",
)
_XSS = "<script>alert('xss')</script>"
_OOO = ("I am out of the office until {until} with limited access to e-mail. I will read your message when I am back.",
        "Thank you for your e-mail. I am currently on holiday and will reply after {until}.")
_FOLLOW_THANKS = ("Thank you, that worked!", "Great, it works again. Thanks a lot for the quick help!",
                  "Perfect, problem solved. Thank you!", "That did the trick, thanks.")
_FOLLOW_NOT_WORKING = ("I tried that but it still does not work.", "Unfortunately that did not help, it still behaves the same.",
                       "I followed the steps twice, no luck so far.")
_CUSTOMER_SIGNS = ("Thanks,\n{first}", "Best,\n{name}", "{name}\n{address}", "Sent from my iPhone", "--\n{name}\n{phone}",
                   "Cheers,\n{first}", "Kind regards,\n{name}", "{first}")


def _quote_date(dt: datetime) -> str:
    return f"{_DAYS[dt.weekday()]}, {dt.day} {_MONTHS[dt.month - 1]} {dt.year} at {dt:%H:%M}"


def _outlook_date(dt: datetime) -> str:
    hour = dt.hour % 12 or 12
    return (f"{_DAYS_LONG[dt.weekday()]}, {_MONTHS_LONG[dt.month - 1]} {dt.day}, {dt.year} "
            f"{hour}:{dt:%M} {'AM' if dt.hour < 12 else 'PM'}")


def _asctime(dt: datetime) -> str:
    dt = dt.astimezone(timezone.utc)
    return f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:2d} {dt:%H:%M:%S} {dt.year}"


def _paragraphs_html(text: str) -> str:
    return "\n".join("<p>" + html.escape(p, quote=False).replace("\n", "<br>\n") + "</p>"
                     for p in text.split("\n\n") if p.strip())


@dataclass
class _Mail:
    msgid: str
    name: str | None
    addr: str
    to_name: str | None
    to_addr: str
    subject: str
    date: datetime
    own: str
    plain: str = ""
    html: str | None = None
    role: str = "customer"


@functools.lru_cache(maxsize=1)
def _receipt_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format=(148, 105))
    pdf.creation_date = datetime(2024, 1, 8, 9, 0, tzinfo=timezone.utc)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, "Nordlicht Gadgets - Receipt")
    pdf.ln(12)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 8, "1 x Nordlicht product, paid by card. Thank you for your purchase.")
    return bytes(pdf.output())


class EmailWriter:
    def __init__(self, raw: Path, rng: random.Random, gt: GroundTruth, uniq: _Uniq):
        self.raw = raw
        self.rng = rng
        self.gt = gt
        self.uniq = uniq
        (raw / EML_DIR).mkdir(parents=True, exist_ok=True)
        self.mbox_part, self.mbox_path = 1, MBOX_PATH
        self.mbox = open(raw / MBOX_PATH, "wb")
        self.n_messages = 0
        self.n_mbox = 0
        self.n_eml = 0
        self.n_threads = 0
        self.flags: Counter = Counter()

    def close(self) -> None:
        self.mbox.close()

    # -- rendering ---------------------------------------------------------------------------
    def _msgid(self, domain: str, dt: datetime) -> str:
        self.n_messages += 1
        return f"<{dt.astimezone(timezone.utc):%Y%m%d%H%M%S}.{self.rng.getrandbits(48):012x}.{self.n_messages}@{domain}>"

    def _emit(self, msg: EmailMessage, plan: _Plan, envelope: str, dt: datetime) -> dict:
        for i, part in enumerate(msg.walk()):
            if i and "MIME-Version" in part:
                del part["MIME-Version"]
            if part.get_content_maintype() == "multipart":
                part.set_boundary(f"=_NG_{self.n_messages:07d}_{i}_{self.rng.getrandbits(32):08x}")
        data = msg.as_bytes(policy=_WIRE_POLICY)
        if plan.container == "mbox":
            data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
            if self.mbox.tell() >= PART_BYTES:  # the next part of the mbox
                self.mbox.close()
                self.mbox_part += 1
                self.mbox_path = part_path(MBOX_PATH, self.mbox_part)
                self.mbox = open(self.raw / self.mbox_path, "wb")
            self.mbox.write(f"From {envelope} {_asctime(dt)}\n".encode() + data + (b"" if data.endswith(b"\n") else b"\n") + b"\n")
            self.n_mbox += 1
            return unit("email", self.mbox_path, msg["Message-ID"])
        self.n_eml += 1
        rel = f"{EML_DIR}/msg_{self.n_eml:06d}.eml"
        (self.raw / rel).write_bytes(data)
        return unit("email", rel, msg["Message-ID"])

    def _build(self, m: _Mail, plan: _Plan, *, reply_to: _Mail | None = None, references: list[str] = (),
               html_only: bool = False, charset: str = "utf-8", attachment: str | None = None,
               extra: tuple = ()) -> EmailMessage:
        msg = EmailMessage(policy=_MSG_POLICY)
        msg["From"] = Address(m.name or "", addr_spec=m.addr)
        msg["To"] = Address(m.to_name or "", addr_spec=m.to_addr)
        msg["Subject"] = m.subject
        msg["Date"] = email_utils.format_datetime(m.date)
        msg["Message-ID"] = m.msgid
        if reply_to is not None and not plan.subject_only:
            msg["In-Reply-To"] = reply_to.msgid
            msg["References"] = " ".join(references)
        for k, v in extra:
            msg[k] = v
        cte = "quoted-printable" if charset != "utf-8" else None
        if html_only:
            msg.set_content(m.html, subtype="html", charset=charset, cte=cte)
        else:
            msg.set_content(m.plain, charset=charset, cte=cte)
            if m.html is not None:
                msg.add_alternative(m.html, subtype="html", charset=charset, cte=cte)
        if attachment == "csv":
            data = (f"order,date,product,amount\nNG-{self.rng.randint(100000, 999999)},{m.date:%Y-%m-%d},"
                    f"Nordlicht product,{self.rng.randint(19, 199)}.90\n").encode()
            msg.add_attachment(data, maintype="text", subtype="csv", filename="order_history.csv", cte="base64")
        elif attachment == "pdf":
            msg.add_attachment(_receipt_pdf(), maintype="application", subtype="pdf", filename="receipt.pdf")
        return msg

    def _quote(self, prev: _Mail, style: str) -> tuple[str, str]:
        """(plain, html) quote blocks of ``prev``."""
        if style == "outlook":
            header = (f"-----Original Message-----\nFrom: {prev.name + ' ' if prev.name else ''}<{prev.addr}>\n"
                      f"Sent: {_outlook_date(prev.date)}\nTo: {prev.to_addr}\nSubject: {prev.subject}")
            plain = header + "\n\n" + prev.plain
            htm = ('<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
                   + _paragraphs_html(header) + "</div>\n" + _paragraphs_html(prev.plain))
            return plain, htm
        header = f"On {_quote_date(prev.date)}, {prev.name + ' ' if prev.name else ''}<{prev.addr}> wrote:"
        quoted = "\n".join("> " + line if line else ">" for line in prev.plain.split("\n"))
        htm = (f'<div class="gmail_quote"><div>{html.escape(header, quote=False)}</div>'
               f'<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">'
               f"{_paragraphs_html(prev.plain)}</blockquote></div>")
        return header + "\n" + quoted, htm

    def _finish_body(self, m: _Mail, quote_of: _Mail | None, style: str, want_html: bool) -> None:
        plain, htm = m.own, _paragraphs_html(m.own)
        if quote_of is not None and style != "none":
            qp, qh = self._quote(quote_of, style)
            plain = m.own + "\n\n" + qp
            htm = htm + "\n" + qh
        m.plain = plain
        m.html = f'<html><head><meta charset="utf-8"></head><body>\n{htm}\n</body></html>' if want_html else None

    def _agent_signature(self, agent: Agent) -> str:
        style = self.rng.randrange(3)
        if style == 0:
            sig = f"-- \n{agent.name}\nNordlicht Gadgets Support\n{SUPPORT_PHONE} | {SUPPORT_ADDRESS}"
        elif style == 1:
            sig = f"Best regards,\n{agent.name}\nNordlicht Gadgets Support\n{SUPPORT_PHONE}"
        else:
            sig = (f"Kind regards,\n{agent.name}\nNordlicht Gadgets Support\n"
                   f"{catalog.COMPANY_LEGAL_NAME} \u00b7 Musterstraße 1 \u00b7 10115 Berlin")
        return sig + "\n\n" + _DISCLAIMER

    def _agent_body(self, agent: Agent, cust: Customer, product: Product, topic: Topic, *, lang: str,
                    not_working: bool = False) -> str:
        rng = self.rng
        greet = rng.choice((f"Hi {cust.first},", f"Hello {cust.first},", f"Dear {cust.name},"))
        intro = rng.choice(_AGENT_INTROS).format(name=product.name)
        if lang != "en":
            intro = "Thank you for your message. I hope it is fine that I answer in English."
        if not_working:
            body = f"Sorry to hear that it still does not work. {topic.tip}\n\nAs a reminder: {topic.answer}"
        else:
            body = f"{intro} {topic.answer}"
        parts = [greet, body]
        if topic.manual_page and rng.random() < 0.6:
            parts.append(f"You can also find this on page {topic.manual_page} of the {product.code} manual.")
        parts.append(rng.choice(_AGENT_CLOSINGS))
        parts.append(self._agent_signature(agent))
        return "\n\n".join(parts)

    def _customer_sign(self, cust: Customer) -> str:
        options = [s for s in _CUSTOMER_SIGNS if ("{address}" not in s or cust.address) and ("{phone}" not in s or cust.phone)]
        return self.rng.choice(options).format(first=cust.first, name=cust.name, address=cust.address, phone=cust.phone)

    # -- threads -----------------------------------------------------------------------------
    def thread(self, index: int, plan: _Plan, start: datetime) -> int:
        rng = self.rng
        if plan.topic:
            product = catalog.product_by_code(plan.topic[0])
            topic = product.topic(plan.topic[1])
        elif plan.lang != "en":
            product = rng.choice(PRODUCTS)
            topic = next(t for t in product.topics if t.key == "reset")
        else:
            product, topic = _pick_topic(rng)
        latin = plan.charset != "utf-8"
        if plan.customer:
            cust = make_customer(rng, latin1_only=True, first=plan.customer[0], last=plan.customer[1])
        else:
            cust = make_customer(rng, latin1_only=latin)
        if plan.customer == ("Jürgen", "Müller"):
            cust.address = "Hauptstraße 5, 10115 Berlin"
            cust.phone = "+49 30 1234567"
        if plan.xss:
            cust.phone = cust.phone or _make_phone(rng)
        agent = rng.choice(AGENTS)
        cand = cust.pii_candidates()
        cdomain = cust.email.split("@", 1)[1]
        subject = rng.choice((f"{product.code} {topic.phrase}", f"Question about {topic.phrase} on my {product.name}",
                              f"Help: {product.name} {topic.phrase}", f"{product.name} - {topic.phrase}",
                              f"Problem with my {product.short}"))
        if plan.lang == "de":
            subject = f"Frage zu meinem {product.name}"
        elif plan.lang == "fr":
            subject = f"Question sur mon {product.name}"
        thread_rec = {"thread_id": f"thread-{index + 1:06d}", "subject": subject, "product": product.name,
                      "topic": topic.key, "messages": []}
        count = 0

        def record(m: _Mail, msg: EmailMessage, role: str, link: str, flags: list[tuple[str, str | None]],
                   html_only: bool = False) -> dict:
            nonlocal count
            u = self._emit(msg, plan, m.addr, m.date)
            count += 1
            thread_rec["messages"].append({"unit": u, "role": role, "link": link})
            bodies = [m.html] if html_only else [m.plain, m.html]
            fields = [("header:From", str(msg["From"])), ("header:To", str(msg["To"])),
                      ("header:Subject", str(msg["Subject"]))] + [("body", b) for b in bodies if b]
            self.gt.add_pii(u, fields, cand)
            for flag, detail in flags:
                self.gt.add("email_flags", {"flag": flag, "unit": u, "detail": detail})
                self.flags[flag] += 1
            return u

        # 1. the customer's first message
        t = start
        question = rng.choice(topic.training_questions)
        pii = choose_pii(rng, cust, topic, rate=0.7)
        if plan.lang == "de":
            own = rng.choice(_GERMAN).format(product=product.name, name=cust.name)
        elif plan.lang == "fr":
            own = rng.choice(_FRENCH).format(product=product.name, name=cust.name)
        else:
            for _ in range(30):
                own = customer_text(rng, cust, product, question, pii=pii, sign=self._customer_sign(cust),
                                    multiline=True)
                if plan.customer == ("Jürgen", "Müller"):
                    own = (f"Hello,\n\nmy name is {cust.name} and I live at {cust.address}. "
                           + own.split("\n\n", 1)[-1])
                if self.uniq.add(own):
                    break
            if plan.xss:
                own = own.replace("\n\n", f"\n\nI typed {_XSS} into the name field of the Nordlicht app and since then "
                                  "it shows a blank page.\n\n", 1)
            if plan.from_line:
                own = own.replace("\n\n", "\n\nFrom what I can tell, the light never changes colour.\n\n", 1)
            if plan.attachment == "csv":
                own = own.replace("\n\n", "\n\nI attached my order history as a CSV file.\n\n", 1)
            elif plan.attachment == "pdf":
                own = own.replace("\n\n", "\n\nPlease find my receipt attached.\n\n", 1)
        first = _Mail(self._msgid(cdomain, t), cust.name if rng.random() < 0.9 or latin else None, cust.email,
                      "Nordlicht Gadgets Support", SUPPORT_ADDRESS, subject, t.astimezone(cust.tz), own)
        self._finish_body(first, None, "none", plan.alternative or plan.html_only == "customer")
        flags: list[tuple[str, str | None]] = []
        if plan.xss:
            flags.append(("xss", None))
        if plan.html_only == "customer":
            flags.append(("html_only", None))
        elif first.html is not None:
            flags.append(("multipart_alternative", None))
        if plan.charset != "utf-8":
            flags.append(("non_utf8_charset", plan.charset))
        if plan.lang != "en":
            flags.append(("non_english", plan.lang))
        if plan.attachment:
            flags.append(("attachment", plan.attachment))
        if plan.from_line:
            flags.append(("mbox_from_escape", None))
        msg = self._build(first, plan, html_only=plan.html_only == "customer", charset=plan.charset,
                          attachment=plan.attachment)
        first_unit = record(first, msg, "customer", "root", flags, html_only=plan.html_only == "customer")
        chain = [first]

        # 1b. the customer re-sends nearly the same message
        if plan.resend:
            t = t + timedelta(minutes=rng.randint(40, 300))
            protected = [v for _, v in cand]
            own2 = near_edit(rng, first.own, rng.randint(2, 4), protected)
            if own2 == first.own:
                own2 = first.own.replace("\n\n", "\n\nI am sending this again because I got no answer.\n\n", 1)
            self.uniq.add(own2)
            resend = _Mail(self._msgid(cdomain, t), first.name, cust.email, first.to_name, SUPPORT_ADDRESS, subject,
                           t.astimezone(cust.tz), own2)
            self._finish_body(resend, None, "none", first.html is not None and plan.html_only is None)
            msg = self._build(resend, plan, charset=plan.charset)
            u = record(resend, msg, "resend", "subject", [("resend", None)])
            self.gt.add("duplicates", {"kind": "near", "a": first_unit, "b": u,
                                       "edit_rate": word_edit_rate(first.own, own2)})

        # 2. the agent's answer
        def agent_reply(prev: _Mail, own: str, html_only: bool, minutes: tuple[int, int]) -> tuple[_Mail, EmailMessage]:
            nonlocal t
            t = t + timedelta(minutes=rng.randint(*minutes))
            m = _Mail(self._msgid("mail.nordlicht.example", t), agent.name, agent.email, prev.name, prev.addr,
                      "Re: " + subject if plan.quote != "outlook" else "RE: " + subject,
                      t.astimezone(timezone(timedelta(hours=1))), own, role="agent")
            self._finish_body(m, prev, plan.quote, plan.alternative or html_only)
            refs = [c.msgid for c in chain]
            return m, self._build(m, plan, reply_to=prev, references=refs, html_only=html_only)

        def link() -> str:
            return "subject" if plan.subject_only else "headers"

        def agent_flags(m: _Mail, html_only: bool) -> list[tuple[str, str | None]]:
            out = []
            if html_only:
                out.append(("html_only", None))
            elif m.html is not None:
                out.append(("multipart_alternative", None))
            if plan.subject_only:
                out.append(("subject_threading", None))
            if plan.quote == "outlook":
                out.append(("outlook_quote", None))
            return out

        reply_own = self._agent_body(agent, cust, product, topic, lang=plan.lang)
        reply, msg = agent_reply(first, reply_own, plan.html_only == "agent", (20, 1500))
        record(reply, msg, "agent", link(), agent_flags(reply, plan.html_only == "agent"),
               html_only=plan.html_only == "agent")
        chain.append(reply)

        if plan.bounce:
            self._bounce(reply, cust, plan, thread_rec)
        if plan.auto_reply:
            t = t + timedelta(minutes=1)
            until = (t + timedelta(days=rng.randint(3, 14))).date()
            own = rng.choice(_OOO).format(until=f"{until.day} {_MONTHS_LONG[until.month - 1]}") + f"\n\n{cust.name}"
            ooo = _Mail(self._msgid(cdomain, t), cust.name, cust.email, agent.name, agent.email,
                        rng.choice(("Out of Office: ", "Automatic reply: ")) + reply.subject, t.astimezone(cust.tz), own,
                        role="auto_reply")
            self._finish_body(ooo, None, "none", False)
            msg = self._build(ooo, plan, reply_to=reply, references=[c.msgid for c in chain],
                              extra=(("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")))
            record(ooo, msg, "auto_reply", link(), [("auto_reply", None)])

        # 3. follow-ups
        if plan.followup:
            t = t + timedelta(minutes=rng.randint(30, 2880))
            other = None
            if plan.followup == "short":
                own = rng.choice(("Thanks!", "Thank you!", "Thanks!\n\nSent from my iPhone", "Thx"))
            elif plan.followup == "thanks":
                own = rng.choice(_FOLLOW_THANKS) + "\n\n" + self._customer_sign(cust)
            elif plan.followup == "not_working":
                own = rng.choice(_FOLLOW_NOT_WORKING) + "\n\n" + self._customer_sign(cust)
            else:
                other = rng.choice([tp for tp in product.topics if tp is not topic])
                own = (f"Thanks, that worked. One more thing: {_voice(rng, rng.choice(other.training_questions))}"
                       f"\n\n{self._customer_sign(cust)}")
            style = plan.quote if rng.random() < 0.7 and plan.followup != "short" else "none"
            fup = _Mail(self._msgid(cdomain, t), first.name, cust.email, agent.name, agent.email,
                        reply.subject, t.astimezone(cust.tz), own)
            self._finish_body(fup, reply, style, plan.alternative and plan.followup != "short")
            refs = [c.msgid for c in chain]
            msg = self._build(fup, plan, reply_to=reply, references=refs, charset=plan.charset)
            fl = [("short", None)] if plan.followup == "short" else []
            if plan.charset != "utf-8":
                fl.append(("non_utf8_charset", plan.charset))
            if plan.subject_only:
                fl.append(("subject_threading", None))
            record(fup, msg, "customer", link(), fl)
            chain.append(fup)
            if plan.followup in ("question", "not_working"):
                if other is not None:
                    own = self._agent_body(agent, cust, product, other, lang="en")
                else:
                    own = self._agent_body(agent, cust, product, topic, lang="en", not_working=True)
                rep2, msg = agent_reply(fup, own, False, (20, 1500))
                record(rep2, msg, "agent", link(), agent_flags(rep2, False))
                chain.append(rep2)
        self.gt.add("email_threads", thread_rec)
        self.n_threads += 1
        return count

    def _bounce(self, original: _Mail, cust: Customer, plan: _Plan, thread_rec: dict) -> None:
        rng = self.rng
        t = original.date + timedelta(minutes=rng.randint(1, 5))
        remote = "mx." + cust.email.split("@", 1)[1]
        msg = EmailMessage(policy=_MSG_POLICY)
        msg["From"] = Address("Mail Delivery System", addr_spec="MAILER-DAEMON@mx.nordlicht.example")
        msg["To"] = Address("", addr_spec=original.addr)
        msg["Subject"] = "Undelivered Mail Returned to Sender"
        msg["Date"] = email_utils.format_datetime(t)
        msg["Message-ID"] = self._msgid("mx.nordlicht.example", t)
        msg["Auto-Submitted"] = "auto-replied"
        msg["Content-Type"] = "multipart/report; report-type=delivery-status"
        text = (f"This is the mail system at host mx.nordlicht.example.\n\nI'm sorry to have to inform you that your "
                f"message could not be delivered to one or more recipients.\n\n<{cust.email}>: host {remote}[192.0.2."
                f"{rng.randint(2, 250)}] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command)\n")
        p1 = EmailMessage(policy=_MSG_POLICY)
        p1.set_content(text)
        del p1["MIME-Version"]
        p2 = EmailMessage(policy=_MSG_POLICY)
        p2["Content-Type"] = "message/delivery-status"
        b1 = EmailMessage(policy=_MSG_POLICY)
        b1["Reporting-MTA"] = "dns; mx.nordlicht.example"
        b1["Arrival-Date"] = email_utils.format_datetime(original.date)
        b2 = EmailMessage(policy=_MSG_POLICY)
        b2["Final-Recipient"] = f"rfc822; {cust.email}"
        b2["Action"] = "failed"
        b2["Status"] = "5.2.2"
        b2["Remote-MTA"] = f"dns; {remote}"
        b2["Diagnostic-Code"] = "smtp; 552 5.2.2 Mailbox full"
        p2.set_payload([b1, b2])
        p3 = EmailMessage(policy=_MSG_POLICY)
        headers = (f"From: {original.name} <{original.addr}>\nTo: {original.to_addr}\nSubject: {original.subject}\n"
                   f"Date: {email_utils.format_datetime(original.date)}\nMessage-ID: {original.msgid}\n")
        p3.set_content(headers, subtype="rfc822-headers")
        del p3["MIME-Version"]
        msg.set_payload([p1, p2, p3])
        msg["MIME-Version"] = "1.0"
        u = self._emit(msg, plan, "MAILER-DAEMON", t)
        self.gt.add_pii(u, [("header:To", str(msg["To"])), ("body", text), ("body", headers)], cust.pii_candidates())
        self.gt.add("email_flags", {"flag": "bounce", "unit": u, "detail": original.msgid})
        self.flags["bounce"] += 1
        self.gt.add("email_threads", {"thread_id": thread_rec["thread_id"] + "-bounce",
                                      "subject": "Undelivered Mail Returned to Sender", "product": None, "topic": None,
                                      "messages": [{"unit": u, "role": "bounce", "link": "root"}]})


def write_emails(raw: Path, target: int, rng: random.Random, gt: GroundTruth, uniq: _Uniq) -> dict:
    (raw / "emails").mkdir(parents=True, exist_ok=True)
    writer = EmailWriter(raw, rng, gt, uniq)
    est_threads = max(len(_SCHEDULE), int(target / 2.9))
    gap = max(30, int(365 * 24 * 60 / est_threads))
    index = 0
    try:
        while index < len(_SCHEDULE) or writer.n_messages < target:
            plan = _SCHEDULE[index] if index < len(_SCHEDULE) else _random_plan(rng)
            start = BASE_TIME + timedelta(minutes=index * gap + rng.randrange(gap // 2))
            writer.thread(index, plan, start)
            index += 1
    finally:
        writer.close()
    return {"email_threads": writer.n_threads, "email_messages": writer.n_messages, "mbox_messages": writer.n_mbox,
            "eml_files": writer.n_eml, "email_flags": dict(sorted(writer.flags.items()))}


# ==================================================================================================
# Entry point
# ==================================================================================================
def _sizes(docs: int | None, manual_sections: int) -> dict:
    if docs is None:
        return dict(DEFAULT_SIZES)
    rest = max(docs - manual_sections, 0)
    emails = max(MIN_SIZES["email_messages"], round(rest * SHARES["email_messages"]))
    tickets_csv = max(MIN_SIZES["tickets_csv"], round(rest * SHARES["tickets_csv"]))
    tickets_json = max(MIN_SIZES["tickets_json"], rest - emails - tickets_csv)
    return {"email_messages": emails, "tickets_csv": tickets_csv, "tickets_json": tickets_json}


def _products_gt(topic_units: dict) -> list[dict]:
    out = []
    for p in PRODUCTS:
        out.append({
            "code": p.code, "name": p.name, "short": p.short, "slug": p.slug, "manual_format": p.manual_format,
            "manual_files": [f"manuals/{f}" for f in p.manual_files], "specs": dict(p.specs),
            "topics": [{
                "key": t.key, "title": t.title, "question": t.question, "paraphrases": list(t.paraphrases),
                "training_questions": list(t.training_questions), "heldout_question": t.heldout_question,
                "answer": t.answer, "steps": list(t.steps), "key_facts": list(t.key_facts),
                "manual_page": t.manual_page, "manual_units": topic_units.get((p.code, t.key), []),
            } for t in p.topics],
        })
    return out


def write_heldout(root: Path) -> int:
    path = root / "eval" / "heldout_questions.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for p in PRODUCTS:
            for t in p.topics:
                f.write(json.dumps({"id": f"{p.slug}-{t.key}", "product": p.name, "topic": t.key,
                                    "question": t.heldout_question, "reference_answer": t.answer,
                                    "key_facts": list(t.key_facts), "manual_page": t.manual_page},
                                   ensure_ascii=False) + "\n")
                n += 1
    return n


def _clean(root: Path) -> None:
    for sub in ("raw/manuals", "raw/tickets", "raw/emails"):
        if (root / sub).exists():
            shutil.rmtree(root / sub)
    for f in ("eval/heldout_questions.jsonl", "ground_truth.json", *[f".ground_truth_{k}.part" for k in GroundTruth.KINDS]):
        (root / f).unlink(missing_ok=True)


def generate_corpus(root: Path, *, docs: int | None = None, seed: int = 7) -> dict:
    """Write the sample corpus under ``root`` (see the module docstring); return its counts."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    _clean(root)
    raw = root / "raw"
    raw.mkdir(exist_ok=True)
    master = random.Random(seed)
    rngs = {k: random.Random(master.getrandbits(64)) for k in ("csv", "json", "email")}
    gt = GroundTruth(root)
    try:
        manual_sections: list[dict] = []
        topic_units: dict = {}
        n_sections, manual_dups = write_manuals(raw, manual_sections, topic_units)
        for a, b, rate in manual_dups:
            gt.add("duplicates", {"kind": "exact" if rate == 0 else "near", "a": a, "b": b, "edit_rate": rate})
        sizes = _sizes(docs, n_sections)
        uniq = _Uniq()
        n_csv = write_kaggle_csv(raw, sizes["tickets_csv"], rngs["csv"], gt, uniq)
        json_stats = write_zendesk_json(raw, sizes["tickets_json"], rngs["json"], gt, uniq)
        email_stats = write_emails(raw, sizes["email_messages"], rngs["email"], gt, uniq)
        n_heldout = write_heldout(root)
    except BaseException:
        gt.abort()
        raise
    counts = {
        "manuals": sum(len(p.manual_files) for p in PRODUCTS),
        "manual_sections": n_sections,
        "tickets_csv": n_csv,
        "tickets_json": json_stats["tickets"],
        "ticket_comments_json": json_stats.get("comments", 0),
        "email_threads": email_stats["email_threads"],
        "email_messages": email_stats["email_messages"],
        "mbox_messages": email_stats["mbox_messages"],
        "eml_files": email_stats["eml_files"],
        "units_total": n_sections + n_csv + json_stats["tickets"] + email_stats["email_messages"],
        "heldout_questions": n_heldout,
        "email_flags": email_stats["email_flags"],
        "ground_truth": dict(sorted(gt.counts.items())),
    }
    header = {
        "generator": {"name": "curation.sample", "seed": seed, "docs": docs, "base_date": BASE_TIME.isoformat()},
        "company": catalog.company_facts(),
        "products": _products_gt(topic_units),
        "manuals": manual_sections,
        "counts": counts,
    }
    gt.finish(header)
    return counts
