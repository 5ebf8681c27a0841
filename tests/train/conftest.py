from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import torch

from curation.versions import write_version_files

SYSTEM = "You are the support assistant of Nordlicht Gadgets."


def _example(i: int, question: str, answer: str, split: str, kind: str = "conversation", source: str = "ticket") -> dict:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    if kind == "passage":
        messages = [{"role": "assistant", "content": answer}]
    return {"id": f"ex_{i:016x}", "messages": messages, "kind": kind, "source_kind": source,
            "source_document_ids": [f"d_{i}"], "group_key": f"g{i}", "split": split}


@pytest.fixture(scope="session")
def tokenizer():
    from train.base_model import load_tokenizer

    return load_tokenizer("smollm2")


@pytest.fixture()
def new_tiny_model(tokenizer):
    """Factory of random two-layer Llamas with SmolLM2's vocabulary: each trains in a second on CPU."""
    from transformers import LlamaConfig, LlamaForCausalLM

    def make():
        torch.manual_seed(0)
        config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=True)
        return LlamaForCausalLM(config)

    return make


@pytest.fixture()
def tiny_model(new_tiny_model):
    return new_tiny_model()


@pytest.fixture()
def version_dir(tmp_path: Path) -> Path:
    rows = [
        _example(1, "How do I reset my A-45 SuperWidget?", "Press and hold the blue button on the back for 10 seconds until the light flashes green.", "train"),
        _example(2, "How do I pair the E-3 SmartTag?", "Open the Nordlicht app, tap Add device and hold the tag next to the hub.", "train", source="email"),
        _example(3, "How do I charge the A-45?", "Use the USB-C cable; the light turns solid green when full.", "train", kind="instruction", source="manual"),
        _example(4, "", "The A-45 SuperWidget is a pocket-sized smart controller.", "train", kind="passage", source="manual"),
        _example(5, "My A-45 froze, what now?", "Press and hold the blue button on the back for 10 seconds until the light flashes green.", "validation"),
        _example(6, "How long does charging take?", "About 2 hours.", "test", kind="instruction", source="manual"),
    ]
    folder = tmp_path / "versions" / "v0000000000000001"
    folder.mkdir(parents=True)
    write_version_files(folder, pl.DataFrame(rows))
    return folder
