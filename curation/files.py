"""File operations shared by the steps."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def link_or_copy(source: str | Path, destination: str | Path) -> None:
    """A hard link where the file system allows one, else a copy (for files never rewritten in place)."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
