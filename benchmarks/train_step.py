"""Training-step throughput of the LoRA recipe on a published version, with and without the
settings that sessions 3 and 4 changed, measured in one run on the same batches:

    python benchmarks/train_step.py [--version ID] [--batches 16] [--json]

- `session 2`: float32 base weights under bf16 autocast, LoRA dropout 0.05, SDPA attention;
- `dropout 0`: float32 base weights under bf16 autocast, no LoRA dropout, SDPA attention;
- `session 3`: bf16 base weights (kept in the compute dtype), no LoRA dropout, SDPA attention;
- `session 4`: as session 3 with eager (plain matmul) attention, the CPU default since session 4.

Each setting trains the first `--batches` batches of the version's training split twice (the first
pass builds the kernels for each batch shape, the second is timed), with the recipe's own loss.
Tokens per second count real (unpadded) tokens of forward + backward + optimiser step. On a CPU
without native bf16 the autocast settings fall back to float32 and the comparison says little.
"""

from __future__ import annotations

import argparse
import json
import time

from common import REPO, machine, peak_rss_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="latest")
    parser.add_argument("--batches", type=int, default=16)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model

    from curation.config import load_config
    from curation.versions import resolve_version
    from train.base_model import load_tokenizer
    from train.data import batches, encode_examples, read_split
    from train.modeling import autocast, load_base_model, prepare_base, summed_target_loss

    pipeline = load_config(REPO / "pipeline.yaml")
    cfg = pipeline.train
    version_dir = resolve_version(REPO / pipeline.versions_dir, args.version)
    device = torch.device("cpu")
    tokenizer = load_tokenizer(cfg.base_model)
    examples, _ = encode_examples(tokenizer, read_split(version_dir, "train"), max_len=cfg.max_seq_length, overlong=cfg.overlong, kinds=cfg.kinds)
    chosen = batches(examples, cfg.batch_size, tokenizer.pad_token_id, seed=cfg.seed)[: args.batches]
    settings = {"session 2": (torch.float32, 0.05, "sdpa"), "dropout 0": (torch.float32, 0.0, "sdpa"),
                "session 3": (torch.bfloat16, 0.0, "sdpa"), "session 4": (torch.bfloat16, 0.0, "eager")}
    results = {}
    for name, (base_dtype, dropout, attention) in settings.items():
        torch.manual_seed(cfg.seed)
        base = prepare_base(load_base_model(cfg.base_model, device, base_dtype), device, base_dtype, attention)
        model = get_peft_model(base, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=dropout,
                                                target_modules=cfg.target_modules, task_type="CAUSAL_LM"))
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate)
        model.train()
        for timed in (False, True):
            started, tokens = time.perf_counter(), 0
            for batch in chosen:
                with autocast(device, torch.bfloat16):
                    per_row, _ = summed_target_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"])
                (per_row.float().sum() / (batch["labels"] != -100).sum()).backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                tokens += int(batch["attention_mask"].sum())
            if timed:
                seconds = time.perf_counter() - started
                results[name] = {"tokens": tokens, "seconds": round(seconds, 1), "tokens_per_s": round(tokens / seconds, 1)}
        del model, base, optimizer
    baseline = results["session 2"]["tokens_per_s"]
    for row in results.values():
        row["speedup"] = round(row["tokens_per_s"] / baseline, 2)
    report = {"machine": machine(), "version": version_dir.name, "batches": len(chosen), "batch_size": cfg.batch_size,
              "results": results, "peak_rss_mb": round(peak_rss_mb())}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['machine']}; version {report['version']}, {len(chosen)} batches of {cfg.batch_size}")
        for name, row in results.items():
            print(f"  {name:10s} {row['tokens_per_s']:7.1f} tokens/s  ({row['speedup']}x)")


if __name__ == "__main__":
    main()
