"""Greetings that name someone the example never introduces.

A company reply usually greets the customer by the name from the e-mail's header ("Hi Joseph,"); the
header is not part of the training example, so the model learns to greet every customer with a name
it has to invent (the tuned specialist answered "Hi Melissa," to questions that named nobody). A
greeting keeps its name only when an earlier customer turn of the same example holds it (the customer
signed with it); otherwise the name goes and the greeting stays ("Hi Joseph," -> "Hi,"). Colleagues often
open with the bare name on its own line ("Frank,\n\nCan you resend ..."): that line goes whole.
"""

from __future__ import annotations

import re

from schemas import Message

_NAME = r"(?P<name>[A-ZÀ-ÖØ-Þ][\w'’-]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’-]+)?)"
_GREETING = re.compile(
    r"^(?P<lead>[ \t]*(?:@\w+[ \t]+)*)"  # a support tweet starts with the customer's handle
    r"(?P<greeting>Hi|Hello|Hey|Dear|Good (?:morning|afternoon|evening)|Hallo|Liebe|Lieber|Guten Tag|Bonjour|Hola)"
    r"[ \t]+(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Herr|Frau|Mme|Monsieur|Madame)\.?[ \t]+)?"
    + _NAME + r"(?=[ \t]*[,!.:]|[ \t]*$)",
    re.MULTILINE,
)
# the name alone on the reply's first line, then a comma: "Brianna,\n\nI would rather sign ..."
_SALUTATION = re.compile(r"^(?P<lead>[ \t]*(?:@\w+[ \t]+)*)" + _NAME + r"[ \t]*,[ \t]*\n\s*")
_NOT_A_NAME = frozenset({"there", "team", "all", "everyone", "folks", "customer", "sir", "madam", "support",
                         # what else stands alone on a first line before a comma
                         "thanks", "thank you", "yes", "no", "ok", "okay", "sorry", "sure", "great", "well", "hello", "hi", "hey",
                         "guys", "gentlemen", "ladies", "fyi", "note", "update", "hmm", "oh"})
# the greeting without a name: "Dear," and "Liebe," read wrong alone
_ALONE = {"Dear": "Hello", "Liebe": "Hallo", "Lieber": "Hallo"}


def greeting_names_in_context(messages: list[Message]) -> list[Message]:
    """The messages with each reply's opening greeting stripped of a name no earlier customer turn holds."""
    seen = ""
    out = []
    for message in messages:
        if message.role == "user":
            seen += message.content + "\n"
        elif message.role == "assistant" and (unknown := _unintroduced(message.content, seen)):
            message = message.model_copy(update={"content": unknown[1]})
        out.append(message)
    return out


def invented_name(question: str, reply: str) -> str | None:
    """The name a reply's opening greeting gives that the question never mentions (the evaluation's check
    that the specialist does not make up who it is talking to), or None."""
    unknown = _unintroduced(reply, question)
    return unknown[0] if unknown else None


def _unintroduced(reply: str, context: str) -> tuple[str, str] | None:
    """(the name, the reply without it) when the reply opens by naming someone `context` never mentions."""
    for pattern in (_GREETING, _SALUTATION):
        match = pattern.match(reply)
        if match and match.group("name").lower() not in _NOT_A_NAME and not _holds(context, match.group("name")):
            greeting = _ALONE.get(match.group("greeting"), match.group("greeting")) if pattern is _GREETING else ""
            return match.group("name"), match.group("lead") + greeting + reply[match.end():]
    return None


def _holds(text: str, name: str) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text) for part in name.split())
