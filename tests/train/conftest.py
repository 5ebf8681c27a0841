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


SECTIONS = [  # (document id, manual, heading path, page, text): as curation/examples/build.py writes manual sections
    ("d_a45_reset", "A-45 SuperWidget User Manual", "Resetting the SuperWidget", 12,
     "To reset the A-45 SuperWidget, press and hold the blue button on the back for 10 seconds until the light flashes green."),
    ("d_a45_charging", "A-45 SuperWidget User Manual", "Charging the battery", 8,
     "Charge the A-45 SuperWidget with the supplied USB-C cable. A full charge takes about 2 hours; the light is solid amber while charging."),
    ("d_a45_contact", "A-45 SuperWidget User Manual", "Disposal and contact", 16,
     "Nordlicht Gadgets Support: support@nordlicht.example, +49 30 555 0100, Monday to Friday 9:00-17:00."),
    ("d_b12_reset", "B-12 MiniWidget User Manual", "B-12 MiniWidget User Manual > Resetting the MiniWidget", None,
     "To reset the B-12 MiniWidget, insert a paperclip into the small hole next to the USB-C port and hold it for 5 seconds until the light blinks white three times."),
    ("d_b12_battery", "B-12 MiniWidget User Manual", "B-12 MiniWidget User Manual > Replacing the battery", None,
     "The B-12 MiniWidget uses a replaceable CR2450 coin cell that lasts about 12 months. Twist the back cover counter-clockwise to open it."),
]


def _where(heading: str, page: int | None, manual: str) -> str:
    return f"page {page}" if page else f'section "{heading or manual}"'


def manual_rows(start: int = 100) -> list[dict]:
    """A passage and an instruction example per section (the instruction of the first is left out:
    a section is found from whichever of the two the version kept)."""
    rows = []
    for n, (doc_id, manual, heading, page, text) in enumerate(SECTIONS):
        where = _where(heading, page, manual)
        passage = [{"role": "assistant", "content": f"{manual} — {heading} ({where})\n\n{text}"}]
        rows.append({"id": f"ex_{start + 2 * n:016x}", "messages": passage, "kind": "passage", "source_kind": "manual",
                     "source_document_ids": [doc_id], "group_key": f"manual:{manual}", "split": "train" if n % 2 else "test"})
        if n:
            answer = f"{text}\n\n(Source: {manual}, {where}.)"
            instruction = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"What does the {manual} say about {heading}?"},
                           {"role": "assistant", "content": answer}]
            rows.append({"id": f"ex_{start + 2 * n + 1:016x}", "messages": instruction, "kind": "instruction", "source_kind": "manual",
                         "source_document_ids": [doc_id], "group_key": f"manual:{manual}", "split": "validation" if n == 3 else "train"})
    return rows


@pytest.fixture()
def manual_version_dir(tmp_path: Path) -> Path:
    """A version whose examples include manual sections in all three splits, with a manifest naming the products."""
    rows = [
        _example(1, "How do I reset my A-45 SuperWidget?", "Press and hold the blue button on the back for 10 seconds until the light flashes green.", "train"),
        _example(2, "How do I pair the E-3 SmartTag?", "Open the Nordlicht app, tap Add tag and press the button once.", "train", source="email"),
        _example(5, "My A-45 froze, what now?", "Press and hold the blue button on the back for 10 seconds until the light flashes green.", "validation"),
        _example(6, "How long does charging take?", "About 2 hours.", "test"),
        *manual_rows(),
    ]
    folder = tmp_path / "versions" / "v0000000000000002"
    folder.mkdir(parents=True)
    write_version_files(folder, pl.DataFrame(rows))
    (folder / "manifest.json").write_text('{"products": ["A-45 SuperWidget", "B-12 MiniWidget", "E-3 SmartTag"]}')
    return folder
