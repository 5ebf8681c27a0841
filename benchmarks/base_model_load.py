"""How long loading the default base model takes: from its GGUF file (transformers dequantises it on every
load: the baseline) against the cached HF folder it is converted to once (train/base_model.py).

    .venv/bin/python benchmarks/base_model_load.py [--repeats 3]

Prints one JSON line: seconds per load of the model and of the tokenizer each way (median of the repeats),
the one-time conversion, and whether both ways give equal weights. The conversion goes to a temporary
cache, so the user's cache is neither used nor changed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(load, repeats: int) -> tuple[float, object]:
    seconds, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = load()
        seconds.append(time.perf_counter() - started)
    return round(statistics.median(seconds), 3), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from train.base_model import convert_gguf, smollm2_gguf

    gguf = smollm2_gguf()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SPECIALIST_MODEL_CACHE"] = cache
        started = time.perf_counter()
        folder, _ = convert_gguf(gguf)
        conversion = round(time.perf_counter() - started, 3)
        gguf_model_s, from_gguf = _timed(
            lambda: AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32), args.repeats)
        folder_model_s, from_folder = _timed(lambda: AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32), args.repeats)
        gguf_tokenizer_s, _ = _timed(lambda: AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name), args.repeats)
        folder_tokenizer_s, _ = _timed(lambda: AutoTokenizer.from_pretrained(folder), args.repeats)
        theirs, ours = from_gguf.state_dict(), from_folder.state_dict()
        print(json.dumps({
            "gguf_file": gguf.name, "repeats": args.repeats, "torch_threads": torch.get_num_threads(),
            "conversion_s": conversion, "folder_mb": round(sum(p.stat().st_size for p in folder.iterdir()) / 2**20, 1),
            "model_from_gguf_s": gguf_model_s, "model_from_folder_s": folder_model_s,
            "tokenizer_from_gguf_s": gguf_tokenizer_s, "tokenizer_from_folder_s": folder_tokenizer_s,
            "equal_weights": theirs.keys() == ours.keys() and all(torch.equal(theirs[k], ours[k]) for k in theirs),
        }))


if __name__ == "__main__":
    main()
