"""The ledger: one row per input unit per stage (schemas.LedgerRow), so every unit's fate can be explained.

Every stage writes its rows in this frame shape; curation/outcomes.py reads the final outcome of
each unit across stages (``inputs == kept + dropped + quarantined``).
"""

from __future__ import annotations

import polars as pl

from schemas import LedgerRow

LEDGER_SCHEMA = pl.Schema({name: pl.String for name in LedgerRow.model_fields})
