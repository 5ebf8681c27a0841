"""Configuration of the examples step."""

from __future__ import annotations

from curation.base import StepConfig


class ExamplesConfig(StepConfig):
    # Short on purpose: it is repeated in every training example, so every token of it costs compute.
    system_prompt: str = "You are Nordlicht Gadgets' support assistant. Give the exact steps from the manuals."
    include_system_prompt: bool = True
    manual_instructions: bool = True
    manual_passages: bool = True
    cite_sources: bool = True
