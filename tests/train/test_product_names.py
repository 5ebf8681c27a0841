from __future__ import annotations

import json
import random
import shutil

import polars as pl
import torch

from train.config import TrainConfig
from train.lora import train_adapter
from train.product_names import NameVariation, name_forms

CATALOG = ["A-45 SuperWidget", "B-12 MiniWidget", "D-90 PowerDock"]


def test_name_forms():
    assert name_forms("D-90 PowerDock") == ["D-90 PowerDock", "PowerDock D-90", "D-90", "PowerDock"]
    assert name_forms("SmartTag E-3") == ["SmartTag E-3", "E-3 SmartTag", "E-3", "SmartTag"]
    assert name_forms("HubStation") == ["HubStation"]  # no model code: nothing to vary
    assert name_forms("X1 X2 Widget") == ["X1 X2 Widget"]  # two codes: ambiguous, left alone


def test_rewrite_keeps_each_mention_on_its_product():
    names = NameVariation(CATALOG)
    text = "My D-90 PowerDock is hot. Is the PowerDock D-90 broken? And my A-45 too. Not the A-450 or XA-45."
    seen = set()
    for seed in range(40):
        out = names.rewrite(text, random.Random(seed))
        assert "A-450" in out and "XA-45" in out  # only whole names are rewritten
        mentions = [names.owner[m.group(0)] for m in names.pattern.finditer(out)]
        assert mentions == ["D-90 PowerDock", "D-90 PowerDock", "A-45 SuperWidget"]  # each mention stays on its product, in order
        seen.add(out)
    assert len(seen) > 10


def test_a_family_name_two_products_share_stays_fixed():
    names = NameVariation(["A-45 SuperWidget", "A-50 SuperWidget"])
    for seed in range(20):
        out = names.rewrite("The SuperWidget A-45 and my SuperWidget", random.Random(seed))
        assert out.endswith("my SuperWidget") and ("A-45" in out)


def test_vary_rewrites_user_turns_only_and_is_deterministic():
    frame = pl.DataFrame({"id": ["e1"], "messages": [[{"role": "user", "content": "How do I reset my D-90 PowerDock?"},
                                                       {"role": "assistant", "content": "To reset the D-90 PowerDock, press the button."}]]})
    names = NameVariation(CATALOG)
    draws = {seed: names.vary(frame, seed)["messages"].to_list()[0] for seed in range(12)}
    assert all(m[1]["content"] == "To reset the D-90 PowerDock, press the button." for m in draws.values())
    assert len({m[0]["content"] for m in draws.values()}) > 1
    assert names.vary(frame, 3)["messages"].to_list()[0] == draws[3]


def test_training_varies_names_from_the_version_catalog(tmp_path, new_tiny_model, tokenizer, version_dir):
    from safetensors.torch import load_file

    weights = {}
    for catalogued in (False, True):
        if catalogued:
            (version_dir / "manifest.json").write_text(json.dumps({"products": ["A-45 SuperWidget", "E-3 SmartTag"]}))
        config = TrainConfig(adapters_dir=str(tmp_path / "adapters"), max_steps=4, epochs=2, batch_size=2, learning_rate=5e-3, device="cpu",
                             precision="fp32", target_modules=["q_proj", "v_proj"], kinds=["conversation", "instruction"],
                             neftune_noise_alpha=None, rehearsal_share=None, out_of_scope_share=None)  # the name variation alone
        result = train_adapter(version_dir, config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
        meta = json.loads((result.path / "meta.json").read_text())
        assert meta["product_name_variation"] == ({"products": 2, "forms": 8} if catalogued else None)
        weights[catalogued] = load_file(result.path / "adapter_model.safetensors")
        if not catalogued:
            shutil.rmtree(result.path)  # same version and config: make the second run train again
    assert any(not torch.allclose(weights[False][k], weights[True][k]) for k in weights[False])
    assert TrainConfig(vary_product_names=False).config_hash() != TrainConfig().config_hash()
