"""PII redaction against the sample corpus's planted PII: precision / recall per type, throughput.

    python benchmarks/pii.py [--sample data/sample] [--docs N] [--corpora ../shared/corpora] [--json]

The sample's ``ground_truth.json`` lists every planted PII value per unit (``{"unit": {source_kind,
path, locator}, "type", "value", "fields"}``); the company's own addresses, phone numbers, agent names
and product names are NOT PII there. The benchmark ingests ``raw/`` with the real readers, redacts
every text of a unit (title, text; tickets also resolution and comment bodies) with the names the
unit's metadata knows (customer side only, :func:`names_from_meta`) and the company facts as keep
lists, then scores:

- recall: a planted value counts as found when every occurrence of it in the unit's texts is covered
  by spans of the same type, so it is gone from the redacted text (values that occur only in headers
  or metadata columns are not in any text and are not counted);
- precision: a span is correct when it overlaps an occurrence of a planted value of its type in the
  same unit (a lone surname of a planted full name counts as that person);
- throughput: documents per second through :func:`redact` alone (ingest not counted), and the
  latency of one 200-word text that holds no PII.

Without ``--sample`` (or when the folder has no ground truth) the corpus is generated into a temporary
folder with ``curation.sample.generator`` (seed 7; ``--docs`` scales it). PHONE is scored under both
libphonenumber leniencies (VALID is the default). ``--corpora`` also redacts real third-party corpora
that have no ground truth and compares the span counts of the two leniencies there, listing spans that
only POSSIBLE takes for review.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from curation.clean.pii import PII_TYPES, PiiConfig, Redaction, names_from_meta, redact  # noqa: E402
from curation.ingest import ingest  # noqa: E402
from schemas.frames import read_documents  # noqa: E402
from schemas import Document  # noqa: E402

SCORED_TYPES = [t for t in PII_TYPES if t != "IP"]  # the sample plants no IP addresses; IP spans still count as FPs
TARGET_RECALL = {"EMAIL": 0.99, "PHONE": 0.99, "CARD": 0.99, "IBAN": 0.99, "PERSON": 0.90, "ADDRESS": 0.90}
TARGET_PRECISION = 0.95


def unit_texts(doc: Document) -> list[tuple[str, str]]:
    texts = [("title", doc.title), ("text", doc.text)]
    if doc.meta.kind == "ticket":
        texts.append(("resolution", doc.meta.resolution))
        texts.extend((f"comments[{i}].body", c.body) for i, c in enumerate(doc.meta.comments))
    return [(name, text) for name, text in texts if text]


def config_for(company: dict, leniency: str = "valid") -> PiiConfig:
    # the postal address also appears in parts ("Musterstraße 1 · 10115 Berlin"): keep its street part too
    address_parts = [part.strip() for part in company["postal_address"].split(",") if part.strip()]
    keep_terms = [company["name"], company["legal_name"], company["support_phone"], company["postal_address"],
                  address_parts[0], company["app"], *(agent["name"] for agent in company["agents"])]
    return PiiConfig(
        phone_leniency=leniency,
        keep_addresses=[company["support_address"], *(f"@{d}" for d in company["domains"])],
        keep_terms=[*keep_terms, *company["products"]],
    )


def _occurrences(text: str, kind: str, value: str) -> list[tuple[int, int]]:
    if kind == "PERSON":
        return [m.span() for m in re.finditer(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text)]
    return [m.span() for m in re.finditer(re.escape(value), text)]


def _covered(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    covered = [False] * (end - start)
    for s, e in spans:
        for i in range(max(s, start), min(e, end)):
            covered[i - start] = True
    return all(covered)


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    return (text[max(0, start - width) : start] + "[[" + text[start:end] + "]]" + text[end : end + width]).replace("\n", "⏎")


def evaluate(docs: list[Document], planted: dict[tuple, list[tuple[str, str]]], company: dict, leniency: str) -> dict:
    config = config_for(company, leniency)
    staff = company["domains"]
    found: Counter = Counter()
    present: Counter = Counter()
    span_total: Counter = Counter()
    span_correct: Counter = Counter()
    misses: list[dict] = []
    false_positives: list[dict] = []
    seconds = 0.0
    texts_done = 0
    for doc in docs:
        key = (doc.source.source_kind, doc.source.path, doc.source.locator)
        unit_pii = planted.get(key, [])
        surnames = {tok for kind, value in unit_pii if kind == "PERSON" for tok in value.split()[1:] if len(tok) >= 3}
        names = names_from_meta(doc.meta, staff_domains=staff)
        status: dict[tuple[str, str], list[bool]] = defaultdict(list)
        for field, text in unit_texts(doc):
            t0 = time.perf_counter()
            result: Redaction = redact(text, config, known_names=names)
            seconds += time.perf_counter() - t0
            texts_done += 1
            by_type: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for kind, start, end, _ in result.spans:
                by_type[kind].append((start, end))
            occurrences = {(k, v): _occurrences(text, k, v) for k, v in unit_pii}
            for (kind, value), occ in occurrences.items():
                for start, end in occ:
                    status[(kind, value)].append(_covered(start, end, by_type[kind]))
                if occ and not all(status[(kind, value)][-len(occ) :]):
                    start, end = next(o for o in occ if not _covered(*o, by_type[kind]))
                    got = [s for s in result.spans if s[1] < end and start < s[2]]
                    misses.append({"type": kind, "value": value, "unit": key, "field": field,
                                   "context": _context(text, start, end), "got": [(s[0], s[3]) for s in got]})
            for kind, start, end, original in result.spans:
                span_total[kind] += 1
                ok = any(k == kind and any(s < end and start < e for s, e in occ) for (k, _), occ in occurrences.items())
                if not ok and kind == "PERSON" and original in surnames:
                    ok = True
                if ok:
                    span_correct[kind] += 1
                else:
                    false_positives.append({"type": kind, "value": original, "unit": key, "field": field,
                                            "context": _context(text, start, end)})
        for (kind, value), flags in status.items():
            if flags:
                present[kind] += 1
                found[kind] += all(flags)
    per_type = {}
    for kind in PII_TYPES:
        per_type[kind] = {
            "planted": present[kind],
            "found": found[kind],
            "recall": round(found[kind] / present[kind], 4) if present[kind] else None,
            "spans": span_total[kind],
            "correct_spans": span_correct[kind],
            "precision": round(span_correct[kind] / span_total[kind], 4) if span_total[kind] else None,
        }
    total_spans, total_correct = sum(span_total.values()), sum(span_correct.values())
    total_present, total_found = sum(present.values()), sum(found.values())
    return {
        "leniency": leniency,
        "per_type": per_type,
        "overall": {
            "planted": total_present,
            "found": total_found,
            "recall": round(total_found / total_present, 4) if total_present else None,
            "spans": total_spans,
            "correct_spans": total_correct,
            "precision": round(total_correct / total_spans, 4) if total_spans else None,
        },
        "redact_seconds": seconds,
        "texts": texts_done,
        "misses": misses,
        "false_positives": false_positives,
    }


def clean_text_latency(docs: list[Document], company: dict, repeat: int = 2000) -> dict:
    """Median latency of redact() on a ~200-word manual text with nothing to find."""
    config = config_for(company)
    words: list[str] = []
    for doc in docs:
        if doc.source.source_kind == "manual" and not re.search(r"[\d@]", doc.text):
            words.extend(doc.text.split())
        if len(words) >= 200:
            break
    text = " ".join(words[:200]) if len(words) >= 200 else ("the quick brown fox jumps over the lazy dog " * 23)
    result = {}
    for label, names in (("no_names", ()), ("with_known_names", ("Jane Doe", "Jürgen Müller"))):
        timings = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            redact(text, config, known_names=names)
            timings.append(time.perf_counter() - t0)
        timings.sort()
        result[label] = round(timings[len(timings) // 2] * 1e6, 1)
    result["words"] = len(text.split())
    return result


def unlabelled_counts(corpora: Path, workdir: Path, show: int) -> dict:
    """Spans per source kind and type on real corpora without ground truth, PHONE under both leniencies.

    Without labels this is no precision, but every span found only under POSSIBLE is shown for review."""
    out = workdir / "corpora-out"
    roots = [corpora / kind for kind in ("emails", "manuals", "tickets") if (corpora / kind).is_dir()]
    ingest(roots, out, progress=False)
    docs = list(read_documents(out / "documents.parquet"))
    configs = {"valid": PiiConfig(), "possible": PiiConfig(phone_leniency="possible")}
    counts: dict[str, Counter] = {name: Counter() for name in configs}
    only_possible: list[dict] = []
    seconds = 0.0
    for doc in docs:
        names = names_from_meta(doc.meta)
        for field, text in unit_texts(doc):
            phones: dict[str, set] = {}
            for name, config in configs.items():
                t0 = time.perf_counter()
                result = redact(text, config, known_names=names)
                if name == "valid":
                    seconds += time.perf_counter() - t0
                counts[name].update(f"{doc.source.source_kind}:{kind}" for kind, *_ in result.spans)
                phones[name] = {(s, e) for kind, s, e, _ in result.spans if kind == "PHONE"}
            only_possible.extend(
                {"type": "PHONE", "value": text[s:e], "unit": (doc.source.source_kind, doc.source.path, doc.source.locator),
                 "field": field, "context": _context(text, s, e)}
                for s, e in sorted(phones["possible"] - phones["valid"])
            )
    return {
        "corpora": str(corpora),
        "documents": len(docs),
        "throughput_docs_per_s": round(len(docs) / seconds, 1),
        "spans_valid": dict(sorted(counts["valid"].items())),
        "spans_possible": dict(sorted(counts["possible"].items())),
        "phone_only_possible": len(only_possible),
        "phone_only_possible_examples": only_possible[:: max(1, len(only_possible) // show)][:show] if only_possible else [],
    }


def load_sample(sample: Path | None, docs: int | None, workdir: Path) -> tuple[Path, str]:
    if sample is not None and (sample / "ground_truth.json").is_file():
        return sample, f"{sample}"
    from curation.sample.generator import generate_corpus

    root = workdir / "sample"
    generate_corpus(root, docs=docs, seed=7)
    why = f"missing {sample}/ground_truth.json; " if sample is not None else ""
    return root, f"{why}generated with curation.sample.generator (seed 7, docs={docs})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path, default=REPO_ROOT / "data" / "sample")
    parser.add_argument("--docs", type=int, default=None, help="generate a corpus of about N units instead of reading --sample")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show", type=int, default=10, help="misses and false positives to list")
    parser.add_argument("--corpora", type=Path, default=None,
                        help="also count spans on unlabelled real corpora (e.g. ../shared/corpora), PHONE under both leniencies")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pii-bench-") as tmp:
        workdir = Path(tmp)
        root, source = load_sample(None if args.docs else args.sample, args.docs, workdir)
        truth = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))
        ingest([root / "raw" / "emails", root / "raw" / "manuals", root / "raw" / "tickets"], workdir / "out", progress=False)
        docs = list(read_documents(workdir / "out" / "documents.parquet"))
        unlabelled = unlabelled_counts(args.corpora, workdir, args.show) if args.corpora else None

    company = truth["company"]
    planted: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    for record in truth["pii"]:
        unit = record["unit"]
        planted[(unit["source_kind"], unit["path"], unit["locator"])].append((record["type"], record["value"]))

    runs = {leniency: evaluate(docs, planted, company, leniency) for leniency in ("valid", "possible")}
    main_run = runs["valid"]
    latency = clean_text_latency(docs, company)
    report = {
        "sample": source,
        "documents": len(docs),
        "texts": main_run["texts"],
        "config": config_for(company).model_dump(),
        "per_type": main_run["per_type"],
        "overall": main_run["overall"],
        "phone_leniency": {k: {"PHONE": v["per_type"]["PHONE"], "overall_precision": v["overall"]["precision"]} for k, v in runs.items()},
        "throughput_docs_per_s": round(len(docs) / main_run["redact_seconds"], 1),
        "clean_200_words_median_us": latency,
        "targets_met": _targets_met(main_run),
        "misses": main_run["misses"][: args.show],
        "false_positives": main_run["false_positives"][: args.show],
        "miss_count": len(main_run["misses"]),
        "false_positive_count": len(main_run["false_positives"]),
    }
    if unlabelled is not None:
        report["unlabelled"] = unlabelled
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        print(_table(report))
    return 0


def _targets_met(run: dict) -> bool:
    for kind, target in TARGET_RECALL.items():
        row = run["per_type"][kind]
        if row["recall"] is not None and row["recall"] < target:
            return False
        if row["precision"] is not None and row["precision"] < TARGET_PRECISION:
            return False
    return (run["overall"]["precision"] or 0) >= TARGET_PRECISION


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _table(report: dict) -> str:
    lines = [f"PII redaction on {report['sample']}: {report['documents']} documents, {report['texts']} texts", ""]
    lines.append(f"{'type':8} {'planted':>8} {'found':>6} {'recall':>7} {'target':>7}   {'spans':>6} {'correct':>8} {'precision':>9}")
    for kind in PII_TYPES:
        row = report["per_type"][kind]
        target = f"{TARGET_RECALL[kind]:.2f}" if kind in TARGET_RECALL else "  -"
        lines.append(f"{kind:8} {row['planted']:8d} {row['found']:6d} {_fmt(row['recall']):>7} {target:>7}   "
                     f"{row['spans']:6d} {row['correct_spans']:8d} {_fmt(row['precision']):>9}")
    row = report["overall"]
    lines.append(f"{'overall':8} {row['planted']:8d} {row['found']:6d} {_fmt(row['recall']):>7} {'':>7}   "
                 f"{row['spans']:6d} {row['correct_spans']:8d} {_fmt(row['precision']):>9}")
    lines.append("")
    for leniency, run in report["phone_leniency"].items():
        phone = run["PHONE"]
        lines.append(f"PHONE with Leniency.{leniency.upper():8}: recall {_fmt(phone['recall'])}  precision {_fmt(phone['precision'])}"
                     f"  ({phone['spans']} spans; overall precision {_fmt(run['overall_precision'])})")
    latency = report["clean_200_words_median_us"]
    lines.append(f"throughput: {report['throughput_docs_per_s']:.0f} docs/s through redact(); "
                 f"a {latency['words']}-word text with no PII: {latency['no_names']:.0f} µs median "
                 f"({latency['with_known_names']:.0f} µs with known names)")
    lines.append(f"targets met: {report['targets_met']}")
    for title, items, count in (("misses", report["misses"], report["miss_count"]),
                                ("false positives", report["false_positives"], report["false_positive_count"])):
        lines.append(f"\n{title}: {count}" + (f" (first {len(items)})" if count > len(items) else ""))
        for item in items:
            lines.append(f"  {item['type']:8} {item['unit'][1]}#{item['unit'][2]} {item['field']}: {item['context']}")
    if "unlabelled" in report:
        u = report["unlabelled"]
        lines.append(f"\nunlabelled corpora {u['corpora']}: {u['documents']} documents, {u['throughput_docs_per_s']:.0f} docs/s")
        lines.append(f"{'spans':16} {'VALID':>7} {'POSSIBLE':>9}")
        for key in sorted(set(u["spans_valid"]) | set(u["spans_possible"])):
            lines.append(f"{key:16} {u['spans_valid'].get(key, 0):7d} {u['spans_possible'].get(key, 0):9d}")
        lines.append(f"PHONE spans only under POSSIBLE: {u['phone_only_possible']}, e.g.")
        for item in u["phone_only_possible_examples"]:
            lines.append(f"  {item['unit'][1][-40:]}: {item['context']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
