"""Profile one refresh (steps on one process, then the dashboard) with cProfile.

    .venv/bin/python benchmarks/profile_refresh.py PIPELINE_YAML OUT.prof

Prints one JSON line (steps and total seconds, per-step seconds, the version id) and writes the profile
for `pstats` (`python -c "import pstats; pstats.Stats('OUT.prof').sort_stats('cumulative').print_stats(40)"`).
One process (`workers=1`), so the profile sees every step's work; session 6 profiled a +1% refresh of
the 20k benchmark folder this way (docs/benchmarks.md).
"""

from __future__ import annotations

import cProfile
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from curation import run
    from curation.cli import build_dashboard_for
    from curation.config import load_config

    config_path, out = sys.argv[1], sys.argv[2]
    config = load_config(config_path)
    profile = cProfile.Profile()
    profile.enable()
    start = time.perf_counter()
    result = run.refresh(config, progress=False, workers=1)
    steps = time.perf_counter() - start
    build_dashboard_for(config)
    total = time.perf_counter() - start
    profile.disable()
    profile.dump_stats(out)
    print(json.dumps({"steps_seconds": round(steps, 1), "seconds": round(total, 1), "per_step": result.seconds, "version_id": result.version_id}))


if __name__ == "__main__":
    main()
