"""Frozen-prefix caching: run the layers below the adapter once per example, not once per epoch.

When LoRA adapts only the top `n` decoder layers (`lora_layers`), everything below them is frozen
and depends on the input alone, so its output is the same in every epoch. The recipe computes that
output once (under no_grad, in the first epoch) and from then on runs only the adapted top layers,
forward and backward, starting from the cached hidden states. The result is exact: the top layers
see the very tensor the full model would hand them. It is also checked, not assumed: on the first
batch the loss through the cache is compared with the loss of the full model, and a mismatch (an
architecture that scales or reshapes its input embeddings, say) turns the cache off.

Memory: one hidden-state vector per (padded) token, in the compute dtype; 48k tokens of a 576-wide
model are 55 MB. A cache over `max_mb` is not built.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch

from train.modeling import decoder_of


class _Captured(Exception):
    """Raised by the capture hook to stop the forward pass once the prefix output is in hand."""


def decoder_layers(model) -> torch.nn.ModuleList | None:
    """The decoder's layer stack (Llama, Mistral, Qwen, SmolLM, ...), or None when there is none to split."""
    layers = getattr(decoder_of(model), "layers", None)
    return layers if isinstance(layers, torch.nn.ModuleList) else None


class FrozenPrefix:
    """The cached output of decoder layers [0, split) per batch, and the top-layers-only context."""

    def __init__(self, model, split: int, *, max_mb: float):
        self.model, self.split, self.max_mb = model, split, max_mb
        self.decoder = decoder_of(model)
        self.layers = self.decoder.layers
        self.cache: dict[tuple[str, ...], torch.Tensor] = {}
        self.bytes = 0
        self.full = False  # the bound was reached: batches not cached by then run the full model

    def clear(self) -> None:
        self.cache.clear()
        self.bytes, self.full = 0, False

    @torch.no_grad()
    def _compute(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        captured: list[torch.Tensor] = []

        def hook(module, args, kwargs):
            captured.append(args[0] if args else kwargs["hidden_states"])
            raise _Captured

        handle = self.layers[self.split].register_forward_pre_hook(hook, with_kwargs=True)
        try:
            self.decoder(input_ids=input_ids, attention_mask=attention_mask)
        except _Captured:
            pass
        finally:
            handle.remove()
        return captured[0].detach()

    def hidden(self, key: tuple[str, ...], input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor | None:
        """The prefix output of this batch (computed on first use), or None when it does not fit the bound."""
        if key not in self.cache:
            if self.full:
                return None
            hidden = self._compute(input_ids, attention_mask)
            size = hidden.numel() * hidden.element_size()
            if (self.bytes + size) / 2**20 > self.max_mb:
                self.full = True
                return None
            self.cache[key], self.bytes = hidden, self.bytes + size
        return self.cache[key]

    @contextmanager
    def top_layers_only(self):
        """The decoder runs only layers [split, n) on `inputs_embeds` (the cached prefix output)."""
        self.decoder.layers = torch.nn.ModuleList(list(self.layers)[self.split :])
        try:
            yield
        finally:
            self.decoder.layers = self.layers

    @property
    def megabytes(self) -> float:
        return self.bytes / 2**20
