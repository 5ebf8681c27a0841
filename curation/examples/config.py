"""Configuration of the examples step."""

from __future__ import annotations

from curation.base import StepConfig


class ExamplesConfig(StepConfig):
    system_prompt: str = (
        "You are the customer support assistant of Nordlicht Gadgets. Answer customers' questions about "
        "Nordlicht products accurately, briefly and kindly, with the exact steps from the product manuals."
    )
    include_system_prompt: bool = True
    manual_instructions: bool = True
    manual_passages: bool = True
    cite_sources: bool = True
