"""The training recipe's configuration: the model is the shared contract in schemas/training.py."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from schemas.training import TrainConfig

__all__ = ["TrainConfig", "load_train_config"]


def load_train_config(path: str | Path | None) -> TrainConfig:
    if path is None:
        return TrainConfig()
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    raw = raw.get("train", raw)  # a pipeline.yaml with a `train:` section works too
    try:
        return TrainConfig.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise ValueError(f"{path}: {problems}") from err
