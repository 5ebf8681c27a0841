"""Vega-Lite charts built with Altair (rendered in the browser by Vega; no hand-drawn SVG)."""

from __future__ import annotations

import altair as alt
import pandas as pd

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


def histogram(values: list[float], field: str, title: str, *, color_by: list[str] | None = None, bins: int = 30) -> dict:
    frame = pd.DataFrame({field: values or [0], "group": color_by or ["all"] * max(len(values), 1)})
    chart = alt.Chart(frame, title=title).mark_bar(opacity=0.8).encode(
        x=alt.X(f"{field}:Q", bin=alt.Bin(maxbins=bins), title=field), y=alt.Y("count():Q", title="examples"),
        color=alt.Color("group:N", title=""), tooltip=["count()"],
    )
    return _chart(chart)


def funnel(rows: list[dict]) -> dict:
    """Per stage: kept units and removed units by reason."""
    frame = pd.DataFrame(rows or [{"stage": "none", "units": 0, "outcome": "none"}])
    chart = alt.Chart(frame, title="Funnel: input units through the stages").mark_bar().encode(
        y=alt.Y("stage:N", sort=None), x=alt.X("units:Q", stack="zero"), color=alt.Color("outcome:N", title="kept / removed (reason)"),
        tooltip=["stage", "outcome", "units"],
    )
    return _chart(chart)
