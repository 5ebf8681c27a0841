"""The LoRA training recipe, top to bottom: setup model, setup data, train, save.

    adapter = train_adapter(version_dir, TrainConfig())

An adapter's id is a hash of its dataset version and training config: training the same version
with the same config again returns the existing adapter without training (a duplicated trigger is
harmless). Everything is written to a temporary folder first and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import resource
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import torch
from tqdm import tqdm

from curation.faults import fault_point
from curation.shards import code_fingerprint
from train.bare_questions import BareQuestions
from train.base_model import load_tokenizer
from train.config import TrainConfig
from train.data import batches, check_trainable, encode_examples, pack, read_split
from train.evaluate import generate, system_prompt_of
from train.frozen_prefix import FrozenPrefix, decoder_layers
from train.mix import Mix, build_mix
from train.modeling import attention_implementation, autocast, autocast_dtype, base_model_identity, pick_device, ready_base, summed_target_loss
from train.product_names import NameVariation


@dataclass(frozen=True)
class AdapterResult:
    adapter_id: str
    path: Path
    trained: bool  # False when an identical adapter already existed


def adapter_id(dataset_version: str, config: TrainConfig) -> str:
    """The dataset version, the settings that shape the adapter, and the files its training mix is made from."""
    key = f"{dataset_version}|{config.config_hash()}"
    mix = mix_inputs_hash(config)
    return "ad_" + hashlib.sha256((f"{key}|{mix}" if mix else key).encode()).hexdigest()[:14]


def mix_inputs_hash(config: TrainConfig) -> str:
    """What the training mix reads besides the version: the rehearsal prompts (the general prompt file's
    "rehearsal" part; its "heldout" part only evaluates) and the evaluation's out-of-scope questions,
    whose product names the made-up ones must avoid, and the source of the code that mixes them
    (train.mix and what it imports, as the memoised curation steps fingerprint theirs), so a change
    to how the mix is made trains a new adapter instead of reusing one made the old way. Empty when
    neither component is mixed in, so an adapter trained without them keeps its id."""
    from train.general_prompts import load_general_prompts

    inputs = {}
    if config.rehearsal_share and config.general_prompts:
        inputs["rehearsal"] = [[p.id, p.prompt] for p in load_general_prompts("rehearsal", path=config.general_prompts)]
    if config.out_of_scope_share and config.out_of_scope_questions and Path(config.out_of_scope_questions).exists():
        inputs["avoid"] = hashlib.sha256(Path(config.out_of_scope_questions).read_bytes()).hexdigest()
    if not inputs:
        return ""
    inputs["mix_code"] = code_fingerprint("train.mix")
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def adapted_from(n_layers: int | None, lora_layers: int | None) -> int:
    """The index of the lowest adapted decoder layer (0: all of them)."""
    if lora_layers is None:
        return 0
    if n_layers is None:
        raise ValueError("lora_layers needs a model with a decoder layer stack (model.get_decoder().layers)")
    if lora_layers > n_layers:
        raise ValueError(f"lora_layers={lora_layers} but the model has {n_layers} decoder layers")
    return n_layers - lora_layers


def version_products(version_dir: Path) -> list[str]:
    """The product catalog the version was curated with (empty for versions published before it was recorded)."""
    manifest = version_dir / "manifest.json"
    return json.loads(manifest.read_text()).get("products", []) if manifest.exists() else []


def training_mix(version_dir: Path, train_split: pl.DataFrame, trainable_rows: int, config: TrainConfig, products: list[str], tokenizer, model,
                 device, amp, *, in_memory: bool) -> Mix:
    """Rehearsal and out-of-scope rows for this version (train/mix.py); the base model answers the rehearsal
    prompts with the adapter switched off. `train_split`: the whole train split, whose manual text decides which
    topics no manual covers. An in-memory model (tests) has no identity to cache under."""
    manifest = json.loads((version_dir / "manifest.json").read_text()) if (version_dir / "manifest.json").exists() else {}
    manuals = train_split.filter(pl.col("source_kind") == "manual")
    manual_text = "\n".join(m["content"] for messages in manuals["messages"].to_list() for m in messages if m["role"] != "system")

    def answer(chats: list[list[dict]]) -> list[str]:
        model.eval()
        with model.disable_adapter():
            answers = generate(model, tokenizer, chats, max_new_tokens=config.rehearsal_max_new_tokens, batch_size=config.eval_batch_size,
                               device=device, amp=amp)
        model.train()
        return answers

    return build_mix(
        trainable_rows, system=system_prompt_of(version_dir), catalog=products, company=manifest.get("company", ""), manual_text=manual_text,
        rehearsal_share=config.rehearsal_share, out_of_scope_share=config.out_of_scope_share, seed=config.seed, answer=answer,
        cache_dir=None if in_memory else Path(config.rehearsal_cache_dir), base_identity=None if in_memory else base_model_identity(config.base_model),
        max_new_tokens=config.rehearsal_max_new_tokens, general_prompts=config.general_prompts, evaluation_out_of_scope=config.out_of_scope_questions,
        customer_turns=[m["content"] for messages in train_split["messages"].to_list() for m in messages if m["role"] == "user"],
    )


def batch_loss(model, batch: dict, device: torch.device, prefix: FrozenPrefix | None) -> torch.Tensor:
    """Summed loss per row: through the frozen-prefix cache when there is one, else the full model."""
    ids, mask, labels = batch["input_ids"].to(device), batch["attention_mask"].to(device), batch["labels"].to(device)
    hidden = prefix.hidden(batch["example_ids"], ids, mask) if prefix else None
    if hidden is None:
        return summed_target_loss(model, ids, mask, labels)[0]
    with prefix.top_layers_only():
        return summed_target_loss(model, ids, mask, labels, hidden_states=hidden)[0]


@torch.no_grad()
def verify_prefix(model, batch: dict, device: torch.device, amp, prefix: FrozenPrefix | None) -> dict:
    """Compare the loss through the cache with the full model's on one batch; a mismatch disables the cache."""
    if prefix is None:
        return {}
    with autocast(device, amp):
        full, cached = batch_loss(model, batch, device, None), batch_loss(model, batch, device, prefix)
    prefix.clear()
    difference = float((full.float() - cached.float()).abs().max() / full.float().abs().max().clamp_min(1e-6))
    if difference > 1e-3:
        print(f"frozen-prefix cache disabled: its loss differs from the full model's by {difference:.2e} (relative)")
        return {"disabled": True, "relative_difference": difference}
    return {"layers_cached": prefix.split, "relative_difference": difference}


def parameter_groups(model, config: TrainConfig) -> list[dict]:
    """The trainable parameters; with `lora_plus_ratio` the B matrices learn that many times faster (LoRA+)."""
    trainable = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not config.lora_plus_ratio:
        return [{"params": [p for _, p in trainable]}]
    b = [p for name, p in trainable if "lora_B" in name]
    rest = [p for name, p in trainable if "lora_B" not in name]
    return [{"params": rest}, {"params": b, "lr": config.learning_rate * config.lora_plus_ratio}]


@contextmanager
def neftune(model, alpha: float | None):
    """NEFTune (Jain et al., 2023): while training, add uniform noise of magnitude alpha / sqrt(tokens x width) to the input embeddings.

    The same scaling as transformers' `neftune_noise_alpha`; evaluation (module.eval()) sees clean embeddings.
    """
    if not alpha:
        yield
        return

    def add_noise(module, args, output):
        if not module.training:
            return output
        magnitude = alpha / math.sqrt(output.size(1) * output.size(2))
        return output + torch.empty_like(output).uniform_(-magnitude, magnitude)

    handle = model.get_input_embeddings().register_forward_hook(add_noise)
    try:
        yield
    finally:
        handle.remove()


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_adapter(version_dir: Path, config: TrainConfig, *, progress: bool = True, model=None, tokenizer=None) -> AdapterResult:
    """Train (or find) the adapter of this dataset version and config. `model`/`tokenizer` override the base (tests)."""
    from peft import LoraConfig, get_peft_model
    from transformers import get_scheduler

    dataset_version = version_dir.name
    aid = adapter_id(dataset_version, config)
    target = Path(config.adapters_dir) / aid
    if (target / "meta.json").exists():
        return AdapterResult(aid, target, trained=False)

    # 1. setup model
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    amp = autocast_dtype(device, config.precision)
    tokenizer = tokenizer or load_tokenizer(config.base_model)
    base = ready_base(config.base_model, device, amp, config.attention, model)
    if config.gradient_checkpointing:
        base.gradient_checkpointing_enable()
        base.enable_input_require_grads()
    layers = decoder_layers(base)
    split = adapted_from(len(layers) if layers is not None else None, config.lora_layers)
    lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout, target_modules=config.target_modules,
                      layers_to_transform=list(range(split, len(layers))) if split else None, task_type="CAUSAL_LM")
    peft_model = get_peft_model(base, lora)

    # 2. setup data
    frame = train_split = read_split(version_dir, "train")
    if config.max_train_examples:
        frame = frame.sort("id").head(config.max_train_examples)
    examples, stats = encode_examples(tokenizer, frame, max_len=config.max_seq_length, overlong=config.overlong, kinds=config.kinds)
    check_trainable(stats)
    products = version_products(version_dir)
    version_rows = stats.examples
    mix = training_mix(version_dir, train_split, version_rows, config, products, tokenizer, peft_model, device, amp, in_memory=model is not None)
    if mix.rows.height:
        frame = pl.concat([frame, mix.rows], how="diagonal_relaxed")  # mix rows have no history (context_turns null)
        examples, stats = encode_examples(tokenizer, frame, max_len=config.max_seq_length, overlong=config.overlong, kinds=config.kinds)
    bare = BareQuestions(products, rate=config.bare_questions) if config.bare_questions else None
    bare_stats = bare.summary(frame) if bare else None
    if bare_stats and not bare_stats["with_bare_question"]:
        bare = None  # every customer turn is already bare: nothing varies, and the frozen-prefix cache may stay on
    names = NameVariation(products) if config.vary_product_names and products else None
    variations = [v for v in (bare, names) if v is not None]

    def rows_for(epoch: int) -> list:
        """An epoch's training rows: customer turns redrawn when they vary, packed when packing."""
        rows = examples
        if variations:
            varied = frame
            for variation in variations:
                varied = variation.vary(varied, config.seed + epoch)
            rows = encode_examples(tokenizer, varied, max_len=config.max_seq_length, overlong=config.overlong, kinds=config.kinds)[0]
        return pack(rows, config.max_seq_length) if config.packing else rows

    # the frozen layers' output can be cached only when a row's input is the same every epoch
    cache = split and config.cache_frozen_layers and not config.neftune_noise_alpha and not variations
    prefix = FrozenPrefix(peft_model, split, max_mb=config.frozen_cache_max_mb) if cache else None
    first = rows_for(0)
    steps_per_epoch = math.ceil(math.ceil(len(first) / config.batch_size) / config.gradient_accumulation)
    total_steps = config.max_steps or max(1, math.ceil(steps_per_epoch * config.epochs))
    # every epoch's rows are encoded up front: a length-policy error stops the run before training, not midway
    epoch_rows = [first] + [rows_for(epoch) for epoch in range(1, math.ceil(total_steps / steps_per_epoch))] if variations else [first]
    optimizer = torch.optim.AdamW(parameter_groups(peft_model, config), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = get_scheduler(config.lr_scheduler, optimizer, num_warmup_steps=int(config.warmup_ratio * total_steps), num_training_steps=total_steps)

    # 3. train
    peft_model.train()
    prefix_check = verify_prefix(peft_model, batches(first[: config.batch_size], config.batch_size, tokenizer.pad_token_id)[0], device, amp, prefix)
    if prefix_check.get("disabled"):
        prefix = None
    elif split and config.cache_frozen_layers and not cache:
        prefix_check = {"disabled": "a row's input changes every epoch (NEFTune noise, name variation or bare questions)"}
    log: list[dict] = []
    step, epoch, tokens_seen, started = 0, 0, 0, time.perf_counter()
    bar = tqdm(total=total_steps, desc="train", unit="step", disable=not progress, mininterval=5)
    with neftune(peft_model, config.neftune_noise_alpha):
        while step < total_steps:
            rows = epoch_rows[min(epoch, len(epoch_rows) - 1)]
            epoch_batches = batches(rows, config.batch_size, tokenizer.pad_token_id, seed=config.seed + epoch)
            for i in range(0, len(epoch_batches), config.gradient_accumulation):
                group = epoch_batches[i : i + config.gradient_accumulation]
                trainable = sum(int((b["labels"] != -100).sum()) for b in group)
                loss_sum = 0.0
                for batch in group:
                    with autocast(device, amp):
                        per_row = batch_loss(peft_model, batch, device, prefix)
                    loss = per_row.float().sum()
                    (loss / trainable).backward()
                    loss_sum += float(loss.detach())
                    tokens_seen += int(batch["attention_mask"].sum())
                grad_norm = float(torch.nn.utils.clip_grad_norm_(peft_model.parameters(), config.max_grad_norm))
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                entry = {"step": step, "epoch": round(epoch + (i + len(group)) / len(epoch_batches), 3), "loss": round(loss_sum / trainable, 4),
                         "lr": scheduler.get_last_lr()[0], "grad_norm": round(grad_norm, 4), "tokens": tokens_seen,
                         "elapsed_s": round(time.perf_counter() - started, 2)}
                log.append(entry)
                bar.update(1)
                bar.set_postfix(loss=entry["loss"], refresh=False)
                if step >= total_steps:
                    break
            epoch += 1
    bar.close()
    wall = time.perf_counter() - started

    # 4. save (atomically)
    tmp = target.with_name(f".tmp-{aid}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    peft_model.save_pretrained(str(tmp))
    mix.rows.write_parquet(tmp / "mix.parquet")  # the rows the adapter was trained on beyond the version: browsable
    (tmp / "train_config.json").write_text(config.model_dump_json(indent=2) + "\n")
    (tmp / "training_log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log))
    meta = {
        "adapter_id": aid,
        "dataset_version": dataset_version,
        "base_model": base_model_identity(config.base_model) if model is None else {"spec": "in-memory model", "class": type(base).__name__},
        "train_config_hash": config.config_hash(),
        "data": stats.as_dict(),
        "rows": len(first),
        "steps": step,
        "epochs": round(step / steps_per_epoch, 3),
        "wall_time_s": round(wall, 2),
        "time_per_epoch_s": round(wall / max(step / steps_per_epoch, 1e-9), 2),
        "tokens_per_s": round(tokens_seen / wall, 1) if wall else None,
        "final_loss": log[-1]["loss"] if log else None,
        "device": str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""),
        "dtype": str(next(peft_model.parameters()).dtype),
        "autocast": str(amp) if amp else None,
        "attention": attention_implementation(device, config.attention),
        "peak_memory_mb": round(peak_memory_mb(device), 1),
        "product_name_variation": {"products": len(products), "forms": sum(len(f) for f in names.forms.values())} if names else None,
        "mix": {"version_rows": version_rows, **mix.counts, "details": mix.details},
        "bare_questions": bare_stats,
        "adapted_layers": f"{split}-{len(layers) - 1}" if split else "all",
        "frozen_prefix_cache": {**prefix_check, "batches": len(prefix.cache), "mb": round(prefix.megabytes, 1)} if prefix else prefix_check or None,
        "torch": torch.__version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # a concurrent run finished first: keep its adapter
        shutil.rmtree(tmp, ignore_errors=True)
        return AdapterResult(aid, target, trained=False)
    fault_point("adapter:rename")
    os.replace(tmp, target)
    return AdapterResult(aid, target, trained=True)
