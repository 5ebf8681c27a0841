"""The inspection pages of a version: its examples and its dropped / quarantined units, paged.

A browser is one static page (templates/browse.html, run by static/browse.js) and a folder of data
files beside it: `index.js` (the facets, and per combination of facet values its item count and
page count) and `GGGG-PPPPP.js`, page PPPPP of combination GGGG, at most `page_size` items each.
The data files are scripts calling `__browsePage(name, items)`, loaded by <script src> on demand,
because Chromium blocks fetch() of local files under file://; `curate dashboard` serves the same
files. A version of a million units gives about 5,000 files of 200 items: never a file per unit,
never one file of all of them. Texts are cut at MAX_CHARS, lineages at MAX_LINEAGE_LINES.

Texts are JSON data in those files; browse.js shows them through textContent only, so no HTML in an
email or a ticket is ever parsed. The quality flags are validation's example-quality defects, as
validation recorded them per example (the version's example_flags.parquet; a version published before
that file existed has them computed again, about 0.3 ms an example).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl

from curation.lineage import explain, scan_ledgers
from curation.versions import SPLITS

PAGE_SIZE = 200
MAX_CHARS = 4000  # per message or text; the parquet files hold the rest
MAX_LINEAGE_LINES = 40
LINEAGE_CHUNK = 50_000  # ids explained per pass over the ledger: bounds the memory of a big version's lineage
FORMAT = 1  # of the data files: a version never changes, so a folder stamped with this format and page size is not rewritten
NO_FLAG = "none"
# facet name -> its value(s) per item (a list: the item counts under each value)
EXAMPLE_FACETS = {"source": pl.col("source"), "kind": pl.col("kind"), "split": pl.col("split"),
                  "flag": pl.when(pl.col("flags").list.len() > 0).then(pl.col("flags")).otherwise(pl.lit([NO_FLAG]))}
DROPPED_FACETS = {"outcome": pl.col("outcome"), "reason": pl.col("reason"), "stage": pl.col("stage"), "source": pl.col("source")}


def _cut(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.len_chars() > MAX_CHARS).then(expr.str.slice(0, MAX_CHARS) + " […]").otherwise(expr)


def _with_lineage(items: pl.DataFrame, ledger: pl.LazyFrame | None, key: str) -> pl.DataFrame:
    """Add `lineage_source`, `lineage` (the first MAX_LINEAGE_LINES lines of `curate explain <key>`) and `lineage_more`."""
    if ledger is None:
        return items.with_columns(lineage_source=pl.lit(None, pl.String), lineage=pl.lit([], pl.List(pl.String)), lineage_more=pl.lit(0))
    ids = items[key].unique()
    found = pl.concat([explain(ledger, ids.slice(start, LINEAGE_CHUNK)) for start in range(0, max(ids.len(), 1), LINEAGE_CHUNK)])
    found = found.select(
        pl.col("id").alias(key), pl.col("source").alias("lineage_source"), pl.col("lines").list.head(MAX_LINEAGE_LINES).alias("lineage"),
        (pl.col("lines").list.len().cast(pl.Int64) - MAX_LINEAGE_LINES).clip(0).alias("lineage_more"))
    return items.join(found, on=key, how="left", maintain_order="left")


def _train_window(version_dir: Path) -> int | None:
    """train.max_seq_length as validation recorded it (the quality report's `cut_by_window`)."""
    path = version_dir / "validation.json"
    export = json.loads(path.read_text()).get("export", {}) if path.exists() else {}
    return next((check["train_max_seq_length"] for check in export.values() if check.get("train_max_seq_length")), None)


def example_items(version_dir: Path) -> pl.DataFrame:
    """Every published example with its tokens, quality flags (validation's example-quality defects) and lineage."""
    examples = pl.concat([pl.read_parquet(p) for s in SPLITS if (p := version_dir / f"{s}.parquet").exists()], how="diagonal_relaxed")
    tokens = pl.read_parquet(version_dir / "token_counts.parquet") if (version_dir / "token_counts.parquet").exists() else None
    if (version_dir / "example_flags.parquet").exists():
        flags = pl.read_parquet(version_dir / "example_flags.parquet").select("id", flags="defects").unique("id")
    else:  # a version published before validation kept its flags: the same checks, once more
        from curation.validate.quality_report import example_flags

        window = _train_window(version_dir)
        flags = example_flags(examples, tokens if window else None, window or 0).select("id", flags="defects")
    msg = pl.element()
    items = examples.join(flags, on="id", how="left", maintain_order="left").select(
        "id", pl.col("source_kind").alias("source"), "kind", "split", "language", "template", "group_key",
        pl.col("source_document_ids").alias("documents"), pl.col("flags").fill_null([]),
        pl.col("messages").list.eval(pl.struct(role=msg.struct.field("role"), content=_cut(msg.struct.field("content")))),
    )
    if tokens is not None:
        items = items.join(tokens.select("id", "tokens").unique("id"), on="id", how="left", maintain_order="left")
    return _with_lineage(items.sort("group_key", "id"), scan_ledgers(version_dir), "id")


def _dedup_texts(version_dir: Path, ids: set[str]) -> dict[str, str]:
    """The texts dedup compared (non-system turns), for the given example ids: the version's
    signatures.parquet/texts-NNNNN.arrow, row for row with part-NNNNN.parquet, memory-mapped."""
    import pyarrow as pa

    found: dict[str, str] = {}
    folder = version_dir / "signatures.parquet"
    for part in sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []:
        store = part.with_name(part.name.replace("part-", "texts-")).with_suffix(".arrow")
        missing = pl.Series(sorted(ids - found.keys()), dtype=pl.String)
        if not store.exists() or missing.is_empty():
            continue
        rows = pl.read_parquet(part, columns=["id"]).with_row_index("row").filter(pl.col("id").is_in(missing.implode())).unique("id")
        if rows.height:
            with pa.memory_map(str(store)) as source:
                texts = pa.ipc.open_file(source).read_all().column("text").take(rows["row"].to_arrow())
            found.update(zip(rows["id"].to_list(), texts.to_pylist(), strict=True))
    return found


def dropped_items(version_dir: Path) -> pl.DataFrame:
    """Every dropped or quarantined ledger row with its lineage; a dedup drop with the example it
    dropped beside its survivor (clusters.parquet, and their texts from dedup's text store)."""
    ledger = scan_ledgers(version_dir)
    if ledger is None:
        return pl.DataFrame()
    rows = (
        ledger.filter(pl.col("outcome") != "kept").with_row_index("_row").collect()
        .with_columns(pl.col("source_kind").alias("source"),
                      survivor=pl.col("detail").str.extract(r"survivor=(\S+)"),
                      similarity=pl.col("detail").str.extract(r"similarity=([0-9.]+)").cast(pl.Float64, strict=False))
    )
    clusters_path = version_dir / "clusters.parquet"
    if clusters_path.exists():
        members = (
            pl.read_parquet(clusters_path).filter(pl.col("duplicate") != "survivor")
            .explode("source_document_ids")
            .select(pl.col("source_document_ids").alias("unit_id"), pl.col("survivor_id").alias("survivor"), pl.col("example_id").alias("dropped_example"))
            .unique(["unit_id", "survivor"], keep="first", maintain_order=True)
        )
        rows = rows.join(members, on=["unit_id", "survivor"], how="left", maintain_order="left")
    else:
        rows = rows.with_columns(dropped_example=pl.lit(None, pl.String))
    texts = _dedup_texts(version_dir, set(rows["survivor"].drop_nulls()) | set(rows["dropped_example"].drop_nulls()))
    text = pl.DataFrame({"id": list(texts), "text": list(texts.values())}, schema={"id": pl.String, "text": pl.String})
    text = text.with_columns(_cut(pl.col("text")))
    rows = (
        rows.join(text.rename({"id": "dropped_example", "text": "dropped_text"}), on="dropped_example", how="left", maintain_order="left")
        .join(text.rename({"id": "survivor", "text": "survivor_text"}), on="survivor", how="left", maintain_order="left")
    )
    items = rows.sort("unit_id", "_row").select(
        "unit_id", "stage", "outcome", "reason", "detail", "source", "path", "locator", "record_id",
        "dropped_example", "dropped_text", "survivor", "survivor_text", "similarity")
    return _with_lineage(items, ledger, "unit_id")


def write_pages(items: pl.DataFrame, facets: dict[str, pl.Expr], folder: Path, page_size: int) -> dict:
    """Write `items` (in display order) as page files, one run of pages per combination of facet
    values; returns the index: the facets' values, and per combination its values, items and pages."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    groups = []
    if items.height:
        keyed = items.with_columns(**{f"_{facet}": expr for facet, expr in facets.items()})
        keyed = keyed.with_columns(pl.col(f"_{f}") if isinstance(keyed.schema[f"_{f}"], pl.List) else pl.concat_list(f"_{f}") for f in facets)
        keyed = keyed.with_columns(pl.col(f"_{f}").list.eval(pl.element().fill_null("")) for f in facets)
        keyed = keyed.with_columns(_group=pl.concat_str([pl.col(f"_{f}").list.join("+") for f in facets], separator="|"))
        for number, group in enumerate(keyed.sort("_group", maintain_order=True).partition_by("_group", maintain_order=True)):
            rows = group.select(items.columns)
            for page, start in enumerate(range(0, group.height, page_size), start=1):
                name = f"{number:04d}-{page:05d}"
                data = rows.slice(start, page_size).write_json()  # an array of row objects, UTF-8 as is
                (folder / f"{name}.js").write_text(f"__browsePage({json.dumps(name)},{data});\n", encoding="utf-8")
            groups.append({"id": f"{number:04d}", "values": {f: group[f"_{f}"][0].to_list() for f in facets},
                           "count": group.height, "pages": -(-group.height // page_size)})
    return {"page_size": page_size, "total": items.height, "facets": list(facets),
            "values": {f: sorted({v for g in groups for v in g["values"][f]}) for f in facets}, "groups": groups}


def write_browsers(version_dir: Path, target: Path, page_size: int = PAGE_SIZE) -> dict:
    """Write target/examples/ and target/dropped/ (index.js and page files) for one version, unless
    they are there already for this version, FORMAT and page size; returns {"examples": n, "dropped": n}."""
    stamp = target / "browse.json"
    manifest = json.loads((version_dir / "manifest.json").read_text()) if (version_dir / "manifest.json").exists() else {}
    wanted = {"format": FORMAT, "page_size": page_size, "version": version_dir.name, "created_at": manifest.get("created_at")}
    if stamp.exists() and (known := json.loads(stamp.read_text())) | wanted == known:
        return {"examples": known["examples"], "dropped": known["dropped"]}
    counts = {}
    for name, items, facets in (("examples", example_items(version_dir), EXAMPLE_FACETS), ("dropped", dropped_items(version_dir), DROPPED_FACETS)):
        index = write_pages(items, facets, target / name, page_size)
        index |= {"kind": name, "folder": name, "version": version_dir.name}
        (target / name / "index.js").write_text(f"window.__browseIndex = {json.dumps(index, ensure_ascii=False)};\n", encoding="utf-8")
        counts[name] = index["total"]
    stamp.write_text(json.dumps(wanted | counts) + "\n")
    return counts
