"""Loading the base model on the right device, with or without a LoRA adapter."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import torch

from train.base_model import resolve


def pick_device(preference: str = "auto") -> torch.device:
    if preference == "cuda" or (preference == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def dtype_for(device: torch.device) -> torch.dtype:
    """bf16 on a GPU that supports it, float32 on CPU: the same code path either way."""
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def load_base_model(spec: str, device: torch.device):
    from transformers import AutoModelForCausalLM

    source, gguf_file = resolve(spec)
    kwargs = {"dtype": dtype_for(device)}
    if gguf_file:
        kwargs["gguf_file"] = gguf_file
    model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    return model.to(device)


@lru_cache(maxsize=8)
def base_model_identity(spec: str) -> dict:
    """What exactly the adapter was trained on: the spec, and the file hash for local weights."""
    source, gguf_file = resolve(spec)
    identity = {"spec": spec, "source": source, "gguf_file": gguf_file}
    path = Path(source) / gguf_file if gguf_file else Path(source)
    if path.is_file():
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        identity["sha256"] = digest.hexdigest()
    return identity
