"""The base of every step's config: frozen, and unknown keys are an error."""

from pydantic import BaseModel, ConfigDict


class StepConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
