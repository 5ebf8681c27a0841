"""PII redaction to typed placeholders: ``<EMAIL> <PHONE> <CARD> <IBAN> <IP> <ADDRESS> <PERSON>``.

One pure function, :func:`redact`, over one text. Every type has its own detector and every detector
validates what it finds, so a number that merely looks like PII stays:

- EMAIL: a regex; addresses listed in ``keep_addresses`` (the company's own; ``@domain`` for all of one
  domain) stay.
- PHONE: Google's libphonenumber (``phonenumbers.PhoneNumberMatcher``): ``+`` numbers in any region,
  national formats in ``phone_regions``; dates, prices, versions and numbers after "order" / "ticket" /
  "invoice" ... are rejected. Leniency VALID by default (``phone_leniency``); a number written with
  "+" and a country code needs only be POSSIBLE (new or overseas ranges the metadata does not list).
- CARD: 13-19 digits, no separators or a card's grouping (4-4-4-4, 4-6-5), a card network's IIN
  prefix and length, Luhn.
- IBAN: country code + check digits + BBAN, the country's length (ISO 13616 registry), mod-97.
- IP: IPv4 / IPv6 validated by :mod:`ipaddress`; only globally routable addresses are personal data
  (private, loopback, link-local, multicast and documentation ranges stay, so do servers in URLs);
  version strings stay ("1.2.3.4.5", "version 1.2.3.4", and four octets all below 32: "1.7.3.1").
- ADDRESS: street addresses, English ("221 Baker Street, London NW1 6XE") and continental
  ("Musterweg 12a, 10115 Berlin", "Rue de Rivoli 10, 75001 Paris").
- PERSON: names the pipeline knows (``known_names``: e-mail display names, ticket requester...; see
  :func:`names_from_meta`) and names the text introduces itself in a greeting line ("Hi Yuki,") or
  under a sign-off ("Cheers,\nMateo Larsen"): the full name (one placeholder) and its tokens on their
  own (>= 3 letters, capitalised, whole word, case-sensitive, not a common English word or keep term).

Overlaps resolve so each character is replaced at most once: validated structured types (EMAIL,
CARD, IBAN, IP) first, then the longest of PHONE / ADDRESS / PERSON. ``keep_terms`` (product names,
the company's own hotline or postal address) are never taken as PHONE, IP, ADDRESS or PERSON.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers
from pydantic import Field

from curation.base import StepConfig

PII_TYPES = ("EMAIL", "PHONE", "CARD", "IBAN", "IP", "ADDRESS", "PERSON")
PiiType = Literal["EMAIL", "PHONE", "CARD", "IBAN", "IP", "ADDRESS", "PERSON"]


class PiiConfig(StepConfig):
    types: list[PiiType] = Field(default=list(PII_TYPES), description="the PII types to redact")
    phone_regions: list[str] = Field(
        default=["US", "GB", "DE", "FR", "NL"],
        description="ISO 3166 regions national-format numbers are tried in ('+' numbers are found in any region)",
    )
    phone_leniency: Literal["valid", "possible"] = Field(
        default="valid",
        description="libphonenumber leniency: 'valid' numbers only, or every 'possible' one (more recall, less precision)",
    )
    keep_addresses: list[str] = Field(
        default=[], description="e-mail addresses never redacted (case-insensitive); '@example.com' keeps a whole domain"
    )
    keep_terms: list[str] = Field(
        default=[],
        description="product names, the company's hotline or postal address...: never taken as a phone, IP, address or name",
    )
    replacement: Literal["surrogate", "tag"] = Field(
        default="surrogate",
        description="'surrogate': a realistic fake value of the same type, the same within a thread (curation/clean/surrogates.py); "
        "'tag': a typed placeholder such as <PERSON>",
    )
    surrogate_salt: str = Field(
        default="", description="mixed into every surrogate's seed: a secret here stops anyone from confirming a guessed original"
    )


@dataclass(frozen=True)
class Redaction:
    text: str
    counts: dict[str, int]
    spans: tuple[tuple[str, int, int, str], ...]  # (type, start, end, original) in the INPUT text


# --------------------------------------------------------------------------------------------------
# EMAIL

# ASCII boundaries on both sides: \w would count a Japanese or Chinese character next to the
# address as part of a word ("お問い合わせはjo@example.orgまで") and miss it.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9_.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9_-])"
)


# --------------------------------------------------------------------------------------------------
# CARD

_CARD = re.compile(r"(?<![\d+])(?<!\d[ -])[2-6](?:[ -]?\d){12,18}(?![ -]?\d)")


_CARD_GROUPS = re.compile(r"\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}(?:[ -]\d{4}){3}[ -]\d{1,3}|\d{4}[ -]\d{6}[ -]\d{4,5}")


def card_network_ok(digits: str) -> bool:
    """The number starts with a card network's IIN and has one of that network's lengths."""
    n, two, four = len(digits), int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)  # Visa
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16  # Mastercard
    if two in (34, 37):
        return n == 15  # American Express
    if two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return n in (14, 16)  # Diners Club
    if 3528 <= four <= 3589:
        return 16 <= n <= 19  # JCB
    if four == 6011 or 644 <= int(digits[:3]) <= 649 or two in (62, 65):
        return 16 <= n <= 19  # Discover, UnionPay
    if two == 50 or 56 <= two <= 69:
        return 12 <= n <= 19  # Maestro
    return False


def _card_ok(raw: str) -> bool:
    digits = raw.replace(" ", "").replace("-", "")
    if len(digits) != len(raw) and not _CARD_GROUPS.fullmatch(raw):
        return False  # separators, but not a card's grouping (4-4-4-4, 4-6-5): a list of numbers
    return card_network_ok(digits) and luhn_ok(digits)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# --------------------------------------------------------------------------------------------------
# IBAN

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])")


def iban_ok(compact: str) -> bool:
    """ISO 13616 / ISO 7064 mod-97-10 check of an IBAN without spaces."""
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def _iban_spans(text: str) -> Iterable[tuple[int, int]]:
    for match in _IBAN.finditer(text):
        start, raw = match.start(), match.group()
        # offsets of the alphanumeric characters; an IBAN may end before the candidate does
        positions = [i for i, ch in enumerate(raw) if ch != " "]
        compact = raw.replace(" ", "")
        expected = IBAN_LENGTHS.get(compact[:2])
        lengths = [expected] if expected else range(min(len(compact), 34), 14, -1)
        for length in lengths:
            if length > len(compact):
                continue
            end_in_raw = positions[length - 1] + 1
            if end_in_raw < len(raw) and raw[end_in_raw] != " ":
                continue  # the cut must fall between groups, not inside a word
            if iban_ok(compact[:length]):
                yield start, start + end_in_raw
                break


# --------------------------------------------------------------------------------------------------
# IP

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.])({_OCTET}(?:\.{_OCTET}){{3}})(?!\.?\d|\.\w)(?![\w-])")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)?(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.]+)?(?![\w:])"
)
_VERSION_BEFORE = re.compile(
    r"(?:\bv|\bver|\bversion|\bfirmware|\bfw|\bbuild|\brelease|\brev|\brevision|\bupdate|\bsoftware|\bdriver|\boid)\.?\s*[:=]?\s*$"
    r"|(?:==|~=|>=|<=|@)\s*$"  # pip pins: "torch==2.1.0.1"
    r"|\b[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+[ \t]$",  # a package name before its version: "nvidia-cufft-cu12 11.0.2.54"
    re.IGNORECASE,
)
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")


def _personal_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Only globally routable addresses can point at a person; private, loopback, link-local, multicast,
    reserved and documentation ranges (RFC 5737 / RFC 3849) cannot."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip not in _GLOBAL_UNICAST_V6:
            return False  # "c1::1913" (an Anki cloze) parses, but only 2000::/3 is handed out
    return ip.is_global and not ip.is_multicast


_HEX = frozenset("0123456789abcdefABCDEF")
_HEX_OR_COLON = _HEX | {":"}


def _maybe_ipv6(text: str) -> bool:
    """A "::" or two colons at most five characters apart with hex digits after both (str.find, no regex scan)."""
    i = text.find(":")
    while i != -1:
        if text[i + 1 : i + 2] == ":":
            return True
        if text[i + 1 : i + 2] in _HEX:
            j = text.find(":", i + 1, i + 6)
            if j != -1 and text[j + 1 : j + 2] in _HEX_OR_COLON:
                return True
        i = text.find(":", i + 1)
    return False


def _ip_spans(text: str, has_dot: bool, has_colon: bool) -> Iterable[tuple[int, int]]:
    if has_dot:
        for match in _IPV4.finditer(text):
            if _VERSION_BEFORE.search(text, max(0, match.start() - 16), match.start()):
                continue
            if max(map(int, match.group(1).split("."))) < 32:
                continue  # "1.7.3.1", "5.2.2.5": a version; public resolvers like 1.1.1.1 are not personal either
            if text[max(0, match.start() - 2) : match.start()] == "//":
                continue  # a server in a URL
            if _personal_ip(ipaddress.IPv4Address(match.group(1))):
                yield match.span()
    if has_colon and _maybe_ipv6(text):
        for match in _IPV6.finditer(text):
            raw = match.group()
            address = raw.split("%", 1)[0]
            if address.count(":") < 2 or sum(ch not in ":." for ch in address) < 4:
                continue
            try:
                ip = ipaddress.IPv6Address(address)
            except ValueError:
                continue
            if _personal_ip(ip):
                yield match.span()


# --------------------------------------------------------------------------------------------------
# PHONE

# a run of >= 7 digits with phone punctuation between them: only texts with one go to libphonenumber
_PHONE_RUN = re.compile(r"[+(]?\d(?:[ \t\u00a0().\-/\u2010-\u2015]{0,3}\d){6,}(?:\s*(?:ext\.?|x|#)\s*\d{1,6})?")
_PHONE_CUE = re.compile(
    r"\b(?:tel|phone|mobile|mob|cell|fax|call|ring|whatsapp|sms|text|handy|telefon|hotline|reach|dial)\w*"
    r"(?:\s+(?:me|us|him|her|them))?(?:\s+(?:on|at|under))?(?:\s+(?:number|no\.?|nr\.?|#))?"
    r"\s*\.?\s*(?:\(\w+\)\s*)?[:#]?\s*$",
    re.IGNORECASE,
)
_ID_BEFORE = re.compile(
    r"(?:#|\b(?:order|invoice|ticket|case|ref|reference|account|acct|serial|s/n|sn|tracking|po|id|no|nr|n\.|product|item|vat|tax|iva|ust|"
    r"customer|contract|sku|model|part|version|ver|v|build|iban|bic|card|transaction|txn|receipt|booking|"
    r"confirmation|shipment|parcel|rma|claim|policy|member|membership|license|licence|key|code|pin|imei|mac)"
    r"\.?\s*(?:#|no\.?|nr\.?|number|id)?\s*[:#.]?\s*)$",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(r"(?:[$€£¥]|\b(?:usd|eur|gbp|chf|sek|nok|dkk|jpy|aud|cad))\s*$", re.IGNORECASE)
_UNIT_AFTER = re.compile(
    r"^\s*(?:[$€£¥%]|(?:usd|eur|gbp|chf|ms|s|sec|seconds|min|minutes|h|hours|days|mah|wh|kwh|kb|mb|gb|tb|bytes|"
    r"km|kg|mm|cm|m|g|hz|mhz|ghz|v|w|dpi|px|times|units|pcs)\b)",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_START = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})\b")
_DIGIT_GROUPS = re.compile(r"\d+")
_PLACEHOLDER_DIGITS = re.compile(r"123456789|987654321|(\d)\1{5}")
_AMOUNT_LIKE = re.compile(r"^\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?$|^\d+[.,]\d{1,2}$")
_DOTTED_VERSION = re.compile(r"^\d+(?:\.\d+){3,}$")
_DECIMAL = re.compile(r"^\d{1,4}\.\d{5,}$")  # "0.3937008": a float, not a number to call
_SSN_SHAPE = re.compile(r"^\d{3}-\d{2}-\d{4}$")  # "030-02-8711": no phone plan groups digits 3-2-4
_INTEGER_LIMITS = {"2147483647", "2147483648", "4294967295", "4294967296", "9223372036854775807", "18446744073709551615"}
_LENIENCY = {"valid": phonenumbers.Leniency.VALID, "possible": phonenumbers.Leniency.POSSIBLE}


def _phone_spans(
    text: str, regions: tuple[str, ...], leniency: str, skip: list[tuple[int, int]] = ()
) -> Iterable[tuple[int, int]]:
    """Phone numbers, found by libphonenumber in small windows around each run of >= 7 digits.

    Runs already taken by a card / IBAN or inside a keep term (``skip``) are not looked at."""
    windows: list[list[int]] = []
    for match in _PHONE_RUN.finditer(text):
        if any(a <= match.start() and match.end() <= b for a, b in skip):
            continue
        start, end = max(0, match.start() - 1), min(len(text), match.end() + 1)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    for w_start, w_end in windows:
        for start, end in _match_window(text[w_start:w_end], regions, leniency):
            if _plausible_phone(text, w_start + start, w_start + end):
                yield w_start + start, w_start + end


@lru_cache(maxsize=8192)
def _match_window(window: str, regions: tuple[str, ...], leniency: str) -> tuple[tuple[int, int], ...]:
    """libphonenumber's matches in one window (cached: signatures repeat the same numbers)."""
    possible = phonenumbers.Leniency.POSSIBLE
    found: set[tuple[int, int]] = set()
    if "+" in window:
        # "+" and a country code are evidence enough: international numbers need only be possible,
        # and they read the same in every region
        found.update((m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(window, "ZZ", possible, max_tries=100))
        covered = sum(ch.isdigit() for s, e in found for ch in window[s:e])
        if covered == sum(ch.isdigit() for ch in window):
            return tuple(sorted(found))
    level = _LENIENCY[leniency]
    for region in regions:
        found.update((m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(window, region, level, max_tries=100))
    return tuple(sorted(found))


def _plausible_phone(text: str, start: int, end: int) -> bool:
    raw = text[start:end]
    digits = sum(ch.isdigit() for ch in raw)
    if digits < 7 or (start and text[start - 1].isalpha()) or (end < len(text) and text[end].isalpha()):
        return False
    before = text[max(0, start - 32) : start]
    after = text[end : end + 12]
    if raw.startswith("+"):
        return not _MONEY_BEFORE.search(before)
    core = raw.lstrip("([")
    if _DATE_LIKE.match(core) or _DATE_START.match(core) or _AMOUNT_LIKE.match(core) or _DOTTED_VERSION.match(core):
        return False
    if _DECIMAL.match(core) or _SSN_SHAPE.match(core) or core in _INTEGER_LIMITS:
        return False
    if sum(len(group) == 1 for group in _DIGIT_GROUPS.findall(core)) >= 2:
        return False  # "0 2 21 50 49 42": a list of small numbers
    if start >= 2 and text[start - 1] in "-_" and text[start - 2].isalnum():
        return False  # "B-01-0100-0010": the tail of an identifier
    if after[:1] == ":" and after[1:3].isdigit():
        return False  # "26.06.2014 14:41", "[2017-03-07 12:15:48"
    if _PLACEHOLDER_DIGITS.search("".join(ch for ch in raw if ch.isdigit())):
        return False  # "1234567890", "064000000"
    token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("\t", 0, start)) + 1
    if any(ch in text[token_start:start] for ch in "/=?&") or text[max(0, start - 3) : start].rstrip().endswith(("0x", "0X")):
        return False  # part of a URL or a hex dump
    if before.endswith(("$", "€", "£", "¥", "#", ".", ",")) or _MONEY_BEFORE.search(before):
        return False
    if after[:1] == "%" or (after[:1] in (".", ",") and after[1:2].isdigit()):
        return False
    if _PHONE_CUE.search(before):
        return True
    if _ID_BEFORE.search(before) or _UNIT_AFTER.match(after):
        return False
    return True


# --------------------------------------------------------------------------------------------------
# ADDRESS

_UC = "A-ZÄÖÜÀ-ÖØ-Þ"
_LC = "a-zäöüßà-öø-ÿ"
_EN_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Ter|"
    r"Way|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Close|Crescent|Cres|Row|Mews|Gardens|Grove|Trail|Trl|Loop|Plaza|"
    r"Alley|Walk|Hill|Park|Expressway|Expy|Freeway|Fwy|Turnpike|Pike)"
)
_EN_UNIT = r"(?:,?[ \t]+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Room|Rm|Bldg|Building|#)\.?[ \t]*#?[ \t]?[A-Za-z0-9-]{1,6}\b)"
_US_ZIP = r"(?:[A-Z][A-Za-z]|[A-Z][a-z]{3,}(?:[ \t][A-Z][a-z]+)?)\.?[ \t]+\d{5}(?:-\d{4})?"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[A-Z]{2}"
_EN_CITY = rf"[{_UC}][{_LC}]{{2,}}(?:[ -][{_UC}][{_LC}]+){{0,2}}"
_EU_CITY = rf"[{_UC}][{_LC}]+(?:-[{_UC}]?[{_LC}]+)*(?:[ \t](?:am|an[ \t]der|im|bei|sur|en|aan[ \t]den|aan[ \t]de)[ \t][{_UC}][{_LC}]+)?"
_COUNTRY = (
    r"(?:,[ \t]*(?:Germany|Deutschland|France|Netherlands|The Netherlands|Nederland|Austria|Österreich|Switzerland|"
    r"Schweiz|Suisse|Belgium|Belgique|Italy|Italia|Spain|España|UK|U\.K\.|United Kingdom|England|Scotland|Wales|"
    r"Ireland|USA|U\.S\.A\.|US|United States|Canada)\b)?"
)
_EN_ADDRESS = (
    r"(?<![\w.:/-])\d{1,5}[A-Za-z]?(?:-\d{1,5})?[ \t]+"
    r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?[ \t]+)?"
    rf"(?P<name>(?:(?:[A-Z][{_LC}'’]+|\d{{1,3}}(?:st|nd|rd|th))[ \t]+){{1,3}})"
    rf"{_EN_SUFFIX}\b\.?"
    r"(?:[ \t]+(?:N|S|E|W|NE|NW|SE|SW)\b\.?)?"
    rf"{_EN_UNIT}?"
    rf"(?:,[ \t]*{_EN_CITY}(?=,?[ \t]+(?:{_US_ZIP}|{_UK_POSTCODE})\b|[ \t]*[.;:!?)\n]|[ \t]*$)"
    rf"|[ \t]*\n[ \t]*{_EN_CITY}(?=,?[ \t]+(?:{_US_ZIP}|{_UK_POSTCODE})\b))?"
    rf"(?:,?[ \t]+(?:{_US_ZIP}|{_UK_POSTCODE})\b)?"
    rf"{_COUNTRY}"
)
_EU_COMPOUND = (
    r"(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|chaussee|steig|pfad|markt|graben|gracht|straat|"
    r"laan|plein|kade|singel|dijk|steeg)"
)
_EU_WORD = r"(?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee|Damm|Ufer|Chaussee|Markt|Graben)"
_EU_STREET = (
    rf"(?:[{_UC}][{_LC}]+(?:-[{_UC}]?[{_LC}]+)*-?{_EU_COMPOUND}"
    rf"|(?:(?:[{_UC}][{_LC}]+(?:-[{_UC}][{_LC}]+)*|Am|An|Im|In|Auf|Zum|Zur|Unter|Alte|Neue|Alter|Neuer)[ \t-])?{_EU_WORD})"
)
_EU_POSTCODE_CITY = rf"(?:(?:,[ \t]*|[ \t]*\n[ \t]*|[ \t]+)(?:[A-Z]{{1,2}}-)?\d{{4,5}}(?:[ \t]?[A-Z]{{2}})?[ \t]+{_EU_CITY})"
_EU_ADDRESS = (
    rf"(?<![\w-]){_EU_STREET}"
    r"[ \t]*\d{1,3}(?:[ \t]?[a-zA-Z])?(?:[ \t]?[-/][ \t]?\d{1,3}[a-z]?)?(?![\w.,]\d|\w)"
    rf"{_EU_POSTCODE_CITY}?{_COUNTRY}"
)
_ROMANCE_PREFIX = (
    r"(?P<prefix>(?i:rue|boulevard|bd|avenue|av\.|quai|chemin|allée|impasse|place|route|cours|via|viale|piazza|"
    r"piazzale|corso|vicolo|calle|avenida|plaza|paseo|carrer|rua|travessa|largo))"
)
_ROMANCE_WORD = rf"[{_UC}][{_LC}'’]+(?:-[{_UC}]?[{_LC}'’]+)*(?!\w)"
_ROMANCE_NAME = (
    r"(?:(?:de[ \t]+la|de[ \t]+l['’]|du|des|de|d['’]|la|le|les|l['’]|del|della|dei|degli|di|da|do|dos|das|"
    r"San|Santa|Saint|Sainte|St)[ \t]*)*"
    rf"{_ROMANCE_WORD}(?:[ \t]+(?:(?:de|du|des|la|le|del|di|da)[ \t]+)?{_ROMANCE_WORD}){{0,3}}"
)
_ROMANCE_ADDRESS = (
    rf"(?:(?<![\w.,-])(?P<lead>\d{{1,4}}(?:[ \t]?(?:bis|ter|[a-zA-Z]))?,?[ \t]+))?(?<![\w-]){_ROMANCE_PREFIX}[ \t]+{_ROMANCE_NAME}"
    r"(?:,?[ \t]+(?P<trail>\d{1,4}(?:[ \t]?[a-zA-Z])?)(?![\w.,]\d|\w))?"
    rf"(?P<post>{_EU_POSTCODE_CITY})?{_COUNTRY}"
)
_EN = re.compile(_EN_ADDRESS)
_EU = re.compile(_EU_ADDRESS)
_ROMANCE = re.compile(_ROMANCE_ADDRESS)
# prefixes that are also English words ("Place the dock...", "Via USB"): need a house number in front or a postcode
_AMBIGUOUS_ROMANCE = frozenset({"via", "route", "place", "plaza", "cours", "corso", "largo"})
# capitalised words before "Drive", "Park"... in product text, not in street names
_NOT_STREET = frozenset(
    "Hard Flash Disk Disc Pen Thumb Network Optical Solid External Internal Cloud Theme Amusement Car Test".split()
)


_EU_HINTS = ("stra", "str.", "weg", "gasse", "platz", "allee", "damm", "ufer", "chaussee", "steig", "pfad", "markt",
             "graben", "gracht", "laan", "plein", "kade", "singel", "dijk", "steeg")
_ROMANCE_HINTS = ("rue", "boulevard", "bd", "avenue", "av.", "quai", "chemin", "allée", "impasse", "place", "route",
                  "cours", "via", "viale", "piazza", "piazzale", "corso", "vicolo", "calle", "avenida", "plaza",
                  "paseo", "carrer", "rua", "travessa", "largo")
_LEAD_BEFORE = re.compile(r"(?<![\w.,-])\d{1,4}(?:[ \t]?(?:bis|ter|[a-zA-Z]))?,?[ \t]+$")


def _word_starts(text: str, low: str, words: Iterable[str]) -> list[int]:
    """Where the (lower-case) words start in text as whole words followed by a space: str.find, not a regex scan."""
    hits = []
    for word in words:
        i = low.find(word)
        while i != -1:
            j = i + len(word)
            if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_-")) and text[j : j + 1] in (" ", "\t"):
                hits.append(i)
            i = low.find(word, j)
    return sorted(hits)


def _romance_matches(text: str, low: str) -> Iterable[re.Match[str]]:
    end = 0
    for start in _word_starts(text, low, _ROMANCE_HINTS):
        if start < end:
            continue
        lead = _LEAD_BEFORE.search(text, max(0, start - 12), start)
        match = _ROMANCE.match(text, lead.start() if lead else start)
        if match is not None:
            end = match.end()
            yield match


_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def _address_spans(text: str) -> Iterable[tuple[int, int]]:
    for match in _EN.finditer(text):
        if any(word in _NOT_STREET for word in match.group("name").split()):
            continue
        before = text[max(0, match.start() - 12) : match.start()].split()
        if before and before[-1].rstrip(".,").lower() in _MONTHS:
            continue  # "December 21  Stocks Close"
        yield match.span()
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two; offsets must stay the same
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    if any(hint in low for hint in _EU_HINTS):
        for match in _EU.finditer(text):
            yield match.span()
    for match in _romance_matches(text, low):
        lead, trail, post = match.group("lead"), match.group("trail"), match.group("post")
        prefix = match.group("prefix")
        if not (lead or trail) or (prefix[0].islower() and not lead):
            continue  # "rue de la Paix" without a number is a street, not an address; "... via Bluetooth 5"
        if prefix.lower() in _AMBIGUOUS_ROMANCE and not ((lead and prefix[0].isupper()) or post):
            continue
        yield match.span()


# --------------------------------------------------------------------------------------------------
# PERSON

_TITLES = frozenset(
    "mr mrs ms miss mx dr prof sir madam herr frau fr hr dipl ing mag mme mlle monsieur madame m".split()
)
_NON_PERSON = frozenset(
    """support team service services customer customers care help helpdesk desk sales info information billing
    accounts account admin administrator noreply no-reply donotreply reply notifications notification newsletter
    news department office gmbh inc ltd llc ag co corp corporation company store shop online web mail mailer
    daemon postmaster system bot robot auto automated alerts alert orders order shipping delivery returns
    marketing hr jobs careers press contact hello feedback security abuse webmaster community forum bank
    management staff crew family everyone everybody all folks guys friends colleagues sir madam gentlemen
    ladies user users member members client clients partner partners group backers supporters fans sale
    subscriber subscribers customerservice"""
    .split()
)
# common English words (and word-names) never redacted on their own: "Will", "May", "Mark", "Rose"...
COMMON_WORDS = frozenset(
    """a about above across act add after again against age ago air all almost alone along already also always
    am among an and another any anyone anything are area around art as ask at away back bad bank base be
    bear became because become bed been before began begin behind being bell below best better between big bill
    bird black blue board body book both box boy bring brown build built business but buy by call came can
    car card care carry case cause center change check child city class clear close cold come common
    control cook cool corner cost could country course cover cross cut dark data date day dead deal dear
    death deep did die different do does dog done door down draw dream drive drop dry during each early earth
    east easy eat end energy enough even evening ever every eye face fact fair faith fall family far farm
    fast father fear feel few field fight fill final find fine fire first fish fisher five floor fly follow food
    for force form forward four free friend from front full game garden gave general get girl give glass go
    god gold good got grant gray great green grey ground group grow guy had half hall hand happy hard has
    have he head hear heart heat help her here high hill him his hold home hope horse hot hour house how hunt
    hunter if in inside into is it its job join joy just keep key kind king knew know land lane large
    last late law lay lead learn least leave left less let letter life light like line list little live long
    look lord lost lot love low made main major make man many mark market mason master may me mean meet
    member men might mile miller mind miss money moon more morning most mother move much music must my name
    near need never new news next nice night no north not note nothing now number of off office often old on
    once one only open or order other our out over own page paper park part party pass past pay people per
    person pick piece place plan plant play please point poor porter power present press price print problem
    put question quick quite rain ran rather reach read ready real reason red rest rich right ring river road
    rock room rose round rule run said same saw say school sea second see seem seen self sell send sense
    service set several shall sharp she ship shop short should show side sign simple since sing single sir
    sit six size sky small smith snow so some something son song soon sound south space speak special spring
    stand star start state station stay step still stone stop story street strong such summer sun sure swift
    system table take talk taylor team tell ten test than thank thanks that the their them then there these
    they thing think this those though three through time to today together told too took top toward town
    tree true try turn turner two under unit until up upon us use very voice wait walk walker wall want war
    ward warm was watch water way we week well went were west what wheel when where which while white who
    whole why will wind winter wish with within without wood word work world would write year yes yet you
    young your
    april august june march january february july september october november december monday tuesday wednesday
    thursday friday saturday sunday christmas easter holiday
    amber angel april autumn baker banks bishop bond brook brooks bush carter chance chase cliff crane crystal
    daisy dale dawn destiny drew early fox frank glen grace hazel heath holly honey iris ivy jack jade jean
    joy lamb lily olive pat pearl penny price ray reed rivers robin ruby rusty sandy sky sterling sue sunny
    violet wolf woods cooper parker fletcher archer gardener hope will bill mark rob don dick chuck art guy
    regards best cheers sincerely hi hey dear hello welcome greetings yours kind warm team
    english german french dutch spanish italian american british european
    """.split()
)


def _name_tokens(name: str) -> list[str]:
    tokens = [t.strip(".,;:()[]\"'") for t in name.split()]
    return [t for t in tokens if t and t.lower().rstrip(".") not in _TITLES]


def _clean_known_name(name: str) -> list[str] | None:
    """A known name as tokens in reading order, or None when it is not a person's name."""
    name = re.sub(r"\([^)]*\)|<[^>]*>|\S+@\S+", " ", name).strip().strip("\"'")
    if not name or any(ch.isdigit() for ch in name):
        return None
    if name.count(",") == 1:  # "Doe, Jane"
        last, first = (part.strip() for part in name.split(","))
        name = f"{first} {last}"
    tokens = _name_tokens(name)
    if not tokens or any(t.lower() in _NON_PERSON for t in tokens):
        return None
    if len(tokens) == 1 and tokens[0].isupper():
        return None  # an acronym or an organisation ("ENRON", "IBM"), not a person
    if all(t.islower() for t in tokens):
        tokens = [t[:1].upper() + t[1:] for t in tokens]
    return tokens


@dataclass(frozen=True)
class _NameForms:
    full: tuple[tuple[str, ...], ...]  # token sequences, "Jane Doe" -> ("Jane", "Doe"); matched with spaces/tabs between
    reversed_full: tuple[tuple[str, str], ...]  # ("Doe", "Jane") matched as "Doe, Jane"
    singles: frozenset[str]  # first / last names matched on their own


@lru_cache(maxsize=4096)
def _name_forms(names: tuple[str, ...], keep_lower: frozenset[str]) -> _NameForms:
    full: set[tuple[str, ...]] = set()
    reversed_full: set[tuple[str, str]] = set()
    singles: set[str] = set()
    variants = []
    for name in names:
        tokens = _clean_known_name(name)
        if tokens is None:
            continue
        variants.append(tokens)
        if len(tokens) > 1 and all(t.isupper() for t in tokens):  # "JEFF SMITH" in a header is "Jeff," in the body too
            variants.append([t[:1] + t[1:].lower() for t in tokens])
    for tokens in variants:
        if len(tokens) > 1:
            full.add(tuple(tokens))
            reversed_full.add((tokens[-1], tokens[0]))
        for token in tokens:
            for part in {token, *token.split("-")}:
                if (
                    sum(ch.isalpha() for ch in part) >= 3
                    and part[:1].isupper()
                    and part.lower() not in COMMON_WORDS
                    and part.lower() not in keep_lower
                    and part.lower() not in _NON_PERSON
                ):
                    singles.add(part)
    return _NameForms(tuple(sorted(full)), tuple(sorted(reversed_full)), frozenset(singles))


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_-"


def _whole_word_at(text: str, start: int, end: int) -> bool:
    if start and _word_char(text[start - 1]):
        return False
    if end < len(text):
        nxt = text[end]
        if _word_char(nxt):
            return False
        if nxt in "'’" and text[end + 1 : end + 3].isalpha() and len(text[end + 1 : end + 3]) == 2:
            return False  # "O" of "O'Neill"; a possessive "Jane's" is still Jane
    return True


def _after_spaces(text: str, i: int) -> int:
    j = i
    while j < len(text) and text[j] in " \t":
        j += 1
    return j


def _person_spans(text: str, forms: _NameForms) -> list[tuple[int, int]]:
    """Occurrences of known names (str.find and boundary checks: no per-document regex to compile)."""
    spans: list[tuple[int, int]] = []
    for token in forms.singles:
        i = text.find(token)
        while i != -1:
            if _whole_word_at(text, i, i + len(token)):
                spans.append((i, i + len(token)))
            i = text.find(token, i + 1)
    for tokens in forms.full:
        i = text.find(tokens[0])
        while i != -1:
            end = i + len(tokens[0])
            for token in tokens[1:]:
                j = _after_spaces(text, end)
                if j == end or not text.startswith(token, j):
                    break
                end = j + len(token)
            else:
                if _whole_word_at(text, i, end):
                    spans.append((i, end))
            i = text.find(tokens[0], i + 1)
    for last, first in forms.reversed_full:
        i = text.find(last + ",")
        while i != -1:
            j = _after_spaces(text, i + len(last) + 1)
            if text.startswith(first, j) and _whole_word_at(text, i, j + len(first)):
                spans.append((i, j + len(first)))
            i = text.find(last + ",", i + 1)
    return spans


_LETTERS = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
_PARTICLE = r"(?:de|van|von|der|den|da|di|du|le|la|del|dos|ter|zu|bin|al)"
_PARTICLE_RE = re.compile(_PARTICLE)
_NAME_WORDS = rf"{_LETTERS}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{_LETTERS}){{0,2}}"
_TITLE_WORDS = r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Frau|Mme|Mlle|Monsieur|Madame)\.?[ \t]+)?"
_QUOTE = r"^[ \t>]*"
# "Hi Yuki," / "Dear Mr. Mateo Larsen," alone on a line
_GREETING_NAME = re.compile(
    rf"{_QUOTE}(?:Hi|Hello|Hey|Dear|Good[ \t]+(?:morning|afternoon|evening)|Hallo|Liebe|Lieber|Bonjour|Hoi|Ciao|Hola)"
    rf"[ \t]+{_TITLE_WORDS}(?P<name>{_NAME_WORDS})[ \t]*[,!:.]?[ \t]*$",
    re.MULTILINE,
)
_CLOSINGS = ("thanks", "thank you", "thx", "regards", "cheers", "best", "wishes", "sincerely", "cordially",
             "appreciated", "in advance", "take care", "greetings", "looking forward", "grüße", "grüsse", "gruß",
             "cordialement", "à vous", "saludos", "groeten", "--")
# after a closing ("Thanks,", "Any help is appreciated.", "--"): the next line (or the one after a blank) is only a name
_AFTER_CLOSING = re.compile(r"(?:[^\n\w][^\n]{0,30})?\n(?:[ \t>]*\n)?")
_NAME_LINE = re.compile(rf"[ \t>]*(?:[-–—][ \t]*)?{_TITLE_WORDS}(?P<name>{_NAME_WORDS})[ \t]*(?:\n|$)")
# "Regards, Jane Doe" on one line
_SIGNOFF_SAME_LINE = re.compile(
    rf"{_QUOTE}(?:[Bb]est|[Kk]ind|[Ww]arm|[Mm]any|[Ww]ith)?[ \t]*(?:[Rr]egards|[Tt]hanks|[Cc]heers|[Ww]ishes)[ \t]*,[ \t]*"
    rf"(?P<name>{_NAME_WORDS})[ \t]*$",
    re.MULTILINE,
)


def _signoff_names(text: str, low: str) -> Iterable[str]:
    for closing in _CLOSINGS:
        i = low.find(closing)
        while i != -1:
            j = i + len(closing)
            line_start = text.rfind("\n", 0, i) + 1
            if i - line_start <= 60 and (i == 0 or not text[i - 1].isalnum()) and not text[j : j + 1].isalnum():
                after = _AFTER_CLOSING.match(text, j)
                if after is not None:
                    name = _NAME_LINE.match(text, after.end())
                    if name is not None:
                        yield name.group("name")
            i = low.find(closing, j)


# inside a line: "@105847 Hi Harry! Help's here", "Hi Thomas, we operate a Think 25 policy"
_INLINE_GREETING = re.compile(
    rf"(?<![\w'’])(?:Hi|Hello|Hey|Hiya|Dear|Hallo|Hola|Bonjour|Ciao)[ \t]+{_TITLE_WORDS}(?P<name>{_LETTERS})(?=[ \t]*[,!:])")
# a name the sentence is addressed to: "It's working OK from here, Miriam.", "..., Miriam ^MM" (a first name only)
_VOCATIVE = re.compile(rf",[ \t]+(?P<name>{_LETTERS})(?=[ \t]*(?:[.!?]|\s*\Z)|[ \t]+[\^/~-])")
# a first name after the words that address someone: "We'd like to help Sam, which number ...", "Sorry Ana!"
_ADDRESSED = re.compile(rf"\b(?:[Hh]elp|[Tt]hanks|[Tt]hank you|[Ss]orry|[Ww]elcome|[Aa]gain|[Tt]here)[ \t]+(?P<name>{_LETTERS})(?=[ \t]*[,!])")
# a message that opens with a first name alone on its line: "Jeff, \n\nCan you resend the info ..." (Enron's sent mail)
_SALUTATION = re.compile(rf"\A[ \t>]*(?P<name>{_LETTERS})[ \t]*[,:][ \t]*\n")
# a signature closing the message: "... :) - Dani", "Thanks - Lee 2/2", "^Jools", "underage sales. Amanda" (not a
# line end: hard-wrapped prose breaks lines after any word, "... and so on. Anki\nsupports searching")
_SIGNATURE = re.compile(
    rf"(?:(?P<caret>\^)|(?P<closing>\b(?:thanks|cheers|regards|thank you)[ \t]*[-–—~][ \t]*)|[ \t][-–—~][ \t]*|(?<=[.!?)])[ \t])"
    rf"(?P<name>{_LETTERS})[ \t]*(?:\d/\d)?\s*\Z", re.IGNORECASE)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names from Faker's person providers (English, German, French, Spanish, Italian, Dutch, Portuguese
    locales): the check for a lone word that is only a name by its place ("..., Miriam.")."""
    import importlib

    names: set[str] = set()
    for locale in ("en_US", "en_GB", "en_IE", "en_IN", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR"):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            values = getattr(provider, attr, None) or ()
            names.update(values.keys() if isinstance(values, dict) else values)
    return frozenset(n for n in names if n.lower() not in COMMON_WORDS)


def _addressed_names(text: str) -> Iterable[str]:
    """First names a reply addresses or is signed with inside its lines (support tweets, chat replies)."""
    yield from (m.group("name") for m in _INLINE_GREETING.finditer(text))
    given = first_names()
    yield from (m.group("name") for m in _VOCATIVE.finditer(text) if m.group("name") in given)
    yield from (m.group("name") for m in _ADDRESSED.finditer(text) if m.group("name") in given)
    yield from (m.group("name") for m in _SALUTATION.finditer(text.lstrip("\n")) if m.group("name") in given)
    for m in _SIGNATURE.finditer(text):
        name = m.group("name")
        # "^Jools" and "Thanks - Lee" are signatures by their form; "Menu - Settings" or "below. Overview" only
        # when the word is a given name
        by_form = m.group("caret") is not None or m.group("closing") is not None
        if name[:1].isupper() and any(ch.islower() for ch in name) and (by_form or name in given):
            yield name


def names_in_text(text: str, keep_words: frozenset[str] = frozenset()) -> list[str]:
    """Names a text introduces itself: in a greeting ("Hi Yuki," on its line or "Hi Harry! Help's here"),
    under a sign-off ("Cheers,\nMateo", "- Dani"), or addressed by a first name ("..., Miriam.")."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    found = [m.group("name") for m in _GREETING_NAME.finditer(text)]
    found.extend(_signoff_names(text, low))
    found.extend(m.group("name") for m in _SIGNOFF_SAME_LINE.finditer(text))
    found.extend(_addressed_names(text))
    names = []
    for name in found:
        tokens = [t for t in name.split() if not _PARTICLE_RE.fullmatch(t)]
        lowered = [t.lower() for t in tokens]
        if (
            all(t[:1].isupper() and sum(ch.isalpha() for ch in t) >= 2 and sum(ch.isupper() for ch in t) <= 2 for t in tokens)
            and not any(t in _NON_PERSON or t in keep_words for t in lowered)
            and not all(t in COMMON_WORDS for t in lowered)
            and lowered[0] != "the"
        ):
            names.append(name)
    return names


# --------------------------------------------------------------------------------------------------
# keep lists

@lru_cache(maxsize=256)
def _keep_lower(terms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(term.lower() for term in terms)


@lru_cache(maxsize=256)
def _keep_words(terms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(word.lower() for term in terms for word in re.findall(r"[^\W\d_]+", term))


@lru_cache(maxsize=256)
def _keep_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    forms = [r"\s+".join(map(re.escape, t.split())) for t in terms if t.strip()]
    if not forms:
        return None
    forms.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(forms) + r")(?!\w)", re.IGNORECASE)


# --------------------------------------------------------------------------------------------------

# validated structured types win every overlap; the rest: the longest span wins
_TIER = {"EMAIL": 0, "CARD": 0, "IBAN": 0, "IP": 0, "PHONE": 1, "ADDRESS": 1, "PERSON": 1}
_KEEP_TERMS_BLOCK = frozenset({"PHONE", "IP", "ADDRESS", "PERSON"})
_HAS_DIGIT = re.compile(r"\d")


def redact(text: str, config: PiiConfig, *, known_names: Iterable[str] = (), replace: Callable[[str, str], str] | None = None,
           infer_names: bool = True) -> Redaction:
    """Replace the PII in ``text`` with ``replace(type, original)`` (default: a typed placeholder such as
    ``<EMAIL>``); spans index the input text. ``infer_names``: also the names the text introduces itself
    (greetings, sign-offs: :func:`names_in_text`), for messages; a manual is not written to anyone."""
    types = set(config.types)
    candidates: list[tuple[str, int, int]] = []
    protected: list[tuple[int, int, frozenset[str] | None]] = []  # (start, end, types it blocks; None = all)

    has_at = "@" in text
    has_digit = _HAS_DIGIT.search(text) is not None

    if has_at and "EMAIL" in types:
        keep = {a.lower() for a in config.keep_addresses}
        keep_domains = tuple(a for a in keep if a.startswith("@"))
        for match in _EMAIL.finditer(text):
            address = match.group().lower()
            if address in keep or (keep_domains and address.endswith(keep_domains)):
                protected.append((match.start(), match.end(), None))
            else:
                candidates.append(("EMAIL", match.start(), match.end()))

    if has_digit:
        if "CARD" in types:
            for match in _CARD.finditer(text):
                if _card_ok(match.group()):
                    candidates.append(("CARD", match.start(), match.end()))
        if "IBAN" in types:
            candidates.extend(("IBAN", s, e) for s, e in _iban_spans(text))
        if "IP" in types:
            has_dot, has_colon = "." in text, ":" in text
            if has_dot or has_colon:
                candidates.extend(("IP", s, e) for s, e in _ip_spans(text, has_dot, has_colon))
        if "PHONE" in types and _PHONE_RUN.search(text):
            skip = [(s, e) for kind, s, e in candidates if kind in ("CARD", "IBAN")]
            keep_pattern = _keep_pattern(tuple(config.keep_terms))
            if keep_pattern is not None:
                skip.extend(m.span() for m in keep_pattern.finditer(text))
            regions = tuple(config.phone_regions)
            candidates.extend(("PHONE", s, e) for s, e in _phone_spans(text, regions, config.phone_leniency, skip))
        if "ADDRESS" in types:
            candidates.extend(("ADDRESS", s, e) for s, e in _address_spans(text))

    keep_terms = tuple(config.keep_terms)
    if "PERSON" in types:
        inferred = names_in_text(text, _keep_words(keep_terms)) if infer_names else []
        names = tuple(sorted({n for n in (*known_names, *inferred) if n and n.strip()}))
        if names:
            forms = _name_forms(names, _keep_lower(keep_terms))
            candidates.extend(("PERSON", s, e) for s, e in _person_spans(text, forms))

    if not candidates:
        return Redaction(text=text, counts={}, spans=())

    keep_pattern = _keep_pattern(keep_terms)
    if keep_pattern is not None:
        protected.extend((m.start(), m.end(), _KEEP_TERMS_BLOCK) for m in keep_pattern.finditer(text))

    chosen = _resolve(candidates, protected, len(text))
    parts: list[str] = []
    spans: list[tuple[str, int, int, str]] = []
    counts: dict[str, int] = {}
    cursor = 0
    for kind, start, end in chosen:
        parts.append(text[cursor:start])
        parts.append(replace(kind, text[start:end]) if replace else f"<{kind}>")
        spans.append((kind, start, end, text[start:end]))
        counts[kind] = counts.get(kind, 0) + 1
        cursor = end
    parts.append(text[cursor:])
    return Redaction(text="".join(parts), counts=counts, spans=tuple(spans))


def _resolve(
    candidates: list[tuple[str, int, int]], protected: list[tuple[int, int, frozenset[str] | None]], size: int
) -> list[tuple[str, int, int]]:
    taken = bytearray(size)
    for start, end, blocked in protected:
        if blocked is None:
            taken[start:end] = b"\x01" * (end - start)
    keep_terms = [(s, e, b) for s, e, b in protected if b is not None]
    chosen: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(set(candidates), key=lambda c: (_TIER[c[0]], c[1] - c[2], c[1])):
        if start >= end or 1 in taken[start:end]:
            continue
        if any(s < end and start < e and kind in b for s, e, b in keep_terms):
            continue
        taken[start:end] = b"\x01" * (end - start)
        chosen.append((kind, start, end))
    chosen.sort(key=lambda c: c[1])
    return chosen


def names_from_meta(meta: object, *, include_staff: bool = False, staff_domains: Iterable[str] = ()) -> list[str]:
    """The people a document's metadata names, as ``known_names`` for :func:`redact`.

    E-mail: sender and recipients (a mailbox without a display name gives the name its address spells:
    ``aisha.larsen@...`` -> "Aisha Larsen"); ticket: requester and comment authors. The company's own staff (ticket
    agents, agent comments, mailboxes in ``staff_domains``) are left out unless ``include_staff``: an
    agent's name in a signature is not a customer's personal data.
    """
    domains = tuple(d.lower().lstrip("@") for d in staff_domains)

    def staff_address(address: str) -> bool:
        domain = address.rpartition("@")[2].lower()
        return bool(domain) and any(domain == d or domain.endswith("." + d) for d in domains)

    names: list[str] = []
    comments = getattr(meta, "comments", ()) or ()
    # a reply-tree export (twcs) files every row's author as its "requester", the company's rows too
    agent_names = {c.author_name for c in comments if c.author_role == "agent"} | {m.name for m in getattr(meta, "agents", ()) or ()}
    mailboxes = [getattr(meta, "sender", None), *(getattr(meta, "recipients", ()) or ()), getattr(meta, "requester", None)]
    for mailbox in mailboxes:
        if mailbox is None:
            continue
        if mailbox.name and mailbox.name in agent_names:
            if include_staff and _staff_person(mailbox.name):
                names.append(mailbox.name)
        elif include_staff or not staff_address(mailbox.address):
            names.append(mailbox.name or name_from_address(mailbox.address))
    if include_staff:
        names.extend(mailbox.name for mailbox in getattr(meta, "agents", ()) or () if _staff_person(mailbox.name))
    for comment in comments:
        staff = comment.author_role == "agent" or staff_address(comment.author_email)
        if not staff or (include_staff and _staff_person(comment.author_name)):
            names.append(comment.author_name)
    return [n for n in dict.fromkeys(n.strip() for n in names) if n]


def _staff_person(name: str) -> bool:
    """A staff member's name is a person's when it has two words or more: a one-word agent is the company's
    account or team ("AppleSupport", "Tesco", "British_Airways", "Support"), redacted it would read as
    a customer's name in every "@Tesco" of a Twitter export."""
    return len(name.split()) >= 2


_LOCAL_PART_SPLIT = re.compile(r"[._\-+]+|\d+")


def name_from_address(address: str) -> str:
    """The name an address's local part spells ("jane.doe42@x" -> "Jane Doe"), or "" when it spells none."""
    local = address.partition("@")[0] if "@" in address else ""
    tokens = [t for t in _LOCAL_PART_SPLIT.split(local) if t]
    if not tokens or any(t.lower() in _NON_PERSON for t in tokens):
        return ""
    return " ".join(t.capitalize() for t in tokens if t.isalpha())
