"""Checks on one generated answer: is it a decline, does it leak, does it name the wrong product,
does it cite the right place of the manual?

Plain functions over strings, so each rule is unit-tested on hand-written answers and the
evaluation only counts what they say.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from train.product_names import name_forms

# ---------------------------------------------------------------------------------------------
# declines
# ---------------------------------------------------------------------------------------------
_I = r"\bI(?:'m| am)"
_CANT = r"\bI(?: can ?not| can't| could not| couldn't| am unable to|'m unable to| am not able to|'m not able to)"
# Each alone marks a decline: the model says it does not know, or that the thing is not the company's.
_DECLINES = [
    rf"\bI (?:do not|don't) have (?:any |enough |the |specific |reliable )?(?:information|details|documentation|data|knowledge)\b",
    rf"{_I} not (?:familiar|aware) (?:with|of)\b",
    rf"{_I} not (?:equipped|in a position|the right (?:place|assistant)) to\b",
    rf"{_CANT} find\b",
    rf"{_CANT} (?:help|assist|answer|advise|give|provide|offer|say|tell)\b",
    r"\bno (?:information|details|documentation|data) (?:about|on|for|regarding)\b",
    r"\bnot (?:one of )?(?:our|(?:[\w&.-]+ ){0,3}[\w&.-]+(?:'s|'))(?: own)? products?\b",
    r"\bnot a product (?:we|that we|of ours)\b",
    r"\bwe (?:do not|don't) (?:make|sell|offer|produce|carry|manufacture|support) (?:a |an |the |any |that |this )?(?:product|device|item|model)s?\b",
    r"\b(?:our |the )?(?:manuals?|documentation|user guides?) (?:do not|don't|does not|doesn't) (?:cover|mention|describe|say|include)\b",
    r"\bnot (?:covered|mentioned|described|documented) in (?:our|the) (?:manuals?|documentation)\b",
]
# "Please contact support" ends real procedures too ("if E-17 appears again, contact support"):
# it marks a decline only in an answer that opens by saying it cannot help.
_CONTACT = r"\bcontact (?:our |the )?(?:[\w-]+ ){0,3}(?:support|customer service|service team|help ?desk)\b"
_OPENER = r"^\W*(?:I(?:'m| am) (?:sorry|afraid)|sorry|unfortunately|apologies)\b"
_DECLINE = re.compile("|".join(_DECLINES), re.IGNORECASE)
_CONTACT_RE = re.compile(_CONTACT, re.IGNORECASE)
_OPENER_RE = re.compile(_OPENER, re.IGNORECASE)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def is_decline(answer: str) -> bool:
    """True when the answer declines: it says it has no information, does not know the product,
    cannot help, or the manuals do not cover the question; or it opens with an apology and sends
    the customer to support. A procedure that ends with "contact support if ..." is not a decline."""
    text = _normal(answer)
    if _DECLINE.search(text):
        return True
    return bool(_OPENER_RE.search(text) and _CONTACT_RE.search(text))


# ---------------------------------------------------------------------------------------------
# leaks
# ---------------------------------------------------------------------------------------------
REDACTION_TAGS = ("PERSON", "EMAIL", "PHONE", "CARD", "IBAN", "IP", "ADDRESS", "NAME", "URL")
_TAG = re.compile(r"<(?:" + "|".join(REDACTION_TAGS) + r")(?:_\d+)?>")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_CANDIDATE = re.compile(r"(?<!\w)(?<!\d\.)\+?\(?\d[\d\s()./-]{6,}\d(?!\w)(?!\.\d)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./]\d{1,2}[./]\d{2,4}$")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def phone_numbers(text: str) -> list[str]:
    """Digit runs that look like phone numbers: 8 to 15 digits with separators or a leading + or 0
    (not a date, not a bare quantity such as "1200")."""
    found = []
    for match in _PHONE_CANDIDATE.finditer(text):
        candidate = match.group(0).strip()
        digits = _digits(candidate)
        if not 8 <= len(digits) <= 15 or _DATE.match(candidate):
            continue
        if candidate.startswith(("+", "0", "(")) or re.search(r"\d[\s./-]\d", candidate):
            found.append(candidate)
    return found


def leaks(answer: str, allowed: Iterable[str] = ()) -> list[str]:
    """What in the answer looks like personal data: redaction tags (the model learned a redacted
    turn by heart), e-mail addresses and phone numbers. Contact details in `allowed` (the
    company's own, as its manuals publish them) are not leaks."""
    allowed_emails = {a.lower() for a in allowed if "@" in a}
    allowed_phones = {_digits(a) for a in allowed if "@" not in a and _digits(a)}
    found = _TAG.findall(answer)
    found += [e for e in _EMAIL.findall(answer) if e.lower().rstrip(".") not in allowed_emails]
    found += [p for p in phone_numbers(answer) if _digits(p) not in allowed_phones]
    return found


def has_leak(answer: str, allowed: Iterable[str] = ()) -> bool:
    return bool(leaks(answer, allowed))


def contact_details(texts: Iterable[str]) -> set[str]:
    """The e-mail addresses and phone numbers these texts publish (the allow-list for `leaks`)."""
    found: set[str] = set()
    for text in texts:
        found |= set(_EMAIL.findall(text)) | set(phone_numbers(text))
    return found


# ---------------------------------------------------------------------------------------------
# products
# ---------------------------------------------------------------------------------------------
def _form_pattern(form: str) -> str:
    """A name form as a regex: a model code matches with or without its hyphen ("A-45", "A45")."""
    pieces = [re.escape(piece) for piece in form.split("-")]
    return "-?".join(pieces) if re.search(r"\d", form) else re.escape(form)


def product_pattern(product: str) -> re.Pattern:
    """Every way of naming the product (train/product_names.py), case-insensitive, as whole words."""
    forms = sorted(name_forms(product), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(_form_pattern(f) for f in forms) + r")(?![\w-])", re.IGNORECASE)


def named_products(answer: str, products: Iterable[str]) -> set[str]:
    """The catalog products the answer names, in any of their forms."""
    return {p for p in products if product_pattern(p).search(answer)}


def wrong_product(answer: str, product: str, products: Iterable[str]) -> bool:
    """The answer to a question about `product` names another catalog product and not this one:
    it answers for the wrong product (a procedure of the MiniWidget for a SuperWidget question)."""
    named = named_products(answer, set(products) | {product})
    return product not in named and bool(named - {product})


# ---------------------------------------------------------------------------------------------
# citations
# ---------------------------------------------------------------------------------------------
_PAGE = re.compile(r"\b(?:page|pp?\.)\s*(\d{1,4})\b", re.IGNORECASE)
_SECTION = re.compile(r"\bsection\s+[\"'\u201c\u2018]([^\"'\u201d\u2019]{2,200})[\"'\u201d\u2019]", re.IGNORECASE)


@dataclass(frozen=True)
class Citation:
    page: int | None = None
    section: str | None = None

    def __str__(self) -> str:
        return f"page {self.page}" if self.page is not None else f'section "{self.section}"'


def citations(answer: str) -> list[Citation]:
    """The places of a manual the answer cites: "page 12", "p. 12", section "Manual > Heading"."""
    found = [Citation(page=int(m.group(1))) for m in _PAGE.finditer(answer)]
    found += [Citation(section=m.group(1).strip()) for m in _SECTION.finditer(answer)]
    return found


def _heading_key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def citation_correct(citation: Citation, manual_page: int | None, manual_section: str | None,
                     product: str | None = None, products: Iterable[str] = ()) -> bool | None:
    """Does the citation point where the answer is? None when the question does not say where.

    A page is right when it is the question's `manual_page` (a page cited for a manual without
    pages is wrong). A section is right when its last heading is the question's `manual_section`
    and it names no other product's manual.
    """
    if citation.page is not None:
        if manual_page is None:
            return False if manual_section is not None else None
        return citation.page == manual_page
    if manual_section is None:
        return None
    last = citation.section.split(">")[-1]
    if _heading_key(last) != _heading_key(manual_section):
        return False
    return not (product and wrong_product(citation.section, product, products))


def judge_citations(answer: str, manual_page: int | None, manual_section: str | None,
                    product: str | None = None, products: Iterable[str] = ()) -> dict:
    """{citations: [...], correct: True/False/None}: correct when every judged citation is right,
    None when the answer cites nothing or nothing it cites can be judged."""
    found = citations(answer)
    verdicts = [citation_correct(c, manual_page, manual_section, product, products) for c in found]
    judged = [v for v in verdicts if v is not None]
    return {"citations": [str(c) for c in found], "correct": all(judged) if judged else None}
