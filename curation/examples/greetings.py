"""Greetings that name someone the example never introduces.

A company reply usually greets the customer by the name from the e-mail's header ("Hi Joseph,"); the
header is not part of the training example, so the model learns to greet every customer with a name
it has to invent (the tuned specialist answered "Hi Melissa," to questions that named nobody). A
greeting keeps its name only when an earlier customer turn of the same example holds it (the customer
signed with it); otherwise the name goes and the greeting stays ("Hi Joseph," -> "Hi,").
"""

from __future__ import annotations

import re

from schemas import Message

_GREETING = re.compile(
    r"^(?P<lead>[ \t]*(?:@\w+[ \t]+)*)"  # a support tweet starts with the customer's handle
    r"(?P<greeting>Hi|Hello|Hey|Dear|Good (?:morning|afternoon|evening)|Hallo|Liebe|Lieber|Guten Tag|Bonjour|Hola)"
    r"[ \t]+(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Herr|Frau|Mme|Monsieur|Madame)\.?[ \t]+)?"
    r"(?P<name>[A-ZÀ-ÖØ-Þ][\w'’-]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’-]+)?)(?=[ \t]*[,!.:]|[ \t]*$)",
    re.MULTILINE,
)
_NOT_A_NAME = frozenset({"there", "team", "all", "everyone", "folks", "customer", "sir", "madam", "support"})
# the greeting without a name: "Dear," and "Liebe," read wrong alone
_ALONE = {"Dear": "Hello", "Liebe": "Hallo", "Lieber": "Hallo"}


def greeting_names_in_context(messages: list[Message]) -> list[Message]:
    """The messages with each reply's opening greeting stripped of a name no earlier customer turn holds."""
    seen = ""
    out = []
    for message in messages:
        if message.role == "user":
            seen += message.content + "\n"
        elif message.role == "assistant":
            match = _GREETING.match(message.content)
            if match and match.group("name").lower() not in _NOT_A_NAME and not _holds(seen, match.group("name")):
                greeting = _ALONE.get(match.group("greeting"), match.group("greeting"))
                message = message.model_copy(update={"content": match.group("lead") + greeting + message.content[match.end():]})
        out.append(message)
    return out


def invented_name(question: str, reply: str) -> str | None:
    """The name a reply's opening greeting gives that the question never mentions (the evaluation's check
    that the specialist does not make up who it is talking to), or None."""
    match = _GREETING.match(reply)
    if match and match.group("name").lower() not in _NOT_A_NAME and not _holds(question, match.group("name")):
        return match.group("name")
    return None


def _holds(text: str, name: str) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text) for part in name.split())
