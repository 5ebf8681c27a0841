"""Configuration of the examples step."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from curation.base import StepConfig


# Short on purpose: it is repeated in every training example, so every token of it costs compute.
PERSONA = "You are {company}'s support assistant. Give the exact steps from the manuals."


class ExamplesConfig(StepConfig):
    system_prompt: str | None = Field(
        default=None, description="the system turn of every example; null: PERSONA with the company's name")
    include_system_prompt: bool = True
    manual_instructions: bool = True
    manual_passages: bool = True
    cite_sources: bool = True
    section_chunk_chars: int = Field(
        default=700, ge=200,
        description="a manual section longer than this becomes several knowledge examples (paragraph-aligned chunks), each with "
                    "its own question and citation, so the answer fits the training window",
    )
    greeting_names: Literal["in_context", "keep"] = Field(
        default="in_context",
        description="in_context: a reply's opening greeting keeps a name only when an earlier customer turn of the example "
                    "holds it ('Hi Joseph,' -> 'Hi,' when the name came from a header), so the model does not learn to invent "
                    "names; keep: as written",
    )
    min_answer_words: int = Field(
        default=8, ge=0,
        description="a manual chunk with fewer words than this (a page holding only its heading, a progress bar, a code line cut from "
                    "its listing) becomes no example; a section with only such chunks is dropped as manual_fragment",
    )
    fit_training_length: bool = Field(
        default=True,
        description="conversation windows hold only as many exchanges as fit train.max_seq_length tokens, counted with "
                    "validation.token_counter and the chat template; an exchange longer than that is a window of its own",
    )
    window_history: int = Field(
        default=2, ge=0,
        description="a conversation window after the first starts with up to this many earlier turns (whole exchanges) that fit "
                    "beside it, as context the trainer does not learn again (Example.context_turns); 0: windows start cold",
    )
    max_turns: int = Field(
        default=40, ge=2,
        description="a conversation with more customer + company turns becomes several examples (windows) of at most "
                    "this many turns, each from a customer turn to a company reply; one group, so one split",
    )

    def for_company(self, company_name: str) -> "ExamplesConfig":
        """This config with its system prompt spelled out: the configured one, else PERSONA naming the company."""
        if self.system_prompt is not None:
            return self
        return self.model_copy(update={"system_prompt": PERSONA.format(company=company_name)})
