"""dedup(): exact and near duplicates, verification, chains, survivor policies, incremental runs, outputs."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from curation.dedup import DROP_REASONS, DedupConfig, dedup
from curation.dedup.cluster import ShingleSets, exact_jaccard
from curation.dedup.minhash import example_text, shingle_set_shard
from curation.dedup.pipeline import read_signatures, signature_schema
from schemas.frames import CLUSTER_SCHEMA, EXAMPLE_SCHEMA, LEDGER_SCHEMA, read_survivors

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
SYSTEM = "You are the support assistant."


def words(seed: int, n: int = 120) -> list[str]:
    """n random lowercase pseudo-words (unrelated texts share next to no word trigrams)."""
    rng = np.random.default_rng(seed)
    return ["".join(chr(97 + int(d)) for d in str(x)) for x in rng.integers(10**5, 10**7, n)]


def edited(base: list[str], positions, prefix: str = "zz") -> list[str]:
    out = list(base)
    for p in positions:
        out[p] = prefix + out[p]
    return out


def example(text: list[str] | str, *, kind: str = "conversation", id: str | None = None, docs: list[str] | None = None,
            days: int = 0, tag: str = "") -> dict:
    """One examples.parquet row; the id is a hash of kind + text (as the examples step's ids are)."""
    tokens = text.split() if isinstance(text, str) else list(text)
    text = " ".join(tokens)
    half = len(tokens) // 2
    if kind == "passage":
        messages = [{"role": "assistant", "content": text}]
    else:  # the user asks with the first half of the words, the assistant answers with the rest
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": " ".join(tokens[:half])},
                    {"role": "assistant", "content": " ".join(tokens[half:])}]
    ex_id = id or "ex_" + hashlib.sha256(f"{kind}\x1f{text}".encode()).hexdigest()[:16]
    return {
        "id": ex_id, "messages": messages, "kind": kind, "source_kind": "manual" if kind != "conversation" else "email",
        "source_document_ids": docs or [f"doc_{tag or ex_id[3:11]}"], "group_key": "g", "created_at": T0 + timedelta(days=days),
        "n_chars": sum(len(m["content"]) for m in messages if m["role"] != "system"),
    }


def write_examples(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "examples.parquet"
    pl.DataFrame(rows, schema=EXAMPLE_SCHEMA).write_parquet(path)
    return path


def outcomes(out: Path) -> dict[str, tuple[str, str, str]]:
    """unit id -> (outcome, reason, detail)"""
    ledger = pl.read_parquet(out / "ledger.parquet")
    return {r["unit_id"]: (r["outcome"], r["reason"], r["detail"]) for r in ledger.iter_rows(named=True)}


def kept_ids(out: Path) -> set[str]:
    return set(pl.read_parquet(out / "survivors.parquet").get_column("id").to_list())


def test_exact_and_near_duplicates_are_dropped_with_reasons(tmp_path):
    base, other = words(1), words(2)
    a = example(base, tag="a")
    a_copy = example(base, docs=["doc_a_again", "doc_a_quoted"])  # same id: another source's copy
    a_near = example(edited(base, [20, 80]), tag="a_near")  # ~0.9 similar
    b = example(other, tag="b")
    b_far = example(edited(other, range(0, 120, 3)), tag="b_far")  # a third of the words changed: not a duplicate
    path = write_examples(tmp_path / "in", [a, a_copy, a_near, b, b_far])
    summary = dedup(path, tmp_path / "out")

    assert summary.inputs == 5 and summary.distinct_examples == 4
    assert summary.dropped == {"exact_duplicate": 1, "near_duplicate": 1}
    survivor = max([a, a_near], key=lambda e: (e["n_chars"], [-ord(c) for c in e["id"]]))  # longest, then smallest id
    loser = a_near if survivor is a else a
    assert kept_ids(tmp_path / "out") == {survivor["id"], b["id"], b_far["id"]}
    seen = outcomes(tmp_path / "out")
    assert seen["doc_a_again"][:2] == seen["doc_a_quoted"][:2] == ("dropped", "exact_duplicate")
    outcome, reason, detail = seen[loser["source_document_ids"][0]]
    assert (outcome, reason) == ("dropped", "near_duplicate")
    assert detail.startswith(f"survivor={survivor['id']} similarity=0.")
    assert float(detail.split("similarity=")[1].split()[0]) >= 0.7
    assert detail.endswith(f" survivor_source={survivor['source_document_ids'][0]} language={survivor.get('language') or ''}"), \
        "curate explain names where the survivor came from and its language"
    assert seen["doc_b"][0] == seen["doc_b_far"][0] == "kept"

    clusters = pl.read_parquet(tmp_path / "out" / "clusters.parquet")
    assert clusters.schema == CLUSTER_SCHEMA
    assert clusters.get_column("cluster_id").n_unique() == 1
    assert sorted(clusters.get_column("duplicate").to_list()) == ["exact", "near", "survivor"]
    assert set(clusters.get_column("survivor_id").to_list()) == {survivor["id"]}


def test_exact_jaccard_check_rejects_a_minhash_false_positive(tmp_path):
    rng = np.random.default_rng(5)
    base = [f"w{x}" for x in rng.integers(0, 10**6, 60)]
    path = write_examples(tmp_path / "in", [example(base, tag="x"), example(edited(base, (5, 15, 25, 35, 45, 55)), tag="y")])
    # with 16 permutations and seed 17 the pair shares an LSH band and its estimate is 0.75, its exact Jaccard 0.53
    config = DedupConfig(num_perm=16, seed=17, threshold=0.7)
    unverified = dedup(path, tmp_path / "estimate", config.model_copy(update={"verify_jaccard": False}))
    assert unverified.candidate_pairs == 1 and unverified.dropped == {"near_duplicate": 1}
    verified = dedup(path, tmp_path / "exact", config)
    assert verified.candidate_pairs == 1 and verified.similar_pairs == 0
    assert verified.dropped == {} and len(kept_ids(tmp_path / "exact")) == 2


def test_a_chain_of_weak_matches_does_not_merge_unrelated_examples(tmp_path):
    # each link of the chain replaces the next block of 7 words: neighbours ~0.83 similar, two links
    # apart ~0.69 (below the threshold), the ends share nothing
    current = words(7, 100)
    rows = []
    for k in range(10):
        rows.append(example(current, tag=f"c{k}"))
        current = current[: k * 10 + 3] + words(100 + k, 7) + current[k * 10 + 10:]  # blocks 3 words apart
    path = write_examples(tmp_path / "in", rows)
    summary = dedup(path, tmp_path / "out", DedupConfig(num_perm=256))
    assert summary.similar_pairs == 9  # exactly the nine links: one connected component from end to end
    clusters = pl.read_parquet(tmp_path / "out" / "clusters.parquet")
    position = {r["id"]: k for k, r in enumerate(rows)}
    spans = clusters.group_by("cluster_id").agg(pl.col("example_id")).get_column("example_id").to_list()
    assert len(spans) >= 3
    for members in spans:
        where = [position[m] for m in members]
        assert max(where) - min(where) <= 2  # at most two links from one end of a cluster to the other
    assert not any({rows[0]["id"], rows[-1]["id"]} <= set(m) for m in spans)
    kept = kept_ids(tmp_path / "out")
    assert set(clusters.get_column("survivor_id").to_list()) <= kept
    near = clusters.filter(pl.col("duplicate") == "near")
    assert near.get_column("similarity").min() >= 2 * 0.7 - 1  # two links of >= 0.7 each (Jaccard triangle inequality)


def _policy_rows() -> list[dict]:
    base = words(11, 150)
    longest = example(base + ["ok"] * 12, days=0, tag="longest")  # repetitive tail: longest, lower quality
    cleanest = example(edited(base, [30, 90], prefix="q"), days=1, tag="cleanest")
    newest = example(edited(base, [60, 120], prefix="0123456789"), days=5, tag="newest")  # digits: longer, lower letter share
    return [longest, cleanest, newest]


@pytest.mark.parametrize(("policy", "winner"), [("longest", "longest"), ("most_recent", "newest"), ("quality", "cleanest")])
def test_survivor_policies(tmp_path, policy, winner):
    rows = _policy_rows()
    path = write_examples(tmp_path / "in", rows)
    dedup(path, tmp_path / "out", DedupConfig(survivor=policy))
    expected = next(r for r in rows if r["source_document_ids"] == [f"doc_{winner}"])
    assert kept_ids(tmp_path / "out") == {expected["id"]}
    clusters = pl.read_parquet(tmp_path / "out" / "clusters.parquet")
    assert set(clusters.get_column("survivor_id").to_list()) == {expected["id"]}


def test_ties_go_to_the_smallest_id(tmp_path):
    base = words(12)
    rows = [example(edited(base, [k * 7]), tag=f"t{k}") for k in range(4)]  # same length, same date
    path = write_examples(tmp_path / "in", rows)
    for policy in ("longest", "most_recent"):
        dedup(path, tmp_path / policy, DedupConfig(survivor=policy))
        assert kept_ids(tmp_path / policy) == {min(r["id"] for r in rows)}


def test_kinds_are_never_compared(tmp_path):
    text = words(13)
    path = write_examples(tmp_path / "in", [example(text, kind="instruction", tag="i"), example(text, kind="passage", tag="p")])
    summary = dedup(path, tmp_path / "out")
    assert summary.candidate_pairs == 0 and summary.kept == 2


def test_incremental_run_matches_new_examples_against_earlier_ones(tmp_path):
    a_words, b_words = words(21), words(22)
    a = example(a_words, tag="a")
    a_near = example(a_words[:10] + ["q"] + a_words[11:], tag="a_near")  # shorter: loses to a in run 1
    b = example(b_words, tag="b")
    first = [a, a_near, b]
    run1 = dedup(write_examples(tmp_path / "v1", first), tmp_path / "out1")
    assert run1.dropped == {"near_duplicate": 1}
    published = tmp_path / "out1" / "signatures.parquet"

    longer_copy = example(a_words + ["and", "thanks", "again", "for", "everything"], tag="new_a", days=30)  # longer than a
    b_copy = example(edited(b_words, [50]), tag="new_b", days=30)
    fresh = example(words(23), tag="fresh", days=30)
    again = example(a_words, docs=["doc_a_resent"])  # an exact copy of the earlier a
    second = [a, a_near, longer_copy, b_copy, fresh, again]  # b itself is gone from the input
    v2 = write_examples(tmp_path / "v2", second)
    # by default an earlier example gone from the input takes no part: b's near-copy is kept
    default = dedup(v2, tmp_path / "out2-default", previous_signatures=published)
    assert default.earlier_examples == 1 and default.remembered == 1 and default.hashed == 3
    assert outcomes(tmp_path / "out2-default")["doc_new_b"] == ("kept", "", "")
    assert kept_ids(tmp_path / "out2-default") == {a["id"], b_copy["id"], fresh["id"]}
    # earlier_absent="match": the input is a new batch, everything published before counts
    run2 = dedup(v2, tmp_path / "out2", DedupConfig(earlier_absent="match"), previous_signatures=published)

    assert run2.earlier_examples == 2 and run2.remembered == 1
    assert run2.hashed == 3  # only the three new distinct examples
    seen = outcomes(tmp_path / "out2")
    assert seen["doc_new_a"][:2] == ("dropped", "near_duplicate") and f"survivor={a['id']} " in seen["doc_new_a"][2]
    assert seen["doc_new_b"][:2] == ("dropped", "near_duplicate") and f"survivor={b['id']} " in seen["doc_new_b"][2]
    assert seen["doc_a_near"][:2] == ("dropped", "near_duplicate") and f"survivor={a['id']} " in seen["doc_a_near"][2]
    assert seen["doc_a_resent"][:2] == ("dropped", "exact_duplicate")
    assert seen["doc_a"][0] == seen["doc_fresh"][0] == "kept"
    assert kept_ids(tmp_path / "out2") == {a["id"], fresh["id"]}

    clusters = pl.read_parquet(tmp_path / "out2" / "clusters.parquet")
    gone = clusters.filter(pl.col("example_id") == b["id"])
    assert gone.height == 1 and gone.item(0, "row") is None and gone.item(0, "duplicate") == "survivor"

    columns = list(signature_schema(128))
    previous = read_signatures(published, columns)
    signatures = read_signatures(tmp_path / "out2" / "signatures.parquet", columns)
    assert signatures.schema == signature_schema(128)
    assert signatures.get_column("id").to_list() == previous.get_column("id").to_list() + [longer_copy["id"], b_copy["id"], fresh["id"]]
    assert signatures.filter(pl.col("survivor_id").is_null()).get_column("id").to_list() == [a["id"], b["id"], fresh["id"]]
    assert signatures.head(previous.height).equals(previous)
    # the earlier part is carried over as it is (a hard link or a copy), the new examples are a new part
    parts = sorted(p.name for p in (tmp_path / "out2" / "signatures.parquet").iterdir())
    assert parts == ["part-00000.parquet", "part-00001.parquet", "texts-00000.arrow", "texts-00001.arrow"]
    # the text store holds each hashed example's comparison text, row for row with its signature part
    stored = pl.read_ipc(tmp_path / "out2" / "signatures.parquet" / "texts-00001.arrow").get_column("text")
    hashed = pl.DataFrame([longer_copy, b_copy, fresh], schema=EXAMPLE_SCHEMA).select(example_text()).to_series()
    assert stored.to_list() == hashed.to_list()
    # so b, gone from the input, is still compared exactly: the similarity is the exact Jaccard, not an estimate
    sets = ShingleSets(*shingle_set_shard(pl.Series([hashed[1], pl.DataFrame([b], schema=EXAMPLE_SCHEMA).select(example_text()).item()]), DedupConfig()))
    exact = float(exact_jaccard(sets, np.array([0]), np.array([1]))[0])
    assert f"survivor={b['id']} similarity={round(exact, 3)}" in seen["doc_new_b"][2]
    assert pl.read_parquet(tmp_path / "out2" / "signatures.parquet" / "part-00000.parquet").equals(pl.read_parquet(published / "part-00000.parquet"))


def test_incremental_scheme_mismatch_is_an_error(tmp_path):
    path = write_examples(tmp_path / "in", [example(words(31), tag="x")])
    dedup(path, tmp_path / "out1")
    with pytest.raises(ValueError, match="scheme"):
        dedup(path, tmp_path / "out2", DedupConfig(num_perm=64), previous_signatures=tmp_path / "out1" / "signatures.parquet")


def test_ledger_conservation_and_schemas(tmp_path):
    rows = []
    for k in range(6):
        base = words(40 + k)
        rows.append(example(base, docs=[f"d{k}_1", f"d{k}_2"]))
        rows.append(example(edited(base, [5 + k]), docs=[f"d{k}_3"]))
        if k % 2:
            rows.append(example(base, docs=[f"d{k}_4", f"d{k}_5", f"d{k}_6"]))
    path = write_examples(tmp_path / "in", rows)
    examples_ledger = pl.DataFrame(
        [{"unit_id": d, "stage": "examples", "outcome": "kept", "reason": "", "detail": "", "source_kind": "email",
          "path": f"emails/{d}.eml", "locator": f"<{d}@x>", "record_id": r["id"]} for r in rows for d in r["source_document_ids"]],
        schema=LEDGER_SCHEMA,
    )
    examples_ledger.write_parquet(tmp_path / "in" / "ledger.parquet")
    summary = dedup(path, tmp_path / "out")

    ledger = pl.read_parquet(tmp_path / "out" / "ledger.parquet")
    assert ledger.schema == LEDGER_SCHEMA
    assert Counter(ledger.get_column("unit_id").to_list()) == Counter(d for r in rows for d in r["source_document_ids"])
    assert set(ledger.get_column("stage").to_list()) == {"dedup"}
    assert set(ledger.filter(pl.col("outcome") == "dropped").get_column("reason").to_list()) <= set(DROP_REASONS)
    kept = ledger.filter(pl.col("outcome") == "kept")
    assert set(kept.get_column("record_id").to_list()) == kept_ids(tmp_path / "out")
    assert (ledger.filter(pl.col("outcome") == "dropped").get_column("record_id") == "").all()
    assert ledger.get_column("path").str.starts_with("emails/").all() and ledger.get_column("locator").str.starts_with("<").all()
    assert summary.kept + sum(summary.dropped.values()) == summary.inputs == len(rows)
    out_examples = read_survivors(path, tmp_path / "out" / "survivors.parquet")
    assert out_examples.schema == EXAMPLE_SCHEMA and out_examples.height == summary.kept == 6
    assert out_examples.get_column("id").to_list() == pl.read_parquet(path).filter(
        pl.col("id").is_in(list(kept_ids(tmp_path / "out")))).unique("id", keep="first", maintain_order=True).get_column("id").to_list()
    assert read_signatures(tmp_path / "out" / "signatures.parquet", list(signature_schema(128))).schema == signature_schema(128)
    assert (tmp_path / "out" / "dedup_summary.json").exists()


def test_incremental_new_example_matching_an_earlier_drop_names_its_survivor(tmp_path):
    a_words = words(50, 100)
    a = example(a_words, tag="a")
    short = [w[:3] for w in words(51, 14)]  # shorter words: a stays the longest, the survivor
    dropped_before = a_words[:20] + short[:7] + a_words[27:]  # ~0.83 similar to a
    config = DedupConfig(num_perm=256)  # a steeper LSH curve: ~0.83 similar pairs are found for sure
    run1 = dedup(write_examples(tmp_path / "v1", [a, example(dropped_before, tag="before")]), tmp_path / "out1", config)
    assert run1.dropped == {"near_duplicate": 1}
    newer = dropped_before[:70] + short[7:] + dropped_before[77:]  # ~0.83 similar to the dropped one, ~0.69 to a
    rows = [a, example(dropped_before, tag="before"), example(newer, tag="newer")]
    run2 = dedup(write_examples(tmp_path / "v2", rows), tmp_path / "out2", config, previous_signatures=tmp_path / "out1" / "signatures.parquet")
    assert run2.hashed == 1 and run2.remembered == 1
    seen = outcomes(tmp_path / "out2")
    outcome, reason, detail = seen["doc_newer"]
    assert (outcome, reason) == ("dropped", "near_duplicate")
    assert detail.startswith(f"survivor={a['id']} similarity=0.6")
    assert f"matched={rows[1]['id']} matched_similarity=0.8" in detail


def _two_versions(tmp_path, config: DedupConfig | None = None):
    """v1: a, b (kept); v2: a, b, a copy of a (new), a fresh example (new)."""
    a, b = example(words(61), tag="a"), example(words(62), tag="b")
    first = dedup(write_examples(tmp_path / "v1", [a, b]), tmp_path / "out1", config)
    a_copy = example(edited(words(61), [40]), tag="a_copy", days=3)
    fresh = example(words(63), tag="fresh", days=3)
    path = write_examples(tmp_path / "v2", [a, b, a_copy, fresh])
    return first, path, (a, b, a_copy, fresh)


def test_incremental_run_links_earlier_parts_and_reads_no_earlier_signature(tmp_path, monkeypatch):
    from curation.dedup import pipeline

    _, path, (a, _, a_copy, _) = _two_versions(tmp_path)
    published = tmp_path / "out1" / "signatures.parquet"
    assert published.is_dir() and sorted(p.name for p in published.iterdir()) == ["part-00000.parquet", "texts-00000.arrow"]
    reads, input_rows = [], []
    monkeypatch.setattr(pipeline, "_rows_of_parts", lambda *args: reads.append(args) or pytest.fail("read earlier signatures"))
    input_texts = pipeline._texts
    monkeypatch.setattr(pipeline, "_texts", lambda file, rows: input_rows.extend(rows.tolist()) or input_texts(file, rows))
    run2 = dedup(path, tmp_path / "out2", previous_signatures=published)
    assert run2.hashed == 2 and run2.earlier_examples == 2 and not reads  # band keys are stored; texts give the Jaccard
    assert input_rows == [2, 3]  # only the new rows are read from the input; a's text comes from the text store
    seen = outcomes(tmp_path / "out2")
    assert seen["doc_a_copy"][:2] == ("dropped", "near_duplicate") and f"survivor={a['id']} " in seen["doc_a_copy"][2]
    out = tmp_path / "out2" / "signatures.parquet"
    assert (out / "part-00000.parquet").stat().st_ino == (published / "part-00000.parquet").stat().st_ino  # a hard link
    new_part = pl.read_parquet(out / "part-00001.parquet")
    assert new_part.height == 2 and {"band_keys", "band_tag"} <= set(new_part.columns)
    assert new_part.get_column("band_keys").dtype == pl.Array(pl.UInt64, DedupConfig().bands_rows[0])


def test_rerun_into_the_same_out_dir_replaces_the_signature_folder(tmp_path):
    _, path, _ = _two_versions(tmp_path)
    dedup(path, tmp_path / "out2", previous_signatures=tmp_path / "out1" / "signatures.parquet")
    dedup(path, tmp_path / "out2")  # a full run now: one part with every example
    out = tmp_path / "out2" / "signatures.parquet"
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet", "texts-00000.arrow"]
    assert read_signatures(out).height == 4
    assert read_signatures(tmp_path / "out1" / "signatures.parquet").height == 2  # the linked part was not touched


@pytest.mark.parametrize("previous_form", ["single_file", "other_bands"])
def test_incremental_run_accepts_older_signature_files(tmp_path, previous_form):
    """A single signatures.parquet file (before folders), or parts keyed for other bands: keys are computed again."""
    balanced = DedupConfig(false_positive_weight=0.5, false_negative_weight=0.5)
    _, path, _ = _two_versions(tmp_path, balanced if previous_form == "other_bands" else None)
    published = tmp_path / "out1" / "signatures.parquet"
    if previous_form == "single_file":
        single = tmp_path / "old" / "signatures.parquet"
        single.parent.mkdir()
        read_signatures(published, list(signature_schema(128))).write_parquet(single)
        published = single
    reference = dedup(path, tmp_path / "reference", previous_signatures=tmp_path / "out1" / "signatures.parquet") \
        if previous_form == "single_file" else None
    run2 = dedup(path, tmp_path / "out2", previous_signatures=published)
    assert run2.hashed == 2 and run2.dropped == {"near_duplicate": 1}
    if reference is not None:
        for name in ("survivors", "clusters", "ledger"):
            assert pl.read_parquet(tmp_path / "out2" / f"{name}.parquet").equals(pl.read_parquet(tmp_path / "reference" / f"{name}.parquet"))
    assert read_signatures(tmp_path / "out2" / "signatures.parquet").height == 4


def test_texts_read_only_the_row_groups_of_the_wanted_rows(tmp_path):
    import pyarrow.parquet as pq

    from curation.dedup.minhash import example_text
    from curation.dedup.pipeline import _texts

    rows = [example(words(300 + k, 20), tag=f"r{k}") for k in range(50)]
    path = tmp_path / "examples.parquet"
    pq.write_table(pl.DataFrame(rows, schema=EXAMPLE_SCHEMA).to_arrow(), path, row_group_size=7)
    everything = pl.read_parquet(path).select(example_text()).to_series()
    for wanted in (np.array([0, 3, 6, 7, 20, 48, 49]), np.array([44, 48, 49])):  # most row groups (a scan) or a few
        assert _texts(path, wanted).to_list() == everything.gather(wanted).to_list()
    assert _texts(path, np.array([], np.int64)).to_list() == []


def test_previous_signatures_in_the_out_dir_itself(tmp_path):
    """previous_signatures may be out_dir/signatures.parquet: an older single file, or the folder (a part is appended)."""
    _, path, _ = _two_versions(tmp_path)
    out = tmp_path / "out1"
    single = read_signatures(out / "signatures.parquet", list(signature_schema(128)))
    for form in ("single_file", "folder"):
        target = out / "signatures.parquet"
        if form == "single_file":
            import shutil

            shutil.rmtree(target)
            single.write_parquet(target)
        run = dedup(path, out, previous_signatures=target)
        if form == "single_file":
            assert run.hashed == 2 and run.dropped == {"near_duplicate": 1}
        else:  # the folder already holds the run above: nothing new, the copy of a is remembered
            assert run.hashed == 0 and run.remembered == 1 and run.dropped == {"near_duplicate": 1}
        assert target.is_dir() and read_signatures(target).height == 4
    assert sorted(p.name for p in target.iterdir()) == [  # the single file had no text store; later parts do
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet", "texts-00001.arrow", "texts-00002.arrow"]


def test_survivors_refuse_an_examples_file_that_changed_since_dedup(tmp_path):
    rows = [example(words(60 + k, 80), tag=str(k)) for k in range(4)]
    path = write_examples(tmp_path / "in", rows)
    dedup(path, tmp_path / "out")
    assert read_survivors(path, tmp_path / "out" / "survivors.parquet").height == 4
    write_examples(tmp_path / "in", [rows[1], rows[0], *rows[2:]])  # same examples, other rows
    with pytest.raises(ValueError, match="run dedup again"):
        read_survivors(path, tmp_path / "out" / "survivors.parquet")
