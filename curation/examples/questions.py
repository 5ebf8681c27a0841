"""A natural question from a manual section's heading: "Resetting the SuperWidget" on the
A-45 SuperWidget manual -> "How do I reset the A-45 SuperWidget?"."""

from __future__ import annotations

import re

from lemminflect import getLemma

# after a gerund these make it a task ("Pairing with the app", "Adding devices"); before a plain noun
# it is a modifier ("Overheating protection", "Charging time") and the heading is a topic
_TASK_CONTINUATION = {"the", "a", "an", "your", "my", "this", "with", "to", "from", "up", "in", "on", "off", "out", "into", "for", "it", "new"}
# "The PowerDock does not charge", "The hub keeps restarting": a heading that states a symptom
_SYMPTOM_VERBS = {"does", "doesn't", "do", "won't", "will", "is", "isn't", "keeps", "can't", "cannot", "stops", "fails", "turns", "shows", "gets", "has"}
_GENERIC_OBJECT = re.compile(r"\b(the|your|a|an)\s+(device|unit|product)\b", re.IGNORECASE)


def base_verb(gerund: str) -> str:
    """ "Browsing" -> "browse", "Debugging" -> "debug" (lemminflect's lexicon); a word it does not know
    ("Syncing", "Reflashing") loses its "-ing" and a doubled final consonant."""
    word = gerund.lower()
    known = getLemma(word, upos="VERB", lemmatize_oov=False)
    if known:
        return known[0]
    stem = word[:-3]
    return stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] in "tpgmnbr" else stem


def _with_product(rest: str, product: str | None) -> str:
    if not product:
        return rest
    short = product.split()[-1]
    model = product.split()[0]
    if product in rest or model in rest:
        return rest
    if re.search(rf"\b{re.escape(short)}\b", rest):
        return re.sub(rf"\b(?:the\s+|a\s+|your\s+)?{re.escape(short)}\b", f"the {product}", rest, count=1)
    if _GENERIC_OBJECT.search(rest):
        return _GENERIC_OBJECT.sub(f"the {product}", rest, count=1)
    return f"{rest} on the {product}" if rest else f"the {product}"


def _is_task(words: list[str], *, alone: bool) -> bool:
    """ "Resetting the hub", "Charging", "Adding devices to ..." are tasks; "Overheating protection" is a topic.
    A one-word gerund is a task only where `alone` is false: it has a product to act on, or is no
    subsection's label ("Browsing" under "Preferences > Editing" is a group of settings)."""
    if not (words and words[0].lower().endswith("ing") and len(words[0]) > 5):
        return False
    if len(words) == 1:
        return not alone
    following = words[1].lower()
    plural_object = following.endswith("s") and not following.endswith("ss") and len(words) > 2  # "Adding devices to the hub", not "Troubleshooting tips"
    return following in _TASK_CONTINUATION or plural_object


def heading_question(heading_path: list[str], manual: str, product: str | None = None, *, nested: bool = False) -> str:
    """The question a customer would ask to get this section as the answer (`nested`: the heading is a
    subsection's, under others)."""
    heading = (heading_path[-1] if heading_path else manual).strip().rstrip(":.")
    words = heading.split()
    if _is_task(words, alone=nested and not product):
        verb = base_verb(words[0])
        rest = " ".join(words[1:])
        return f"How do I {verb} {_with_product(rest, product)}".strip().replace("  ", " ") + "?"  # "Editing" -> "How do I edit?"
    subject = heading[0].lower() + heading[1:] if heading[:2] != heading[:2].upper() else heading
    family = " ".join(w for w in (product or "").split() if not any(c.isdigit() for c in w))
    if product and len(words) > 2 and words[0].lower() == "the" and words[1] == family and words[2].lower() in _SYMPTOM_VERBS:
        # a symptom heading: "The PowerDock does not charge" -> "What do I do if the D-90 PowerDock does not charge?"
        return f"What do I do if the {product} {' '.join(words[2:])}?"
    if product and product.split()[-1] in heading:
        return f"What does the {manual} say about \"{heading}\"?"
    target = f"the {product}" if product else f"the {manual}"
    return f"What should I know about {subject} for {target}?"
