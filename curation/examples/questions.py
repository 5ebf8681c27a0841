"""A natural question from a manual section's heading: "Resetting the SuperWidget" on the
A-45 SuperWidget manual -> "How do I reset the A-45 SuperWidget?"."""

from __future__ import annotations

import re

from lemminflect import getAllLemmas, getInflection, getLemma

# after a gerund these make it a task ("Pairing with the app", "Adding devices"); before a plain noun
# it is a modifier ("Overheating protection", "Charging time") and the heading is a topic
_TASK_CONTINUATION = {"the", "a", "an", "your", "my", "this", "with", "to", "from", "up", "in", "on", "off", "out", "into", "for", "it", "new"}
# "The PowerDock does not charge", "The hub keeps restarting": a heading that states a symptom
_SYMPTOM_VERBS = {"does", "doesn't", "do", "won't", "will", "is", "isn't", "keeps", "can't", "cannot", "stops", "fails", "turns", "shows", "gets", "has"}
# a heading that is an instruction: "Change the Video Driver", "Restart Anki", "Reset window sizes". Verbs a
# manual's headings use as commands and rarely as nouns ("Review ahead", "Set references", "Use It or Lose
# It" stay topics)
_IMPERATIVES = {
    "add", "adjust", "attach", "calibrate", "change", "check", "choose", "clean", "clear", "configure", "connect", "create",
    "customise", "customize", "delete", "disable", "disconnect", "download", "edit", "enable", "export", "import", "install",
    "load", "open", "pair", "reinstall", "remove", "rename", "replace", "reset", "restart", "restore", "select", "uninstall",
    "unload", "update", "upgrade", "upload",
}
# gerunds that modify the noun after them ("Charging time", "Editing Area", "Troubleshooting tips") rather than
# take it as an object ("Using Tags", "Installing Fonts", "Importing Media")
_MODIFIER_GERUNDS = {
    "charging", "closing", "cooling", "drawing", "existing", "falling", "following", "heating", "learning", "missing", "mounting",
    "opening", "operating", "overheating", "packing", "printing", "processing", "programming", "rating", "reading", "recording",
    "remaining", "running", "sleeping", "starting", "testing", "training", "troubleshooting", "upcoming", "waiting", "warning", "working",
}
# nouns a gerund before them describes: "Editing Area", "Display Order", "Loading time"
_MODIFIED_NOUNS = {
    "area", "behavior", "behaviour", "errors", "guide", "history", "indicator", "info", "information", "instructions", "interval",
    "issues", "limit", "limits", "mode", "modes", "options", "order", "problems", "process", "protection", "queue", "requirements",
    "settings", "speed", "status", "steps", "system", "table", "time", "times", "tips", "tool", "tools", "window",
}
_GENERIC_OBJECT = re.compile(r"\b(the|your|a|an)\s+(device|unit|product)\b", re.IGNORECASE)


def base_verb(gerund: str) -> str:
    """ "Browsing" -> "browse", "Debugging" -> "debug" (lemminflect's lexicon); a word it does not know
    ("Syncing", "Reflashing") loses its "-ing" and a doubled final consonant. "Installing/Running" -> "install/run"."""
    word = gerund.lower()
    if "/" in word:
        return "/".join(base_verb(part) for part in word.split("/"))
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


def is_gerund(word: str) -> bool:
    """ "Installing", "Using", "Syncing" (unknown to the lexicon but shaped like one), "Installing/Running"; not "String",
    "Morning", "During"."""
    word = word.lower()
    if "/" in word:
        return all(is_gerund(part) for part in word.split("/"))
    if not word.endswith("ing") or len(word) < 5 or word in {"during", "according", "including", "regarding", "concerning", "pending"}:
        return False
    lemmas = getLemma(word, upos="VERB", lemmatize_oov=False)
    if lemmas:
        return word in getInflection(lemmas[0], "VBG")
    return not getAllLemmas(word)  # a word the lexicon does not know at all


def is_plural(word: str) -> bool:
    """ "Cards", "Shortcuts", "Media"; not "Status", "News", "Kubernetes" (unknown words are taken as singular)."""
    lemmas = getLemma(word.lower(), upos="NOUN", lemmatize_oov=False)
    return bool(lemmas) and lemmas[0] != word.lower()


# words a Title Case heading capitalises that the lexicon has no entry for
_SMALL_WORDS = {"a", "an", "and", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with", "without", "your"}


def _sentence_case(rest: str, heading: str) -> str:
    """A Title Case heading's words as a sentence has them: "Installing Fonts" asks "How do I install fonts?";
    names the lexicon does not know ("Anki", "MathJax", "AnkiWeb") and acronyms stay."""
    words = heading.split()
    if sum(w[:1].isupper() for w in words) < len(words) - 1 or len(words) < 2:
        return rest  # not Title Case: the heading's capitals are names
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() and (w.lower() in _SMALL_WORDS or getAllLemmas(w.lower())) else w
                    for w in rest.split())


def in_sentence(heading: str) -> str:
    """A heading as it reads inside an English question: "Serial Ports" -> "serial ports", "Installing" ->
    "installing"; names and acronyms stay ("FreeBSD Configuration Files" -> "FreeBSD configuration files"), and
    so does a one-word heading that is not a gerund ("Windows" is more often the system than the noun)."""
    words = heading.split()
    if len(words) == 1:
        return heading.lower() if heading[:1].isupper() and heading[1:].islower() and is_gerund(heading) else heading
    return _sentence_case(heading, heading)


def is_instruction(words: list[str]) -> bool:
    """ "Restart Anki", "Change the Video Driver": a heading that tells the reader what to do, with something to do it to."""
    return len(words) > 1 and words[0][:1].isupper() and words[0].lower() in _IMPERATIVES and words[1].lower() not in {"and", "or", "&"}


def _is_task(words: list[str], *, alone: bool) -> bool:
    """ "Resetting the hub", "Charging", "Adding devices to ...", "Using Tags" are tasks; "Overheating protection",
    "Editing Area" are topics. A one-word gerund is a task only where `alone` is false: it has a product to act
    on, or is no subsection's label ("Browsing" under "Preferences > Editing" is a group of settings)."""
    if not (words and is_gerund(words[0])):
        return False
    if len(words) == 1:
        return not alone
    gerund, following = words[0].lower(), words[1].lower()
    if following in _TASK_CONTINUATION:
        return True
    if following in {"and", "or", "&"}:
        return False  # "Fading and Scrolling": two topics
    # an object after a gerund that takes one: "Installing Fonts", "Inputting Non-Latin Characters", not "Charging time"
    return (gerund not in _MODIFIER_GERUNDS and words[-1].lower().strip(",.") not in _MODIFIED_NOUNS
            and re.fullmatch(r"[a-z][a-z/-]*", following) is not None and not following.endswith("ly"))  # "Creating Manually": no object


def heading_question(heading_path: list[str], manual: str, product: str | None = None, *, nested: bool = False) -> str:
    """The question a customer would ask to get this section as the answer (`nested`: the heading is a
    subsection's, under others)."""
    heading = (heading_path[-1] if heading_path else manual).strip().rstrip(":.")
    words = heading.split()
    if _is_task(words, alone=nested and not product) or is_instruction(words):
        verb = words[0].lower() if is_instruction(words) else base_verb(words[0])
        rest = _sentence_case(" ".join(words[1:]), heading)
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
