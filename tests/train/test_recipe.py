from __future__ import annotations

import json
import math

import polars as pl
import pytest
import torch
from pydantic import ValidationError

from train.config import TrainConfig, load_train_config
from train.evaluate import evaluate_adapter, key_fact_recall, rouge_l
from train.lora import adapter_id, train_adapter
from train.modeling import summed_target_loss


def _config(tmp_path, **kw) -> TrainConfig:
    """The recipe's mechanics on the version alone; the training mix has its own tests (test_mix.py)."""
    kw = {"rehearsal_share": None, "out_of_scope_share": None, **kw}
    return TrainConfig(adapters_dir=str(tmp_path / "adapters"), max_steps=3, batch_size=2, learning_rate=5e-3,
                       target_modules=["q_proj", "v_proj"], kinds=["conversation", "instruction", "passage"], **kw)


def test_config_is_validated(tmp_path):
    with pytest.raises(ValidationError):
        TrainConfig(lora_r=0)
    with pytest.raises(ValidationError):
        TrainConfig(learning_rat=1e-4)
    path = tmp_path / "pipeline.yaml"
    path.write_text("train:\n  epochs: 1\n  unknown_key: 3\n")
    with pytest.raises(ValueError, match="train.unknown_key|unknown_key"):
        load_train_config(path)
    assert TrainConfig(epochs=1).config_hash() != TrainConfig(epochs=2).config_hash()
    assert TrainConfig(adapters_dir="x").config_hash() == TrainConfig(adapters_dir="y").config_hash()


def test_target_loss_matches_full_logits(tiny_model):
    ids = torch.randint(0, 1000, (2, 12))
    labels = ids.clone()
    labels[:, :5] = -100
    labels[1, 8:] = -100
    per_row, counts = summed_target_loss(tiny_model, ids, torch.ones_like(ids), labels)
    full = tiny_model(input_ids=ids, labels=labels).loss
    assert torch.allclose(per_row.sum() / counts.sum(), full, atol=1e-5)
    assert counts.tolist() == [7, 3]


def test_training_is_idempotent_and_records_provenance(tmp_path, new_tiny_model, tokenizer, version_dir):
    config = _config(tmp_path)
    first = train_adapter(version_dir, config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    assert first.trained and first.adapter_id == adapter_id(version_dir.name, config)
    files = {p.name for p in first.path.iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json", "train_config.json", "training_log.jsonl", "meta.json"} <= files
    meta = json.loads((first.path / "meta.json").read_text())
    assert meta["dataset_version"] == version_dir.name and meta["steps"] == 3 and meta["wall_time_s"] > 0
    log = [json.loads(line) for line in (first.path / "training_log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == [1, 2, 3] and all(e["loss"] > 0 for e in log)
    again = train_adapter(version_dir, config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    assert not again.trained and again.path == first.path
    other = train_adapter(version_dir, _config(tmp_path, seed=7), progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    assert other.trained and other.adapter_id != first.adapter_id


def test_eval_report_schema(tmp_path, new_tiny_model, tokenizer, version_dir):
    questions = tmp_path / "heldout.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in [
        {"id": "q1", "product": "A-45 SuperWidget", "topic": "reset", "question": "My A-45 is stuck. How to reset?",
         "reference_answer": "Hold the blue button for 10 seconds.", "key_facts": ["blue button", "10 seconds"]},
        {"id": "q2", "product": "B-12 MiniWidget", "topic": "reset", "question": "How do I wipe the B-12?",
         "reference_answer": "Press the reset hole with a paperclip for 5 seconds.", "key_facts": ["paperclip", "5 seconds"]},
    ]))
    config = _config(tmp_path, heldout_questions=str(questions), eval_split="dev", eval_max_new_tokens=4, eval_general_max_new_tokens=2)
    result = train_adapter(version_dir, config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    report = evaluate_adapter(version_dir, result.path, config, model=new_tiny_model(), tokenizer=tokenizer)
    for model in ("base", "tuned"):
        assert {"loss", "perplexity", "key_fact_recall", "rouge_l", "per_source"} <= set(report[model])
        assert set(report[model]["per_source"]) == {"ticket", "manual"}
    assert report["dataset_version"] == version_dir.name and report["adapter_id"] == result.adapter_id
    assert report["samples"][0]["question"].startswith("My A-45") and "tuned_answer" in report["samples"][0]
    by_product, by_topic = report["recall_by_product"], report["recall_by_topic"]
    assert set(by_product) == {"A-45 SuperWidget", "B-12 MiniWidget"} and by_topic["reset"]["questions"] == 2
    for sample in report["samples"]:
        assert by_product[sample["product"]]["tuned"] == sample["tuned_key_fact_recall"]
    assert by_topic["reset"]["base"] == pytest.approx(report["base"]["key_fact_recall"], abs=1e-3)
    assert {"base_perplexity", "tuned_perplexity", "flagged"} <= set(report["forgetting"])
    markdown = (result.path / "eval_report.md").read_text()
    assert markdown.startswith("# Evaluation of adapter") and "| B-12 MiniWidget | 1 |" in markdown
    assert (version_dir / "evals" / f"{result.adapter_id}.json").exists()


def test_scores():
    assert key_fact_recall("Press the Blue  button for 10 seconds", ["blue button", "10 seconds", "flashes green"]) == pytest.approx(2 / 3)
    assert rouge_l("hold the blue button", "hold the blue button") == 1.0
    assert 0 < rouge_l("press the blue button now", "hold the blue button") < 1
    assert rouge_l("", "x") == 0.0


@pytest.mark.parametrize("precision, base_dtype", [("bf16", torch.bfloat16), ("fp32", torch.float32)])
def test_frozen_base_is_kept_in_the_compute_dtype_and_the_adapter_in_float32(tmp_path, new_tiny_model, tokenizer, version_dir, precision, base_dtype):
    from safetensors.torch import load_file

    model = new_tiny_model()
    result = train_adapter(version_dir, _config(tmp_path, precision=precision, device="cpu"), progress=False, model=model, tokenizer=tokenizer)
    assert model.model.embed_tokens.weight.dtype == base_dtype
    saved = load_file(result.path / "adapter_model.safetensors")
    assert saved and {t.dtype for t in saved.values()} == {torch.float32}
    log = [json.loads(line) for line in (result.path / "training_log.jsonl").read_text().splitlines()]
    assert all(math.isfinite(e["loss"]) and e["loss"] > 0 for e in log)


def test_attention_kernels_agree_and_auto_picks_eager_on_cpu(tmp_path, new_tiny_model, tokenizer, version_dir):
    from train.modeling import attention_implementation, prepare_base

    assert attention_implementation(torch.device("cpu")) == "eager" and attention_implementation(torch.device("cuda")) == "sdpa"
    assert attention_implementation(torch.device("cpu"), "sdpa") == "sdpa"
    ids = torch.randint(0, 1000, (2, 16))
    mask = torch.ones_like(ids)
    mask[1, 12:] = 0  # a padded row
    labels = ids.masked_fill(mask == 0, -100)
    losses = {}
    for kernel in ("eager", "sdpa"):
        model = prepare_base(new_tiny_model(), torch.device("cpu"), torch.float32, kernel)
        assert model.config._attn_implementation == kernel
        losses[kernel] = summed_target_loss(model, ids, mask, labels)[0]
    assert torch.allclose(losses["eager"], losses["sdpa"], atol=1e-4)
    # the kernel is not part of the adapter's identity: it does not change what is learned
    assert TrainConfig(attention="eager").config_hash() == TrainConfig(attention="sdpa").config_hash()
    result = train_adapter(version_dir, _config(tmp_path, device="cpu"), progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    assert json.loads((result.path / "meta.json").read_text())["attention"] == "eager"


def test_frozen_prefix_cache_is_exact(tmp_path, new_tiny_model, tokenizer, version_dir):
    """Adapting only the top layer: training through the cached lower layer learns the same adapter as the full model."""
    from safetensors.torch import load_file

    from train.data import batches, encode_examples, read_split
    from train.frozen_prefix import FrozenPrefix

    model = new_tiny_model()
    examples, _ = encode_examples(tokenizer, read_split(version_dir, "train"), max_len=64, overlong="truncate", kinds=None)
    batch = batches(examples, 2, tokenizer.pad_token_id)[0]
    prefix = FrozenPrefix(model, 1, max_mb=16)
    hidden = prefix.hidden(batch["example_ids"], batch["input_ids"], batch["attention_mask"])
    assert hidden.shape == (*batch["input_ids"].shape, model.config.hidden_size) and prefix.megabytes > 0
    assert prefix.hidden(batch["example_ids"], batch["input_ids"], batch["attention_mask"]) is hidden  # computed once
    tiny = FrozenPrefix(model, 1, max_mb=1e-9)
    assert tiny.hidden(batch["example_ids"], batch["input_ids"], batch["attention_mask"]) is None and tiny.full and not tiny.cache
    full = summed_target_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"])[0]
    with prefix.top_layers_only():
        assert len(model.model.layers) == 1
        top = summed_target_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"], hidden_states=hidden)[0]
    assert len(model.model.layers) == 2
    assert torch.allclose(full, top, rtol=1e-5)

    adapters = {}
    for cache in (True, False):
        config = _config(tmp_path / str(cache), lora_layers=1, cache_frozen_layers=cache, device="cpu", precision="fp32", neftune_noise_alpha=None)
        result = train_adapter(version_dir, config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
        meta = json.loads((result.path / "meta.json").read_text())
        assert meta["adapted_layers"] == "1-1"
        adapters[cache] = load_file(result.path / "adapter_model.safetensors")
        if cache:
            assert meta["frozen_prefix_cache"]["layers_cached"] == 1 and meta["frozen_prefix_cache"]["batches"] >= 1
        else:
            assert meta["frozen_prefix_cache"] is None
    assert adapters[True].keys() == adapters[False].keys() and all(".layers.1." in k for k in adapters[True])
    for key in adapters[True]:
        assert torch.allclose(adapters[True][key], adapters[False][key], atol=1e-5), key
    assert TrainConfig(lora_layers=4).config_hash() != TrainConfig().config_hash()
    assert TrainConfig(cache_frozen_layers=False).config_hash() == TrainConfig().config_hash()
    with pytest.raises(ValueError, match="decoder layers"):
        train_adapter(version_dir, _config(tmp_path, lora_layers=9), progress=False, model=new_tiny_model(), tokenizer=tokenizer)


def test_lora_plus_gives_the_b_matrices_their_own_learning_rate(tmp_path, new_tiny_model):
    from peft import LoraConfig, get_peft_model

    from train.lora import parameter_groups

    model = get_peft_model(new_tiny_model(), LoraConfig(r=4, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    plain = parameter_groups(model, _config(tmp_path, lora_plus_ratio=None))
    assert len(plain) == 1 and {id(p) for p in plain[0]["params"]} == trainable and "lr" not in plain[0]
    rest, b = parameter_groups(model, _config(tmp_path, lora_plus_ratio=16))
    names = {id(p): n for n, p in model.named_parameters()}
    assert b["lr"] == pytest.approx(5e-3 * 16) and "lr" not in rest
    assert b["params"] and all("lora_B" in names[id(p)] for p in b["params"])
    assert rest["params"] and all("lora_A" in names[id(p)] for p in rest["params"])
    assert {id(p) for p in rest["params"] + b["params"]} == trainable
    assert len({TrainConfig(lora_plus_ratio=r).config_hash() for r in (None, 8, 16)}) == 3


def test_neftune_adds_bounded_noise_to_the_embeddings_only_while_training(tiny_model):
    from train.lora import neftune

    ids = torch.randint(0, 1000, (2, 12))
    embed = tiny_model.get_input_embeddings()
    clean = embed(ids)
    tiny_model.train()
    with neftune(tiny_model, 5.0):
        noisy = embed(ids)
        tiny_model.eval()
        assert torch.equal(embed(ids), clean)  # evaluation sees clean embeddings
    bound = 5.0 / math.sqrt(12 * tiny_model.config.hidden_size)
    difference = (noisy - clean).abs()
    assert 0 < difference.max() <= bound and difference.mean() > bound / 4  # uniform on [-bound, bound]: mean |noise| = bound / 2
    tiny_model.train()
    assert torch.equal(embed(ids), clean)  # the hook is gone after the block
    with neftune(tiny_model, None):
        assert torch.equal(embed(ids), clean)


def test_neftune_changes_training_and_turns_the_frozen_prefix_cache_off(tmp_path, new_tiny_model, tokenizer, version_dir):
    from safetensors.torch import load_file

    weights = {}
    for alpha in (None, 5.0):
        config = _config(tmp_path, neftune_noise_alpha=alpha, lora_layers=1, precision="fp32", vary_product_names=False)
        result = train_adapter(version_dir, config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
        meta = json.loads((result.path / "meta.json").read_text())
        assert ("disabled" in (meta["frozen_prefix_cache"] or {})) == (alpha is not None)  # noisy embeddings cannot be cached
        weights[alpha] = load_file(result.path / "adapter_model.safetensors")
    assert any(not torch.allclose(weights[None][k], weights[5.0][k]) for k in weights[None])
    assert len({TrainConfig(neftune_noise_alpha=a).config_hash() for a in (None, 5, 10)}) == 3


def test_bare_questions_are_recorded_and_change_training(tmp_path, new_tiny_model, tokenizer, version_dir):
    from safetensors.torch import load_file

    (version_dir / "manifest.json").write_text(json.dumps({"products": ["A-45 SuperWidget", "E-3 SmartTag"]}))
    train = pl.read_parquet(version_dir / "train.parquet")
    wrapped = "Hello support, I bought an A-45 SuperWidget in May. How do I reset my A-45 SuperWidget? It froze this morning.\n\n- <PERSON>"
    messages = [[{**m, "content": wrapped} if m["role"] == "user" and m["content"].startswith("How do I reset") else m for m in row] for row in train["messages"].to_list()]
    train.with_columns(pl.Series("messages", messages, dtype=train.schema["messages"])).write_parquet(version_dir / "train.parquet")
    plain = dict(vary_product_names=False, bare_questions=None, neftune_noise_alpha=None, precision="fp32")
    weights = {}
    for name, settings in (("plain", plain), ("bare", {**plain, "bare_questions": 1.0})):
        result = train_adapter(version_dir, _config(tmp_path, **settings), progress=False, model=new_tiny_model(), tokenizer=tokenizer)
        meta = json.loads((result.path / "meta.json").read_text())
        weights[name] = load_file(result.path / "adapter_model.safetensors")
    # three customer turns in the training split; the wrapped one is the one a bare question replaces
    assert meta["bare_questions"] == {"customer_turns": 3, "with_bare_question": 1, "rate": 1.0}
    assert any(not torch.allclose(weights["plain"][k], weights["bare"][k]) for k in weights["plain"])
    assert TrainConfig(bare_questions=None).config_hash() != TrainConfig().config_hash()
