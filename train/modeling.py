"""Loading the base model on the right device, with or without a LoRA adapter."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch

from train.base_model import file_sha256, loadable, resolve


def pick_device(preference: str = "auto") -> torch.device:
    if preference == "cuda" or (preference == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: bf16 matrix maths in hardware (about 3x the float32 speed measured here)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def autocast_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    """The autocast dtype for forward passes, or None for plain float32.

    "auto": bf16 on CUDA, and on CPUs with native bf16 (float32 master weights either way);
    float32 on other CPUs. "fp32" and "bf16" force one or the other.
    """
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    return torch.bfloat16 if cpu_has_native_bf16() else None


def autocast(device: torch.device, dtype: torch.dtype | None):
    return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


def weights_dtype(amp: torch.dtype | None) -> torch.dtype:
    """The frozen base weights are kept in the compute dtype.

    Under bf16 autocast every matmul runs in bf16 anyway, so a float32 copy of the frozen weights
    only costs memory and a cast per forward pass (peak RSS of the sample run 6.7 -> 4.7 GB; the
    same tokens/s once warm). The LoRA weights stay float32 (peft upcasts adapters on a bf16
    base), so the optimiser still updates float32 master weights.
    """
    return amp or torch.float32


def attention_implementation(device: torch.device, preference: str = "auto") -> str:
    """The attention kernel: "auto" is eager on CPU and SDPA on CUDA.

    On the CPU the fused SDPA kernel is the slower one for short training rows: a LoRA step on the
    sample's rows of at most 256 tokens runs 1.03-1.15x faster with plain matmul attention
    (benchmarks/train_step.py; a 5-epoch run 1.10x), and the losses agree; on a GPU SDPA uses the
    flash / memory-efficient kernels.
    """
    if preference != "auto":
        return preference
    return "sdpa" if device.type == "cuda" else "eager"


def prepare_base(model, device: torch.device, dtype: torch.dtype, attention: str):
    """A loaded base model on its device, in its dtype, with the chosen attention kernel."""
    if hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation(attention)
    return model.to(device, dtype)


def ready_base(spec: str, device: torch.device, amp: torch.dtype | None, attention: str, model=None):
    """The base model (loaded from `spec`, or the given `model`) ready to train or evaluate on `device`."""
    dtype = weights_dtype(amp)
    base = model if model is not None else load_base_model(spec, device, dtype)
    return prepare_base(base, device, dtype, attention_implementation(device, attention))


def decoder_of(model):
    """The decoder stack under a causal LM (and under its peft wrapper), or None for architectures without one."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    return inner.get_decoder() if hasattr(inner, "get_decoder") else None


def load_base_model(spec: str, device: torch.device, dtype: torch.dtype = torch.float32):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(loadable(spec), dtype=dtype).to(device, dtype)


@lru_cache(maxsize=8)
def base_model_identity(spec: str) -> dict:
    """What exactly the adapter was trained on: the spec, and the file hash for local weights."""
    source, gguf_file = resolve(spec)
    identity = {"spec": spec, "source": source, "gguf_file": gguf_file}
    path = Path(source) / gguf_file if gguf_file else Path(source)
    if path.is_file():
        identity["sha256"] = file_sha256(path)
    return identity


def summed_target_loss(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor,
                       *, hidden_states: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(summed cross-entropy per row, target tokens per row) over the positions that have a label.

    The output projection runs only on those positions: with a 49k-token vocabulary the full
    logits tensor would dominate both the compute and the memory of a small model.
    `hidden_states` replaces the token embeddings as the decoder's input (the cached output of
    frozen lower layers, see train/frozen_prefix.py).
    """
    targets = labels[:, 1:]
    mask = targets != -100
    decoder = decoder_of(model)
    head = (model.get_base_model() if hasattr(model, "get_base_model") else model).get_output_embeddings()
    if decoder is not None and head is not None:
        inputs = {"inputs_embeds": hidden_states} if hidden_states is not None else {"input_ids": input_ids}
        hidden = decoder(**inputs, attention_mask=attention_mask, use_cache=False).last_hidden_state[:, :-1]
        logits = head(hidden[mask]).float()
    else:  # an architecture without a separable decoder: compute all logits
        logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits[:, :-1][mask].float()
    losses = torch.nn.functional.cross_entropy(logits, targets[mask], reduction="none")
    rows = torch.arange(targets.size(0), device=targets.device).unsqueeze(1).expand_as(targets)[mask]
    per_row = torch.zeros(targets.size(0), device=losses.device, dtype=losses.dtype).index_add_(0, rows, losses)
    return per_row, mask.sum(dim=1)
