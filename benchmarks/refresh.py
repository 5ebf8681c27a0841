"""End-to-end refresh: throughput on all cores and on one process, and what a refresh costs when 1% of
the files are new or nothing is (issue 21).

    python benchmarks/refresh.py --units 20000 [--json] [--workers N] [--keep DIR] [--no-single-process]

Generates about N units with `curate sample` (seed 7), then, in one run, each refresh in its own
process (as `curate refresh` runs, dashboard included):

1. a full refresh on all cores (``--workers``, default one per core) in a fresh working folder;
2. the same on one process (``workers: 1``) in another fresh folder: same version id? (``--no-single-process``
   leaves it out: at 1M units it would take about an hour; the JSON then says null for its numbers);
3. +1%: about N/100 new units as new files (a corpus of another seed: its .eml files, its mbox and its
   ticket exports under new names) added to the first folder's sources, refreshed there;
4. nothing new: the same refresh again.

Prints one JSON line: units, units_per_s, single_process_units_per_s, same_version,
incremental_share (+1% seconds / full seconds), unchanged_share, the same two without the dashboard,
peak_rss_mb (the largest sum of the proportional set size of the refresh process and its workers,
sampled every 0.2 s), and per-step seconds of each refresh.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import REPO, machine

import yaml

KINDS = ("emails", "manuals", "tickets")


def run_one(config: Path, workers: int | None) -> dict:
    """One refresh as `curate refresh` does it (steps, then the dashboard); its timings as a dict."""
    from curation import run
    from curation.cli import build_dashboard_for
    from curation.config import load_config

    cfg = load_config(config)
    start = time.perf_counter()
    result = run.refresh(cfg, progress=False, workers=workers)
    steps = time.perf_counter() - start
    clock = time.perf_counter()
    build_dashboard_for(cfg)
    dashboard = time.perf_counter() - clock
    import polars as pl

    ingest = result.stages["ingest"]
    return {
        "version_id": result.version_id, "status": result.status,
        "seconds": round(time.perf_counter() - start, 2), "steps_seconds": round(steps, 2),
        "per_step": {**result.seconds, "dashboard": round(dashboard, 2)},
        "skipped": result.skipped,
        "units": pl.scan_parquet(Path(cfg.output_dir) / "ingest" / "ledger.parquet").select(pl.len()).collect().item(),
        "units_read": sum(row["units"] for row in ingest.values()),
        "files_read": sum(row["files"] for row in ingest.values()),
        "clean_cache": result.stages["clean"].get("cache"),
        "examples_cache": result.stages["examples"].get("cache"),
        "per_record_cache": result.validation.get("per_record"),
    }


def _tree_pss_mb(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        total = 0
        for proc in [root, *root.children(recursive=True)]:
            try:
                info = proc.memory_full_info()
                total += getattr(info, "pss", info.rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total / 2**20
    except psutil.NoSuchProcess:
        return 0.0


def refresh(config: Path, workers: int | None) -> dict:
    """run_one in a subprocess, sampling the memory of its process tree."""
    command = [sys.executable, __file__, "--run-one", str(config)] + (["--workers", str(workers)] if workers else [])
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_pss_mb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"refresh failed ({proc.returncode}):\n{err[-4000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = round(peak[0], 1)
    return result


def workspace(root: Path, corpus: Path, name: str) -> Path:
    """A working folder whose pipeline.yaml reads a copy of the corpus' sources (so new files can be added)."""
    folder = root / name
    raw = folder / "raw"
    if not raw.exists():
        shutil.copytree(corpus / "raw", raw, copy_function=os.link)  # hard links: no second copy on disk
    config = folder / "pipeline.yaml"
    config.write_text(yaml.safe_dump({
        "sources": [f"raw/{kind}" for kind in KINDS],
        "output_dir": "out", "versions_dir": "versions", "reports_dir": "reports", "erasure_register": "erasure.jsonl",
        "split": {"decontaminate_against": [str(corpus / "eval" / "heldout_questions.jsonl")]},
    }))
    return config


def add_new_files(corpus: Path, target: Path) -> int:
    """The e-mails (.eml files and the mbox) and ticket exports of `corpus` added under new names to target's
    sources; returns the bytes added."""
    added = 0
    for path in sorted((corpus / "raw").rglob("*")):
        if not path.is_file() or path.parts[len((corpus / "raw").parts)] == "manuals":
            continue
        rel = path.relative_to(corpus / "raw")
        dest = target / rel.parent / f"new_{rel.name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        added += path.stat().st_size
    return added


def generate(root: Path, units: int, seed: int) -> Path:
    subprocess.run([sys.executable, "-m", "curation.sample", "--out", str(root), "--docs", str(units), "--seed", str(seed)],
                   check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    return root


def too_large(corpus: Path) -> list[str]:
    """The files of a generated corpus that ingest would quarantine whole (over ingest.max_file_mb): a refresh
    of that corpus would measure fewer units than asked for, so the benchmark stops instead."""
    from curation.ingest.config import IngestConfig

    limit = IngestConfig().max_file_mb * 2**20
    return [f"{p.relative_to(corpus / 'raw')} ({p.stat().st_size / 2**20:.0f} MiB)"
            for p in sorted((corpus / "raw").rglob("*")) if p.is_file() and p.stat().st_size > limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=None, help="processes of the all-cores runs (default: one per core)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--no-single-process", action="store_true", help="leave out the one-process refresh (step 2)")
    parser.add_argument("--run-one", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(run_one(args.run_one, args.workers)))
        return
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    root.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    corpus = generate(root / "corpus", args.units, seed=7)
    extra = generate(root / "corpus-new", max(1, args.units // 100), seed=8)
    generate_s = time.perf_counter() - clock
    if large := too_large(corpus):
        from curation.ingest.config import IngestConfig

        raise SystemExit(f"the generated corpus has files over ingest.max_file_mb ({IngestConfig().max_file_mb:g} MiB): {', '.join(large)}; "
                         "ingest would quarantine each whole, so a refresh would measure fewer units than --units asks for")

    full = refresh(workspace(root, corpus, "all-cores"), args.workers)
    single = None if args.no_single_process else refresh(workspace(root, corpus, "one-process"), 1)
    added = add_new_files(extra, root / "all-cores" / "raw")
    grown = refresh(root / "all-cores" / "pipeline.yaml", args.workers)
    unchanged = refresh(root / "all-cores" / "pipeline.yaml", args.workers)

    units = full["units"]
    result = {
        "benchmark": "refresh",
        "units_requested": args.units,
        "units": units,
        "workers": args.workers or os.cpu_count(),
        "seconds": full["seconds"],
        "units_per_s": round(units / full["seconds"], 1),
        "single_process_seconds": single and single["seconds"],
        "single_process_units_per_s": single and round(units / single["seconds"], 1),
        "same_version": single and full["version_id"] == single["version_id"],
        "version_id": full["version_id"],
        "new_units": grown["units"] - units, "new_units_read": grown["units_read"], "new_bytes": added,
        "incremental_seconds": grown["seconds"],
        "incremental_share": round(grown["seconds"] / full["seconds"], 4),
        "unchanged_seconds": unchanged["seconds"],
        "unchanged_share": round(unchanged["seconds"] / full["seconds"], 4),
        "incremental_share_without_dashboard": round(grown["steps_seconds"] / full["steps_seconds"], 4),
        "unchanged_share_without_dashboard": round(unchanged["steps_seconds"] / full["steps_seconds"], 4),
        "unchanged_status": unchanged["status"], "unchanged_same_version": unchanged["version_id"] == grown["version_id"],
        "peak_rss_mb": full["peak_rss_mb"],
        "single_process_peak_rss_mb": single and single["peak_rss_mb"],
        "per_step": {"full": full["per_step"], "single_process": single and single["per_step"], "plus_1pct": grown["per_step"],
                     "unchanged": unchanged["per_step"]},
        "skipped": {"plus_1pct": grown["skipped"], "unchanged": unchanged["skipped"]},
        "caches": {name: {k: r[k] for k in ("clean_cache", "examples_cache", "per_record_cache")}
                   for name, r in (("full", full), ("plus_1pct", grown), ("unchanged", unchanged))},
        "generate_seconds": round(generate_s, 1),
        "machine": machine(),
    }
    print(json.dumps(result, indent=None if args.json else 2))
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
