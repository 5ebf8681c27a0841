"""Vega-Lite charts built with Altair (rendered in the browser by Vega; no hand-drawn SVG).

Every chart is drawn from aggregates (counts per category or per bin), so its data has a bounded
number of rows whatever the version's size.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import polars as pl

WIDTH = 520


def _chart(chart: alt.Chart) -> dict:
    return chart.properties(width=WIDTH).to_dict()


def stacked_bars(rows: list[dict], x: str, y: str, color: str, title: str, *, x_title: str | None = None, horizontal: bool = False) -> dict:
    frame = pd.DataFrame(rows or [{x: "none", y: 0, color: "none"}])
    if horizontal:
        encoding = {"y": alt.Y(f"{x}:N", title=x_title or x, sort=None), "x": alt.X(f"{y}:Q", title=y)}
    else:
        encoding = {"x": alt.X(f"{x}:N", title=x_title or x, sort=None), "y": alt.Y(f"{y}:Q", title=y)}
    return _chart(alt.Chart(frame, title=title).mark_bar().encode(**encoding, color=alt.Color(f"{color}:N", title=color), tooltip=[x, color, y]))


def grouped_bars(rows: list[dict], x: str, y: str, group: str, title: str) -> dict:
    frame = pd.DataFrame(rows or [{x: "none", y: 0, group: "none"}])
    chart = alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X(f"{x}:N", sort=None), xOffset=alt.XOffset(f"{group}:N"), y=alt.Y(f"{y}:Q"),
        color=alt.Color(f"{group}:N"), tooltip=[x, group, y],
    )
    return _chart(chart)


def histogram(frame: pl.DataFrame, field: str, group: str, title: str, *, bins: int = 30) -> dict:
    """A histogram of `field` per `group`, binned in polars: the chart gets at most bins x groups rows,
    never one row per example (Altair refuses data past 5,000 rows, and a page must stay small)."""
    return _chart(_binned_bars(binned_counts(frame, field, group, bins=bins), field, title))


def binned_counts(frame: pl.DataFrame, field: str, group: str, *, bins: int = 30) -> pl.DataFrame:
    """Equal-width bins over [min, max] of `field`: one row per (bin, group) with its start, end and count."""
    values = frame.select(pl.col(field).cast(pl.Float64), pl.col(group).cast(pl.String)).drop_nulls()
    if values.is_empty():
        return pl.DataFrame({"start": [0.0], "end": [1.0], group: ["none"], "count": [0]}).rename({group: "group"})
    low, high = values[field].min(), values[field].max()
    width = (high - low) / bins if high > low else 1.0
    return (
        values.with_columns(bin=((pl.col(field) - low) / width).floor().clip(0, bins - 1).cast(pl.Int32))
        .group_by("bin", group).len(name="count")
        .select(start=low + pl.col("bin") * width, end=low + (pl.col("bin") + 1) * width, group=pl.col(group), count="count")
        .sort("start", "group")
    )


def _binned_bars(rows: pl.DataFrame, field: str, title: str) -> alt.Chart:
    return alt.Chart(rows.to_pandas(), title=title).mark_bar(opacity=0.8).encode(
        x=alt.X("start:Q", title=field), x2="end:Q", y=alt.Y("count:Q", title="examples", stack="zero"),
        color=alt.Color("group:N", title=""), tooltip=["group", "start", "end", "count"],
    )


def funnel(rows: list[dict]) -> dict:
    """Per stage: kept units and removed units by reason."""
    frame = pd.DataFrame(rows or [{"stage": "none", "units": 0, "outcome": "none"}])
    chart = alt.Chart(frame, title="Funnel: input units through the stages").mark_bar().encode(
        y=alt.Y("stage:N", sort=None), x=alt.X("units:Q", stack="zero"), color=alt.Color("outcome:N", title="kept / removed (reason)"),
        tooltip=["stage", "outcome", "units"],
    )
    return _chart(chart)
