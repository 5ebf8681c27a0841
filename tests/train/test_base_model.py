"""The default base model's GGUF file is dequantised once into a cached HF folder, and that folder
loads the very model and tokenizer the GGUF file gives (the real SmolLM2 file, not a stand-in)."""

from __future__ import annotations

import os
import time

import pytest
import torch
from transformers import AutoTokenizer

from train.base_model import convert_gguf, converted_folder, load_tokenizer, smollm2_gguf
from train.modeling import base_model_identity, load_base_model

pytestmark = pytest.mark.slow


def test_the_gguf_file_converts_once_into_a_folder_that_loads_the_same_model(tmp_path, monkeypatch):
    monkeypatch.setenv("SPECIALIST_MODEL_CACHE", str(tmp_path / "models"))
    load_tokenizer.cache_clear()
    gguf = smollm2_gguf()
    # what two killed conversions left: one untouched for two hours (removed), one written a minute ago (kept)
    name = converted_folder(gguf).name
    stale, live = tmp_path / "models" / f".tmp-{name}-old", tmp_path / "models" / f".tmp-{name}-live"
    for staging, age in ((stale, 7200), (live, 60)):
        (staging / "model.safetensors").parent.mkdir(parents=True)
        (staging / "model.safetensors").write_bytes(b"partial")
        for path in (staging / "model.safetensors", staging):
            os.utime(path, (time.time() - age, time.time() - age))

    folder, from_gguf = convert_gguf(gguf)
    assert from_gguf is not None and (folder / "config.json").exists() and list(folder.glob("*.safetensors"))
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == sorted([folder.name, live.name]), "no temporary leftovers but a live one"
    assert gguf.stem in folder.name and base_model_identity("smollm2")["sha256"][:16] in folder.name

    cached = load_base_model("smollm2", torch.device("cpu"))  # reads the folder: nothing converts again
    assert convert_gguf(gguf) == (folder, None)
    theirs, ours = from_gguf.state_dict(), cached.state_dict()
    assert theirs.keys() == ours.keys() and all(torch.equal(theirs[k], ours[k]) for k in theirs)
    assert "quantization_config" not in cached.config.to_dict()

    reference = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tokenizer = load_tokenizer("smollm2")
    messages = [{"role": "system", "content": "You are a support assistant."},
                {"role": "user", "content": "How do I reset my A-45 SuperWidget? Grüße, 日本語も"}]
    ids = tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=True, return_dict=True)["input_ids"]
    assert ids == reference.apply_chat_template(messages, tokenize=True, add_generation_prompt=True, return_dict=True)["input_ids"]
    assert tokenizer.eos_token == reference.eos_token

    with torch.no_grad():
        batch = torch.tensor([ids])
        assert torch.equal(from_gguf(batch).logits, cached(batch).logits)
    # the identity an adapter records is still the GGUF file's, whatever folder the weights were read from
    assert base_model_identity("smollm2")["gguf_file"] == gguf.name
    load_tokenizer.cache_clear()
