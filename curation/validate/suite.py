"""Great Expectations over the whole dataset (a file-mode context under the run's output folder).

The committed ``gx/`` folder holds the declared suites, checkpoints and validation definitions; each
run works in ``<output_dir>/gx``, seeded from it on first use, so Data Docs (which show excerpts of
the user's text) and GX's runtime files never land in the code folder and a read-only install works.

Expectations marked ``meta={"critical": True}`` must hold: a version that fails one is recorded as
failed and never published. Data Docs are updated once per run, for that run's four results.

The tables hold no user text: the PII patterns are searched once per record by the per-record checks
(cached under the record's hash, :mod:`curation.validate.per_record`), and the examples table carries
their finding (``pii_leftover``: the type whose pattern still matched, else null) for GX to assert
over, so a refresh with 1% new records searches 1% of the texts and Data Docs show no excerpts.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import polars as pl
from pydantic import Field

from curation.base import StepConfig
from curation.clean.pii import PiiConfig, card_network_ok, luhn_ok
from curation.clean.surrogates import not_personal

SEED_GX_DIR = Path(__file__).resolve().parents[2] / "gx"  # the committed suites (absent from a wheel install)
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
PHONE_PATTERN = r"(?:\+\d{1,3}[\s.-]?)?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,5}"
CARD_PATTERN = r"\b(?:\d[ -]?){12,18}\d\b"


class ValidateConfig(StepConfig):
    max_messages: int = 60
    min_chars: int = 10
    max_chars: int = 40_000
    split_tolerance: float = Field(default=0.06, description="allowed absolute deviation of each split's share from its ratio")
    min_examples_per_source: dict[str, int] = Field(default={"email": 1, "manual": 1, "ticket": 1})
    max_tokens: int = Field(default=2048, description="examples longer than this (in tokens) are reported by the export checks")
    tokenizer: str = Field(default="smollm2", description="tokenizer whose chat template counts tokens (base model spec)")
    token_counter: str | None = Field(
        default="train.base_model:chat_token_counter",
        description="module:function(tokenizer spec) -> messages -> token count (curation/validate/tokens.py); null: a chars/4 estimate")
    leakage_threshold: float = Field(default=0.7, description="MinHash Jaccard above which a held-out / train pair is a leak")
    critical_defect_shares: dict[str, float] = Field(
        default={}, description="example-quality defects (curation/validate/quality_report.py) that fail a version past the given share, "
                                "e.g. {echo: 0.0, template_residue: 0.01}; every defect is reported either way")
    max_quarantined_share: float = Field(
        default=0.02, ge=0.0, le=1.0,
        description="records failing a per-record rule (schema, PII leftovers) are quarantined; the version fails only above this share")


@dataclass
class GxReport:
    success: bool
    critical_failures: list[str]
    warnings: list[str]
    statistics: dict
    results: list[dict]
    data_docs: str

    def as_dict(self) -> dict:
        return {"success": self.success, "critical_failures": self.critical_failures, "warnings": self.warnings,
                "statistics": self.statistics, "data_docs": self.data_docs, "results": self.results}


DEFAULT_REGIONS = tuple(PiiConfig().phone_regions)
PII_PATTERNS = {"EMAIL": EMAIL_PATTERN, "CARD": CARD_PATTERN, "PHONE": PHONE_PATTERN}  # a card also matches the phone pattern


def keep_pattern(keep_terms: list[str]) -> re.Pattern | None:
    """The company's own terms (hotline, address...) as one pattern; a space in a term matches any
    run of white space, so a term wrapped across a line break is still the company's."""
    if not keep_terms:
        return None
    escaped = (r"\s+".join(re.escape(word) for word in term.split()) for term in sorted(keep_terms, key=len, reverse=True))
    return re.compile("|".join(escaped))


def text_for_pii(examples: pl.DataFrame, keep_terms: list[str], phone_regions: tuple[str, ...] = DEFAULT_REGIONS) -> pl.DataFrame:
    """id, text (all turns) and text_for_pii: the text without what cannot be anybody's data, so the PII
    patterns flag only what may be: the company's keep terms, reserved values (RFC 2606 addresses,
    numbers reserved for fiction, documentation IPs: what surrogates are made of), and pattern matches the
    redactor's validators reject (a card number failing Luhn or every card network's prefix and length;
    a phone number no numbering plan allows: hex dumps, table columns, timestamps)."""
    keep = keep_pattern(keep_terms)
    content = examples.select("id", text=pl.col("messages").list.eval(pl.element().struct.field("content")).list.join("\n"))

    def scrub(text: str) -> str:
        return _blank_unvalidated(not_personal(keep.sub(" ", text) if keep is not None else text), phone_regions)

    return content.with_columns(text_for_pii=pl.col("text").map_elements(scrub, return_dtype=pl.String))


_CARD_RE, _PHONE_RE = re.compile(CARD_PATTERN), re.compile(PHONE_PATTERN)


def _blank_unvalidated(text: str, regions: tuple[str, ...]) -> str:
    cards, rejected = [], []
    for match in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        (cards if card_network_ok(digits) and luhn_ok(digits) else rejected).append(match.span())
    for match in _PHONE_RE.finditer(text):
        start, end = match.span()
        inside_card = any(s < end and start < e for s, e in cards)  # a card's digit groups look like a phone
        if not inside_card and not _phone_ok(match.group(), regions):
            rejected.append((start, end))
    for start, end in sorted(rejected, reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _phone_ok(raw: str, regions: tuple[str, ...]) -> bool:
    """A valid number in one of the regions; with '+', a possible one anywhere (as the redactor decides)."""
    for region in (None,) if raw.lstrip().startswith("+") else regions:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number) if region is None else phonenumbers.is_valid_number(number):
            return True
    return False


def pii_leftovers(examples: pl.DataFrame, keep_terms: list[str], phone_regions: tuple[str, ...] = DEFAULT_REGIONS) -> dict[str, str]:
    """Example id -> the PII type whose pattern still matches its text (see :func:`text_for_pii`)."""
    return leftovers_in(text_for_pii(examples, keep_terms, phone_regions))


def leftovers_in(content: pl.DataFrame) -> dict[str, str]:
    """:func:`pii_leftovers` of a frame of :func:`text_for_pii` (id, text_for_pii)."""
    hits = content.select("id", *[pl.col("text_for_pii").str.contains(pattern).alias(kind) for kind, pattern in PII_PATTERNS.items()])
    found: dict[str, str] = {}
    for kind in PII_PATTERNS:
        for example_id in hits.filter(pl.col(kind))["id"].to_list():
            found.setdefault(example_id, kind)
    return found


def dataset_tables(examples: pl.DataFrame, ratios: dict[str, float], pii_found: dict[str, str]) -> dict[str, pl.DataFrame]:
    """The tables the suites check: one row per example, per message, per group and per source kind.
    `pii_found`: example id -> the PII type whose pattern still matches its text (:func:`pii_leftovers`;
    the per-record checks keep it)."""
    found = pl.DataFrame({"id": list(pii_found), "pii_leftover": list(pii_found.values())}, schema={"id": pl.String, "pii_leftover": pl.String})
    content = examples.select(
        "id", "kind", "source_kind", "split", "group_key",
        n_messages=pl.col("messages").list.len(),
        n_chars=pl.col("messages").list.eval(pl.element().struct.field("content")).list.join("\n").str.len_chars(),
    ).join(found, on="id", how="left", maintain_order="left")
    for split in ratios:
        content = content.with_columns((pl.col("split") == split).cast(pl.Int8).alias(f"is_{split}"))
    messages = examples.select(pl.col("id").alias("example_id"), "messages").explode("messages").select(
        "example_id", role=pl.col("messages").struct.field("role"), content_chars=pl.col("messages").struct.field("content").str.len_chars()
    )
    groups = examples.group_by("group_key").agg(n_splits=pl.col("split").n_unique())
    sources = pl.DataFrame({"source_kind": ["email", "manual", "ticket"]}).join(
        examples.group_by("source_kind").len(name="n_examples"), on="source_kind", how="left"
    ).with_columns(pl.col("n_examples").fill_null(0))
    return {"examples": content, "messages": messages, "groups": groups, "sources": sources}


# The column that names a row of each table: failed checks report these keys (ids), never row text.
ROW_KEYS = {"examples": "id", "messages": "example_id", "groups": "group_key", "sources": "source_kind"}
EXAMPLE_KEYS_SHOWN = 5


def result_format(table: str) -> dict:
    return {"result_format": "SUMMARY", "unexpected_index_column_names": [ROW_KEYS[table]], "partial_unexpected_count": EXAMPLE_KEYS_SHOWN}


def build_suites(config: ValidateConfig, ratios: dict[str, float]) -> dict[str, list]:
    """Expectations per table, built in code (the committed gx/expectations/*.json are their saved form)."""
    import great_expectations as gx

    E = gx.expectations
    critical = {"critical": True}
    examples = [
        E.ExpectColumnValuesToBeUnique(column="id", meta=critical),
        *[E.ExpectColumnValuesToNotBeNull(column=c, meta=critical) for c in ("id", "kind", "source_kind", "split", "group_key", "n_chars")],
        E.ExpectColumnValuesToBeInSet(column="kind", value_set=["conversation", "instruction", "passage"], meta=critical),
        E.ExpectColumnValuesToBeInSet(column="source_kind", value_set=["email", "manual", "ticket"], meta=critical),
        E.ExpectColumnValuesToBeInSet(column="split", value_set=sorted(ratios), meta=critical),
        E.ExpectColumnValuesToBeBetween(column="n_messages", min_value=1, max_value=config.max_messages, meta=critical),
        E.ExpectColumnValuesToBeBetween(column="n_chars", min_value=config.min_chars, max_value=config.max_chars),
        E.ExpectColumnValuesToBeNull(column="pii_leftover", meta={**critical, "rule": "no e-mail, phone or card pattern left in a kept record"}),
        *[
            E.ExpectColumnMeanToBeBetween(column=f"is_{split}", min_value=max(0.0, ratio - config.split_tolerance),
                                          max_value=min(1.0, ratio + config.split_tolerance), meta={"split_share": split})
            for split, ratio in sorted(ratios.items())
        ],
    ]
    messages = [
        E.ExpectColumnValuesToBeInSet(column="role", value_set=["system", "user", "assistant"], meta=critical),
        E.ExpectColumnValuesToBeBetween(column="content_chars", min_value=1, meta=critical),
    ]
    groups = [E.ExpectColumnValuesToBeBetween(column="n_splits", min_value=1, max_value=1, meta={**critical, "rule": "a group never spans splits"})]
    sources = [
        E.ExpectColumnValuesToBeBetween(column="n_examples", min_value=min(config.min_examples_per_source.values(), default=1), meta=critical),
    ]
    return {"examples": examples, "messages": messages, "groups": groups, "sources": sources}


def seed_project(project_root: Path, seed: Path = SEED_GX_DIR) -> None:
    """Copy the committed GX files (not their uncommitted/ runtime folder) into project_root/gx once.

    Plain byte copies: the copies are writable even when the installed originals are read-only.
    """
    target = project_root / "gx"
    if target.exists() or not seed.is_dir():
        return  # an existing context is kept; without a seed GX scaffolds one and the suites are built from code
    for path in seed.rglob("*"):
        relative = path.relative_to(seed)
        if relative.parts[0] == "uncommitted" or not path.is_file():
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / relative)


def _context(project_root: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project_root.mkdir(parents=True, exist_ok=True)
    seed_project(project_root)
    context = gx.get_context(mode="file", project_root_dir=str(project_root))
    bars = context.variables.progress_bars
    globally = bars.get("globally") if isinstance(bars, dict) else getattr(bars, "globally", None)
    if globally is not False:
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.save()
    return context


def run_suites(tables: dict[str, pl.DataFrame], config: ValidateConfig, ratios: dict[str, float], *, project_root: Path,
               run_name: str = "dataset") -> GxReport:
    """Validate every table with its suite in the file context under project_root; rebuild Data Docs; summarise."""
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    context = _context(project_root)
    source = _get_or_add(lambda: context.data_sources.get("curated_dataset"), lambda: context.data_sources.add_pandas(name="curated_dataset"))
    suites = build_suites(config, ratios)
    results: list[dict] = []
    critical_failures: list[str] = []
    warnings: list[str] = []
    evaluated = successful = 0
    documented: list = []
    for table, expectations in suites.items():
        name = f"specialist_library_{table}"
        suite = _saved_suite(context, name, table, expectations)
        asset = _get_or_add(lambda: source.get_asset(table), lambda: source.add_dataframe_asset(name=table))
        batch_definition = _get_or_add(lambda: asset.get_batch_definition("whole"), lambda: asset.add_batch_definition_whole_dataframe("whole"))
        definition = _get_or_add(
            lambda: context.validation_definitions.get(f"{name}_validation"),
            lambda: context.validation_definitions.add(gx.ValidationDefinition(name=f"{name}_validation", data=batch_definition, suite=suite)),
        )
        checkpoint = _get_or_add(
            lambda: context.checkpoints.get(f"{name}_checkpoint"),
            lambda: context.checkpoints.add(gx.Checkpoint(
                name=f"{name}_checkpoint", validation_definitions=[definition], result_format=result_format(table), actions=[])),
        )
        if checkpoint.result_format != result_format(table) or checkpoint.actions:
            # a context seeded before failures named their rows, or before Data Docs were built once per run
            checkpoint.result_format, checkpoint.actions = result_format(table), []
            checkpoint.save()
        result = checkpoint.run(batch_parameters={"dataframe": tables[table].to_pandas()}, run_id=gx.RunIdentifier(run_name=run_name))
        documented += [*result.run_results, ExpectationSuiteIdentifier(name=name)]
        for run_result in result.run_results.values():
            for item in run_result.results:
                config_ = item.expectation_config
                evaluated += 1
                successful += bool(item.success)
                label = f"{table}.{config_.type}({config_.kwargs.get('column', '')})"
                keys = _unexpected_keys(item.result, ROW_KEYS[table])
                entry = {"table": table, "expectation": config_.type, "kwargs": {k: v for k, v in config_.kwargs.items() if k != "batch_id"},
                         "critical": bool((config_.meta or {}).get("critical")), "success": bool(item.success),
                         "rule": (config_.meta or {}).get("rule") or label, "check": label,
                         "count": item.result.get("unexpected_count"), "examples": keys,
                         "observed": _observed(item.result, with_values=not keys)}
                results.append(entry)
                if not item.success:
                    (critical_failures if entry["critical"] else warnings).append(describe_failure(entry))
    context.build_data_docs(resource_identifiers=documented)  # this run's results and suites, and the index: once, not per table
    docs = context.get_docs_sites_urls()
    data_docs = docs[0]["site_url"] if docs else ""
    return GxReport(
        success=not critical_failures, critical_failures=critical_failures, warnings=warnings,
        statistics={"evaluated": evaluated, "successful": successful, "critical_failed": len(critical_failures), "warnings": len(warnings)},
        results=results, data_docs=data_docs or "",
    )


def _get_or_add(get, add):
    """The saved object when it exists (so committed GX files keep their ids), else a new one."""
    try:
        return get()
    except Exception:  # GX raises a different not-found error per store
        return add()


def _expectation_key(expectation) -> tuple:
    config = expectation.configuration if hasattr(expectation, "configuration") else expectation
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return (config.type, json.dumps(kwargs, sort_keys=True, default=str), json.dumps(config.meta or {}, sort_keys=True, default=str))


def _saved_suite(context, name: str, table: str, expectations: list):
    """The stored suite when it already holds exactly these expectations; else it is replaced."""
    import great_expectations as gx

    try:
        stored = context.suites.get(name)
    except Exception:
        stored = None
    if stored is not None:
        if sorted(map(_expectation_key, stored.expectations)) == sorted(map(_expectation_key, expectations)):
            return stored
        # what points at the old suite goes first: a validation definition whose suite is gone cannot be loaded to be deleted
        for store, suffix in (("checkpoints", "checkpoint"), ("validation_definitions", "validation")):
            try:
                getattr(context, store).delete(f"{name}_{suffix}")
            except Exception:  # GX raises a different not-found error per store
                pass
        context.suites.delete(name)
    return context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations, meta={"table": table}))


def describe_failure(failure: dict) -> str:
    """One readable line: the check, how many rows failed it, and a few of their keys."""
    count = failure.get("count")
    examples = failure.get("examples") or []
    what = f"{count} row(s)" if count is not None else failure.get("observed", "")
    shown = f", e.g. {', '.join(examples)}" if examples else ""
    rule = f" [{failure['rule']}]" if failure.get("rule") and failure["rule"] != failure["check"] else ""
    return f"{failure['check']}{rule}: {what}{shown}"


def _unexpected_keys(result: dict, key: str) -> list[str]:
    """The row keys (ids) of the first failing rows, from GX's (partial_)unexpected_index_list."""
    rows = result.get("partial_unexpected_index_list") or result.get("unexpected_index_list") or []
    return [str(row.get(key)) for row in rows[:EXAMPLE_KEYS_SHOWN] if isinstance(row, dict) and row.get(key) is not None]


def _observed(result: dict, *, with_values: bool = True) -> str:
    """What GX observed; row values (user text) only when no row keys name the failing rows."""
    keys = ("observed_value", "unexpected_count", "unexpected_percent") + (("partial_unexpected_list",) if with_values else ())
    picked = {}
    for key in keys:
        value = result.get(key)
        if value is None:
            continue
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, list):
            if not value:
                continue
            value = [str(v)[:80] for v in value[:3]]
        picked[key] = value
    return json.dumps(picked, default=str)
