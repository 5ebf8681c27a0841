"""Dedup accuracy and throughput on a generated corpus with planted near-duplicates.

    python benchmarks/dedup.py --docs 100000 [--json] [--baseline-docs 20000] [--edits scattered|burst]
                               [--workers 1] [--threshold 0.7] [--num-perm 128] [--corpus DIR]

Corpus (generated in a child process, so its memory is not counted): ``--docs`` example rows of
about 200 words of support/manual-like English: four runs of 14 words taken at sentence starts from
the catalog's answers, steps, questions and tips (curation/sample/catalog.py), each followed by 36
words drawn from common English function words and a generated vocabulary of 60,000 pseudo-words,
so base examples share little. Conversations (70 %) and instructions (15 %) are system + user (first
30 words) + assistant; passages (15 %) one assistant message. Of the distinct examples:

- 8 % are positives: copies of a base example (about two per original, Poisson) with 1, 2, 3, 4 or
  5 % word edits (60 % substitutions, 20 % deletions, 20 % insertions; at least one edit each); an
  original and its copies form one true group;
- 2 % are hard negatives: copies with 30 % word edits, each its own true group;
- 1 % of the rows are exact copies of another row (same example id, other source documents).

``--edits scattered`` (default) puts every edit at an independent random word; ``burst`` edits runs
of 1-3 consecutive words (the same share of words), as template mails differ in a name or a phrase.

Scores: pairs of distinct examples inside predicted clusters (clusters.parquet) vs pairs inside
true groups (precision, recall, F1), recall per edit rate (a copy counts when it shares its
original's cluster), and the share of hard negatives merged with their original. These headline
``precision`` / ``recall`` / ``f1`` (also under ``planted``) count every planted pair as a positive,
also a 5 %-edited copy whose true Jaccard fell below the threshold (which dedup must not merge), so
their recall is capped below 1. ``at_threshold`` scores the same clusters against the duplicates at
the configured threshold: the pairs (inside a planted group or a predicted cluster) whose exact
shingle Jaccard is >= threshold; a predicted pair below it is a false positive there.
``lsh_ceiling_by_edit_rate`` puts the recall per edit rate in context, on a sample of (original,
copy) pairs: their mean exact Jaccard, the share at or above the threshold, and the recall any
MinHash LSH with these bands and rows can expect, mean(P(candidate | J) * [J >= threshold]) with
P = 1 - (1 - J**rows)**bands.

Incremental: 1 % more rows (half new base examples, 40 % new 1-5 % copies of published examples,
10 % exact copies of published rows) are added to the corpus and deduplicated against the full
run's signatures.parquet; ``incremental_recall`` = new copies dropped naming an example of their
true group, ``incremental_precision`` = near-dropped new rows whose survivor is in their true group.

Timings: ``seconds`` / ``docs_per_s`` of the full run (all of dedup(): reading, hashing, LSH,
verification, clustering, writing); ``incremental_seconds`` of the incremental run, and the
``*_compute_seconds`` without the time spent reading the input and previous signatures and writing
the outputs (the ledger and the per-row bookkeeping stay O(all rows) in an incremental run).

Baseline: naive datasketch, one ``MinHash`` per example with ``update`` per word 3-gram, inserted
into and queried from ``MinHashLSH`` at the same threshold and num_perm, union-find over the query
results, on the distinct examples among the first min(docs, --baseline-docs) rows of the corpus.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from common import REPO, machine, peak_rss_mb  # noqa: F401  (common puts the repo on sys.path)

import polars as pl  # noqa: E402

W = 200  # words per base example
USER_WORDS = 30
EDIT_RATES = (0.01, 0.02, 0.03, 0.04, 0.05)
HARD_NEGATIVE_RATE = 0.30
SYSTEM = "You are the customer support assistant of Nordlicht Gadgets. Answer briefly and kindly."
COMMON = (
    "the a an to and of in on for with your you we our is are was be it this that please can will "
    "not have has do does if when then after before from by at as or but so all any more my me i "
    "device app button light hold press wait minutes seconds again first check make sure new still "
    "thanks thank hello hi regards help issue problem order battery update reset settings phone"
).split()
SYLLABLES = ("ka lo mi ne ru ta vo si pe da gu ri an el or ul fe bo zi ha mo te li sa no ve ki ro "
             "pa du be ge fi ja ma su ti wo ye xa").split()


# ----------------------------------------------------------------------------------------------
# corpus generation (child process)
# ----------------------------------------------------------------------------------------------


def _vocabulary(rng: np.random.Generator) -> tuple[list[str], np.ndarray, np.ndarray, int, int]:
    """(vocab with "" at 0, catalog token stream, sentence starts, first common id, first generated id)."""
    from curation.sample.catalog import PRODUCTS

    sentences = []
    for product in PRODUCTS:
        for topic in product.topics:
            texts = [topic.question, *topic.paraphrases, topic.answer, *topic.steps, topic.tip]
            for text in texts:
                sentences += [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    words = [w for s in sentences for w in s.split()]
    catalog_vocab = sorted(set(words))
    vocab = ["", *catalog_vocab, *COMMON]
    index = {w: i for i, w in enumerate(vocab) if i <= len(catalog_vocab)}
    stream = np.array([index[w] for w in words], np.int32)
    lengths = np.array([len(s.split()) for s in sentences])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    first_common = 1 + len(catalog_vocab)
    first_generated = first_common + len(COMMON)
    syl = np.array(SYLLABLES)
    generated, seen = [], set()
    while len(generated) < 60_000:
        n = rng.integers(2, 5, 80_000)
        picks = syl[rng.integers(0, len(syl), (80_000, 4))]
        for row, k in zip(picks, n, strict=True):
            word = "".join(row[:k])
            if word not in seen:
                seen.add(word)
                generated.append(word)
    return vocab + generated[:60_000], stream, starts, first_common, first_generated


def _random_words(rng, shape, first_common, first_generated, n_generated=60_000) -> np.ndarray:
    common = rng.random(shape) < 0.35
    gen = first_generated + (n_generated * rng.random(shape) ** 1.5).astype(np.int32)
    return np.where(common, rng.integers(first_common, first_generated, shape), gen).astype(np.int32)


def _base_matrix(rng, n, stream, starts, first_common, first_generated) -> np.ndarray:
    cells = np.empty((n, W), np.int32)
    for block in range(4):
        at = starts[rng.integers(0, len(starts), n)]
        cells[:, block * 50: block * 50 + 14] = stream[(at[:, None] + np.arange(14)) % len(stream)]
        cells[:, block * 50 + 14: (block + 1) * 50] = _random_words(rng, (n, 36), first_common, first_generated)
    return cells


def _edit_mask(rng, rates: np.ndarray, mode: str) -> np.ndarray:
    n = len(rates)
    if mode == "scattered":
        return rng.random((n, W)) < rates[:, None]
    start = rng.random((n, W)) < (rates / 2.0)[:, None]  # runs of 1-3 words, mean 2
    length = rng.integers(1, 4, (n, W))
    mask = start.copy()
    for shift in (1, 2):
        mask[:, shift:] |= start[:, :-shift] & (length[:, :-shift] > shift)
    return mask


def _materialise(rng, plan: dict, rows: np.ndarray, base: np.ndarray, vocab: pl.Series, consts, mode: str) -> pl.DataFrame:
    """Example rows for plan entries `rows`: base cells of the source example, edited at the row's rate."""
    first_common, first_generated = consts
    src, rate = plan["src"][rows], plan["rate"][rows]
    cells = base[src].copy()
    insert = np.zeros_like(cells)
    mask = _edit_mask(rng, rate, mode)
    mask[np.arange(len(rows)), rng.integers(0, W, len(rows))] = True  # every copy has at least one edit
    mask &= rate[:, None] > 0
    kind = rng.random(cells.shape)
    words = _random_words(rng, cells.shape, first_common, first_generated)
    cells = np.where(mask & (kind < 0.6), words, cells)
    cells = np.where(mask & (kind >= 0.6) & (kind < 0.8), 0, cells)
    insert = np.where(mask & (kind >= 0.8), words, insert)
    flat_cells, flat_insert = pl.Series(vocab.gather(cells.ravel())), vocab.gather(insert.ravel())
    merged = pl.select(
        pl.when(pl.lit(flat_insert) != "").then(pl.concat_str([pl.lit(flat_cells), pl.lit(flat_insert)], separator=" "))
        .otherwise(pl.lit(flat_cells))
    ).to_series()
    grid = merged.reshape((len(rows), W))
    user = grid.arr.slice(0, USER_WORDS).list.join(" ").str.replace_all(r"\s{2,}", " ").str.strip_chars()
    assistant = grid.arr.slice(USER_WORDS, W - USER_WORDS).list.join(" ").str.replace_all(r"\s{2,}", " ").str.strip_chars()
    kinds = plan["kind"][rows]
    frame = pl.DataFrame({"user": user, "assistant": assistant, "kind": pl.Series(kinds, dtype=pl.String),
                          "plan": rows.astype(np.int64)})
    system = pl.struct(role=pl.lit("system"), content=pl.lit(SYSTEM))
    user_msg = pl.struct(role=pl.lit("user"), content=pl.col("user"))
    passage_msg = pl.struct(role=pl.lit("assistant"), content=pl.concat_str([pl.col("user"), pl.col("assistant")], separator=" "))
    assistant_msg = pl.struct(role=pl.lit("assistant"), content=pl.col("assistant"))
    return frame.with_columns(
        messages=pl.when(pl.col("kind") == "passage").then(pl.concat_list([passage_msg]))
        .otherwise(pl.concat_list([system, user_msg, assistant_msg])),
    ).with_columns(
        n_chars=pl.when(pl.col("kind") == "passage").then(pl.col("user").str.len_chars() + 1 + pl.col("assistant").str.len_chars())
        .otherwise(pl.col("user").str.len_chars() + pl.col("assistant").str.len_chars()).cast(pl.Int64),
        id=pl.lit("ex_") + pl.concat_str([pl.col("kind"), pl.col("user"), pl.col("assistant")], separator="\x1f").hash(7).cast(pl.String).str.zfill(20),
    )


def _finish(frame: pl.DataFrame, rng, row0: int, plan: dict, n_exact: int, new: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add exact-copy rows, shuffle, give rows source documents / dates; return (examples, truth)."""
    from schemas.frames import EXAMPLE_SCHEMA

    dup = frame[rng.integers(0, frame.height, n_exact)] if n_exact else frame.head(0)
    frame = pl.concat([frame.with_columns(exact=pl.lit(False)), dup.with_columns(exact=pl.lit(True))])
    frame = frame[rng.permutation(frame.height)]
    n = frame.height
    rows = np.arange(row0, row0 + n)
    conversation = pl.col("kind") == "conversation"
    frame = frame.with_columns(
        row=pl.Series(rows),
        source_kind=pl.when(conversation).then(pl.lit("email")).otherwise(pl.lit("manual")),
        group_key=pl.lit("bench"),
        created_at=pl.Series(np.datetime64("2024-01-01T00:00:00", "us") + rng.integers(0, 365 * 86_400, n).astype("timedelta64[s]")).dt.replace_time_zone("UTC"),
    ).with_columns(
        source_document_ids=pl.concat_list([pl.format("new-{}", "row")]) if new else
        pl.when(conversation).then(pl.concat_list([pl.format("doc-{}-0", "row"), pl.format("doc-{}-1", "row")]))
        .otherwise(pl.concat_list([pl.format("doc-{}", "row")])),
    )
    plan_rows = frame.get_column("plan").to_numpy()
    truth = pl.DataFrame({
        "row": rows, "id": frame.get_column("id"), "group": plan["group"][plan_rows],
        "rate": plan["rate"][plan_rows], "role": np.where(frame.get_column("exact").to_numpy(), "exact", plan["role"][plan_rows]),
    })
    return frame.select(list(EXAMPLE_SCHEMA)).cast(dict(EXAMPLE_SCHEMA)), truth


def generate(out: Path, docs: int, seed: int, mode: str, chunk: int = 50_000) -> None:
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    vocab_list, stream, starts, first_common, first_generated = _vocabulary(rng)
    vocab = pl.Series(vocab_list)
    consts = (first_common, first_generated)
    n_exact = docs // 100
    n_distinct = docs - n_exact
    n_pos, n_neg = round(0.08 * n_distinct), round(0.02 * n_distinct)
    n_base = n_distinct - n_pos - n_neg
    n_new = max(docs // 100, 10)
    new_base = n_new // 2
    base = _base_matrix(rng, n_base + new_base, stream, starts, first_common, first_generated)
    n_orig = max(n_pos // 2, 1)
    kinds_of_base = rng.choice(np.array(["conversation", "instruction", "passage"]), n_base + new_base, p=[0.7, 0.15, 0.15])

    def plan_for(src, rate, group, role):
        return {"src": src, "rate": rate, "group": group, "role": role, "kind": kinds_of_base[src]}

    # the published corpus
    pos_src = rng.integers(0, n_orig, n_pos)
    neg_src = rng.integers(0, n_base, n_neg)
    plan = plan_for(
        np.concatenate([np.arange(n_base), pos_src, neg_src]),
        np.concatenate([np.zeros(n_base), rng.choice(EDIT_RATES, n_pos), np.full(n_neg, HARD_NEGATIVE_RATE)]),
        np.concatenate([np.arange(n_base), pos_src, n_base + new_base + np.arange(n_neg)]),
        np.array(["base"] * n_base + ["positive"] * n_pos + ["negative"] * n_neg),
    )
    order = rng.permutation(n_distinct)
    # the next version's 1 % of new rows
    n_new_pos = round(0.4 * n_new)
    n_new_exact = n_new - new_base - n_new_pos
    new_pos_src = rng.integers(0, n_orig, n_new_pos)
    new_plan = plan_for(
        np.concatenate([n_base + np.arange(new_base), new_pos_src]),
        np.concatenate([np.zeros(new_base), rng.choice(EDIT_RATES, n_new_pos)]),
        np.concatenate([n_base + np.arange(new_base), new_pos_src]),
        np.array(["base"] * new_base + ["positive"] * n_new_pos),
    )
    writers, truths, row0 = {}, [], 0

    def write(name: str, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        if name not in writers:
            writers[name] = pq.ParquetWriter(out / name, table.schema)
        writers[name].write_table(table)

    steps = list(range(0, n_distinct, chunk))
    for c0 in steps:
        rows = order[c0: c0 + chunk]
        exact_here = round(n_exact * (c0 + len(rows)) / n_distinct) - round(n_exact * c0 / n_distinct)
        frame, truth = _finish(_materialise(rng, plan, rows, base, vocab, consts, mode), rng, row0, plan, exact_here)
        row0 += frame.height
        write("examples.parquet", frame)
        write("examples_next.parquet", frame)
        truths.append(truth.with_columns(version=pl.lit("published")))
    published = pl.concat(truths)
    new_frame = _materialise(rng, new_plan, np.arange(new_base + n_new_pos), base, vocab, consts, mode)
    frame, truth = _finish(new_frame, rng, row0, new_plan, 0, new=True)
    # exact copies of published rows (same id and content, other source documents)
    writers.pop("examples.parquet").close()
    copies = pl.read_parquet(out / "examples.parquet", columns=list(frame.columns)).sample(n_new_exact, seed=seed)
    copy_rows = row0 + frame.height + np.arange(copies.height)
    copies = copies.with_columns(source_document_ids=pl.Series([[f"new-{r}"] for r in copy_rows]))
    copy_truth = (
        copies.select("id").with_columns(row=pl.Series(copy_rows))
        .join(published.unique("id").select("id", "group", "rate"), on="id", how="left")
        .with_columns(role=pl.lit("exact"))
    )
    write("examples_next.parquet", pl.concat([frame, copies.cast(dict(frame.schema))]))
    truths.append(truth.with_columns(version=pl.lit("new")))
    truths.append(copy_truth.select(truth.columns).cast(dict(truth.schema)).with_columns(version=pl.lit("new")))
    for writer in writers.values():
        writer.close()
    pl.concat(truths).write_parquet(out / "truth.parquet")


# ----------------------------------------------------------------------------------------------
# scoring
# ----------------------------------------------------------------------------------------------


def _pairs(sizes: pl.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def score(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict:
    """Pair precision / recall / F1 over distinct examples; recall per edit rate; hard negatives merged."""
    docs = truth.unique("id", keep="first").select("id", "group", "rate", "role")
    predicted = clusters.select(pl.col("example_id").alias("id"), "cluster_id").unique("id")
    true_pairs = _pairs(docs.group_by("group").len().get_column("len"))
    pred_pairs = _pairs(predicted.group_by("cluster_id").len().get_column("len"))
    both = predicted.join(docs, on="id")
    tp = _pairs(both.group_by("cluster_id", "group").len().get_column("len"))
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # a copy "found": in the same predicted cluster as its original (the base example of its group)
    originals = docs.filter(pl.col("role") == "base").select("group", pl.col("id").alias("orig"))
    copies = docs.filter(pl.col("role").is_in(["positive", "negative"])).join(originals, on="group")  # original present
    cluster_of = predicted.rename({"id": "orig", "cluster_id": "orig_cluster"})
    copies = copies.join(predicted, on="id", how="left").join(cluster_of, on="orig", how="left").with_columns(
        found=(pl.col("cluster_id") == pl.col("orig_cluster")).fill_null(False)
    )
    by_rate = {f"{r:.0%}": round(v, 4) for r, v in copies.filter(pl.col("role") == "positive").group_by("rate").agg(pl.col("found").mean()).sort("rate").iter_rows()}
    negatives = copies.filter(pl.col("role") == "negative")
    return {
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "true_pairs": true_pairs, "predicted_pairs": pred_pairs, "true_positive_pairs": tp,
        "copy_recall_by_edit_rate": by_rate,
        "hard_negatives_merged": round(float(negatives.get_column("found").mean() or 0.0), 4) if negatives.height else 0.0,
    }


def score_at_threshold(examples: Path, clusters: pl.DataFrame, truth: pl.DataFrame, threshold: float, config) -> dict:
    """Pair precision / recall / F1 against the pairs whose TRUE (exact shingle) Jaccard is >= threshold.

    Positives: every pair of distinct examples inside a planted group, or inside a predicted cluster,
    whose exact Jaccard is at or above the threshold (pairs of unrelated base examples share next to
    no shingles, so no positive lies outside both). A predicted pair below the threshold (two members
    of one cluster each similar to its centre) is a false positive here even inside a planted group.
    """
    from curation.dedup.cluster import ShingleSets, exact_jaccard
    from curation.dedup.minhash import example_text, shingle_set_shard

    docs = truth.unique("id", keep="first").select("id", "group")
    predicted = clusters.select(pl.col("example_id").alias("id"), "cluster_id").unique("id")

    def within(frame: pl.DataFrame, key: str) -> pl.DataFrame:
        multi = frame.filter(pl.col(key).is_duplicated())
        return multi.join(multi, on=key, suffix="_b").filter(pl.col("id") < pl.col("id_b")).select("id", "id_b")

    true_side = within(docs, "group").with_columns(planted=pl.lit(True))
    pred_side = within(predicted, "cluster_id").with_columns(predicted=pl.lit(True))
    pairs = true_side.join(pred_side, on=["id", "id_b"], how="full", coalesce=True).with_columns(
        pl.col("planted").fill_null(False), pl.col("predicted").fill_null(False))
    wanted = pl.concat([pairs.get_column("id"), pairs.get_column("id_b")]).unique()
    texts = (pl.scan_parquet(examples).filter(pl.col("id").is_in(wanted.implode())).select("id", example_text())
             .unique("id", keep="first").collect())
    position = texts.select("id").with_row_index("at")
    flat, sizes = shingle_set_shard(texts.get_column("text"), config)
    at = pairs.join(position, on="id").join(position.rename({"id": "id_b", "at": "at_b"}), on="id_b")
    jaccard = exact_jaccard(ShingleSets(flat, sizes), at.get_column("at").to_numpy().astype(np.int64), at.get_column("at_b").to_numpy().astype(np.int64))
    at = at.with_columns(j=pl.Series(jaccard), positive=pl.Series(jaccard >= threshold))
    positives = int(at.get_column("positive").sum())
    predicted_pairs = int(at.get_column("predicted").sum())
    tp = int((at.get_column("positive") & at.get_column("predicted")).sum())
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / positives if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    planted = at.filter("planted")
    return {
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "positive_pairs": positives, "predicted_pairs": predicted_pairs, "true_positive_pairs": tp,
        "planted_pairs_below_threshold": int((~planted.get_column("positive")).sum()),
        "predicted_pairs_below_threshold": int((at.get_column("predicted") & ~at.get_column("positive")).sum()),
        "positive_pairs_outside_planted_groups": int((at.get_column("positive") & ~at.get_column("planted")).sum()),
    }


# ----------------------------------------------------------------------------------------------
# baseline: naive datasketch
# ----------------------------------------------------------------------------------------------


def baseline(examples: Path, truth: pl.DataFrame, limit: int, threshold: float, num_perm: int) -> dict:
    from datasketch import MinHash, MinHashLSH

    from curation.dedup.minhash import example_text

    frame = pl.scan_parquet(examples).head(limit).select("id", example_text()).collect().unique("id", keep="first", maintain_order=True)
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    parent = {}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for doc_id, text in frame.iter_rows():
        words = re.findall(r"\w+", text.lower())
        grams = [" ".join(words[i: i + 3]) for i in range(max(len(words) - 2, 1))]
        m = MinHash(num_perm=num_perm)
        for gram in grams:
            m.update(gram.encode("utf-8"))
        parent[doc_id] = doc_id
        for other in lsh.query(m):
            a, b = find(doc_id), find(other)
            if a != b:
                parent[a] = b
        lsh.insert(doc_id, m)
    seconds = time.perf_counter() - start
    clusters = pl.DataFrame({"example_id": list(parent), "cluster_id": [find(x) for x in parent]})
    clusters = clusters.filter(pl.col("cluster_id").is_duplicated())
    scored = score(clusters, truth.filter(pl.col("id").is_in(frame.get_column("id").implode())))
    return {"docs": frame.height, "seconds": round(seconds, 2), "docs_per_s": round(frame.height / seconds, 1), **scored}


# ----------------------------------------------------------------------------------------------


def lsh_ceiling(examples: Path, truth: pl.DataFrame, config, sample: int = 5000, seed: int = 0) -> dict:
    """Per edit rate: mean exact Jaccard of (original, copy), share >= threshold, expected LSH recall."""
    from curation.dedup.cluster import ShingleSets, exact_jaccard
    from curation.dedup.minhash import example_text, shingle_set_shard

    docs = truth.unique("id", keep="first")
    originals = docs.filter(pl.col("role") == "base").select("group", pl.col("id").alias("orig"))
    pairs = docs.filter(pl.col("role") == "positive").join(originals, on="group").select("id", "orig", "rate")
    pairs = pairs.sample(min(sample, pairs.height), seed=seed)
    wanted = pl.concat([pairs.get_column("id"), pairs.get_column("orig")]).unique()
    texts = (pl.scan_parquet(examples).filter(pl.col("id").is_in(wanted.implode())).select("id", example_text())
             .unique("id", keep="first").collect())
    position = {k: i for i, k in enumerate(texts.get_column("id").to_list())}
    flat, sizes = shingle_set_shard(texts.get_column("text"), config)
    jaccard = exact_jaccard(ShingleSets(flat, sizes), np.array([position[k] for k in pairs.get_column("id")]),
                            np.array([position[k] for k in pairs.get_column("orig")]))
    bands, rows = config.bands_rows
    found = (1 - (1 - jaccard**rows) ** bands) * (jaccard >= config.threshold)
    table = pairs.with_columns(j=pl.Series(jaccard), p=pl.Series(found)).group_by("rate").agg(
        pl.col("j").mean().round(3).alias("mean_jaccard"), (pl.col("j") >= config.threshold).mean().round(3).alias("share_at_threshold"),
        pl.col("p").mean().round(3).alias("expected_recall"), pl.len().alias("pairs")).sort("rate")
    return {f"{r['rate']:.0%}": {k: r[k] for k in ("mean_jaccard", "share_at_threshold", "expected_recall", "pairs")} for r in table.iter_rows(named=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="one line of JSON")
    parser.add_argument("--baseline-docs", type=int, default=20_000)
    parser.add_argument("--edits", choices=["scattered", "burst"], default="scattered")
    parser.add_argument("--workers", type=int, default=1, help="threads of the map_fn that computes signature shards (1 = builtin map)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=None, help="DedupConfig.threshold (default: the config's default)")
    parser.add_argument("--num-perm", type=int, default=None, help="DedupConfig.num_perm (default: the config's default)")
    parser.add_argument("--fn-weight", type=float, default=None, help="DedupConfig.false_negative_weight (false_positive_weight = 1 - it)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the datasketch baseline (parameter sweeps)")
    parser.add_argument("--corpus", type=Path, default=None, help="keep / reuse the generated corpus in this folder")
    parser.add_argument("--generate", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        args.generate.mkdir(parents=True, exist_ok=True)
        generate(args.generate, args.docs, args.seed, args.edits)
        return

    from curation.dedup import DedupConfig, dedup

    tmp = Path(tempfile.mkdtemp(prefix="bench-dedup-"))
    corpus = args.corpus or tmp / "corpus"
    marker = corpus / f".generated-{args.docs}-{args.seed}-{args.edits}"
    generate_seconds = None
    if not marker.exists():
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate", str(corpus), "--docs", str(args.docs), "--seed", str(args.seed), "--edits", args.edits], check=True)
        generate_seconds = round(time.perf_counter() - start, 1)
        marker.touch()
    truth = pl.read_parquet(corpus / "truth.parquet")
    overrides = {k: v for k, v in (("threshold", args.threshold), ("num_perm", args.num_perm)) if v is not None}
    if args.fn_weight is not None:
        overrides |= {"false_negative_weight": args.fn_weight, "false_positive_weight": round(1 - args.fn_weight, 6)}
    config = DedupConfig(**overrides)
    pool = ThreadPoolExecutor(args.workers) if args.workers > 1 else None
    map_fn = pool.map if pool else map

    start = time.perf_counter()
    full = dedup(corpus / "examples.parquet", tmp / "full", config, map_fn=map_fn)
    seconds = time.perf_counter() - start
    rss_full = peak_rss_mb()
    published = truth.filter(pl.col("version") == "published")
    full_clusters = pl.read_parquet(tmp / "full" / "clusters.parquet")
    scored = score(full_clusters, published)
    at_threshold = score_at_threshold(corpus / "examples.parquet", full_clusters, published, config.threshold, config)
    exact_rows = published.filter(pl.col("role") == "exact").height

    start = time.perf_counter()
    inc = dedup(corpus / "examples_next.parquet", tmp / "next", config, previous_signatures=tmp / "full" / "signatures.parquet", map_fn=map_fn)
    incremental_seconds = time.perf_counter() - start
    inc_scores = _incremental_scores(tmp, truth)

    base = ({"docs_per_s": float("nan"), "precision": None, "recall": None, "f1": None, "docs": 0, "copy_recall_by_edit_rate": {}}
            if args.no_baseline else baseline(corpus / "examples.parquet", published, min(args.docs, args.baseline_docs), config.threshold, config.num_perm))
    ceiling = lsh_ceiling(corpus / "examples.parquet", published, config)
    if pool:
        pool.shutdown()
    docs_per_s = full.inputs / seconds
    result = {
        "benchmark": "dedup",
        "docs": full.inputs,
        "distinct_examples": full.distinct_examples,
        "edits": args.edits,
        **{k: scored[k] for k in ("precision", "recall", "f1")},
        "metric": "precision/recall/f1: pairs of distinct examples in one planted group (original + its 1-5 % copies) as positives",
        "planted": {k: scored[k] for k in ("precision", "recall", "f1")},
        "at_threshold": at_threshold,
        "at_threshold_note": f"positives: the pairs whose exact shingle Jaccard is >= {config.threshold} (duplicates at the configured threshold)",
        "docs_per_s": round(docs_per_s, 1),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(rss_full, 1),
        "baseline_docs_per_s": base["docs_per_s"],
        "baseline_precision": base["precision"],
        "baseline_recall": base["recall"],
        "baseline_f1": base["f1"],
        "baseline_docs": base["docs"],
        "baseline_note": f"naive datasketch (MinHash.update per shingle + MinHashLSH insert/query + union-find) on the distinct examples of the first {min(args.docs, args.baseline_docs)} rows",
        "speedup_vs_baseline": round(docs_per_s / base["docs_per_s"], 1) if base["docs"] else None,
        "incremental_seconds": round(incremental_seconds, 2),
        "incremental_share_of_full": round(incremental_seconds / seconds, 3),
        "incremental_new_rows": inc.inputs - full.inputs,
        "incremental_compute_seconds": _compute(inc),
        "full_compute_seconds": _compute(full),
        "incremental_compute_share": round(_compute(inc) / _compute(full), 3),
        "incremental_seconds_without_outputs": round(inc.timings["total"] - inc.timings["write_outputs"], 2),
        "incremental_share_without_outputs": round((inc.timings["total"] - inc.timings["write_outputs"]) / full.timings["total"], 3),
        "incremental_write_outputs_seconds": inc.timings["write_outputs"],
        **inc_scores,
        "exact_duplicate_rows": exact_rows,
        "exact_duplicates_dropped": full.dropped.get("exact_duplicate", 0),
        "copy_recall_by_edit_rate": scored["copy_recall_by_edit_rate"],
        "lsh_ceiling_by_edit_rate": ceiling,
        "hard_negatives_merged": scored["hard_negatives_merged"],
        "pairs": {k: scored[k] for k in ("true_pairs", "predicted_pairs", "true_positive_pairs")},
        "baseline_copy_recall_by_edit_rate": base["copy_recall_by_edit_rate"],
        "peak_rss_mb_after_incremental_and_baseline": round(peak_rss_mb(), 1),
        "summary": full.as_dict(),
        "incremental_summary": inc.as_dict(),
        "config": config.model_dump() | {"bands": config.bands_rows[0], "rows": config.bands_rows[1]},
        "map_fn": f"ThreadPoolExecutor({args.workers}).map" if pool else "map",
        "generate_seconds": generate_seconds,
        "targets": {
            "f1>=0.95": scored["f1"] >= 0.95,
            "f1_at_threshold>=0.95": at_threshold["f1"] >= 0.95,
            "speedup>=5x": docs_per_s >= 5 * base["docs_per_s"] if base["docs"] else None,
            "incremental<10%": incremental_seconds < 0.1 * seconds,
            "peak_rss<6GB": rss_full < 6 * 1024,
        },
        "machine": machine(),
    }
    print(json.dumps(result, indent=None if args.json else 2))
    if args.corpus is None:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        shutil.rmtree(tmp / "full", ignore_errors=True)
        shutil.rmtree(tmp / "next", ignore_errors=True)


def _compute(summary) -> float:
    """Seconds not spent reading the input / previous signatures or writing the outputs."""
    timings = summary.timings
    io = sum(v for k, v in timings.items() if k.startswith(("read_", "write_")))
    return round(timings["total"] - io, 2)


def _incremental_scores(tmp: Path, truth: pl.DataFrame) -> dict:
    """Outcomes of the new rows (source documents "new-<row>") in the incremental run."""
    groups = truth.unique("id", keep="first").select(pl.col("id").alias("survivor"), pl.col("group").alias("survivor_group"))
    outcomes = (
        pl.read_parquet(tmp / "next" / "ledger.parquet")
        .filter(pl.col("unit_id").str.starts_with("new-"))
        .select(pl.col("unit_id").str.strip_prefix("new-").cast(pl.Int64).alias("row"), "reason",
                pl.col("detail").str.extract(r"survivor=(\S+)").alias("survivor"))
        .join(truth.filter(pl.col("version") == "new").select("row", "group", "role"), on="row")
        .join(groups, on="survivor", how="left")
    )
    hit = (pl.col("survivor_group") == pl.col("group")).fill_null(False)
    positives = outcomes.filter(pl.col("role") == "positive")
    near = outcomes.filter(pl.col("reason") == "near_duplicate")
    exact = outcomes.filter(pl.col("role") == "exact")
    return {
        "incremental_recall": round(positives.select(((pl.col("reason") == "near_duplicate") & hit).mean()).item() or 0.0, 4),
        "incremental_precision": round(near.select(hit.mean()).item(), 4) if near.height else 1.0,
        "incremental_exact_dropped": f"{exact.filter(pl.col('reason') == 'exact_duplicate').height}/{exact.height}",
    }


if __name__ == "__main__":
    main()
