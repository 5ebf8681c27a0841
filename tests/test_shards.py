"""Sharded per-document steps (curation/shards.py): the same version whatever the map and the shard
count; per-unit caches and step memos that make a refresh over unchanged inputs do no work and a new
file cost only its own thread; progress per shard."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from curation import run
from curation.shards import PoolMap, cut
from tests.refresh_helpers import sample_config

SMALL_SHARDS = 60  # the sample's ~300 documents in several shards per step
OUTPUTS = ("ingest/documents.parquet", "clean/documents.parquet", "clean/ledger.parquet", "examples/examples.parquet",
           "examples/ledger.parquet", "split/examples.parquet", "validate/ledger.parquet")

NEW_MESSAGE = """From: Ada Quill <ada.quill@inbox.example>
To: Nordlicht Gadgets Support <support@nordlicht.example>
Subject: C-7 HubStation - pairing light keeps blinking
Date: Tue, 02 Apr 2024 09:15:00 +0200
Message-ID: <20240402091500.c7pairing.1@inbox.example>
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0

Hello,

my C-7 HubStation has been blinking blue for two days and no sensor pairs with it any more.
What should I try before I send it back?

Ada
"""


def _refresh(tmp: Path, name: str, **kwargs) -> tuple[run.RefreshResult, Path]:
    config = sample_config(tmp / name)
    return run.refresh(config, progress=False, gx_project_root=tmp / name, **kwargs), Path(config.output_dir)


def _frames(out: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(out / name) for name in OUTPUTS}


def _same_outputs(a: Path, b: Path) -> None:
    ours, theirs = _frames(a), _frames(b)
    for name in OUTPUTS:
        assert ours[name].equals(theirs[name]), name


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    return _refresh(tmp, "single", map_fn=map)


def test_every_map_and_shard_count_gives_the_same_version_and_the_same_rows(single, tmp_path):
    reference, reference_out = single
    assert reference.status == "published", reference.validation.get("critical_failures")
    many, many_out = _refresh(tmp_path, "many", map_fn=map, shard_size=SMALL_SHARDS)
    assert many.stages["clean"]["cache"]["shards"] > 3 and many.stages["examples"]["cache"]["shards"] > 3
    with PoolMap(2) as pool:
        pooled, pooled_out = _refresh(tmp_path, "pool", map_fn=pool, shard_size=SMALL_SHARDS)
    for result, out in ((many, many_out), (pooled, pooled_out)):
        assert result.version_id == reference.version_id
        _same_outputs(reference_out, out)


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_version(single, tmp_path):
    distributed = pytest.importorskip("distributed")
    reference, reference_out = single
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        def dask_map(fn, shards):
            return client.gather(client.map(fn, list(shards), pure=False))

        result, out = _refresh(tmp_path, "dask", map_fn=dask_map, shard_size=SMALL_SHARDS)
    assert result.version_id == reference.version_id
    _same_outputs(reference_out, out)


def test_unchanged_inputs_do_no_work_and_a_new_file_costs_its_thread(tmp_path):
    first, out = _refresh(tmp_path, "incr", map_fn=map, shard_size=SMALL_SHARDS)
    assert first.status == "published"
    assert first.stages["clean"]["cache"]["computed"] == first.stages["clean"]["cache"]["documents"]

    again, _ = _refresh(tmp_path, "incr", map_fn=map, shard_size=SMALL_SHARDS)
    assert (again.status, again.version_id) == ("unchanged", first.version_id)
    assert {"clean", "examples", "split", "validate"} <= set(again.skipped)
    assert again.stages["clean"]["cache"]["computed"] == 0 and again.stages["examples"]["cache"]["computed"] == 0

    # without the memos, the per-unit caches answer everything: still no document cleaned, no example built
    for step in ("clean", "examples", "split", "validate"):
        (out / step / "step_memo.json").unlink()
    cached, _ = _refresh(tmp_path, "incr", map_fn=map, shard_size=SMALL_SHARDS)
    assert cached.version_id == first.version_id and not cached.skipped
    clean, examples = cached.stages["clean"]["cache"], cached.stages["examples"]["cache"]
    assert clean["computed"] == 0 and clean["shards_reused"] == clean["shards"]
    assert examples["computed"] == 0 and examples["shards_reused"] == examples["shards"]

    new_file = tmp_path / "incr" / "raw" / "emails" / "eml" / "msg_new_pairing.eml"
    new_file.write_text(NEW_MESSAGE)
    grown, _ = _refresh(tmp_path, "incr", map_fn=map, shard_size=SMALL_SHARDS)
    assert grown.stages["ingest"]["email"]["files"] == 1, "only the new file is read"
    assert grown.stages["clean"]["cache"]["computed"] == 1, "only the new message is cleaned"
    assert grown.stages["examples"]["cache"]["computed"] == 1, "only the new message's thread is built"
    assert grown.stages["clean"]["cache"]["shards_reused"] >= grown.stages["clean"]["cache"]["shards"] - 2
    ledger = pl.read_parquet(out / "examples" / "ledger.parquet")
    assert ledger.filter(pl.col("path").str.ends_with("msg_new_pairing.eml")).height == 1

    new_file.unlink()  # a removed file leaves the next version: the first version again
    shrunk, _ = _refresh(tmp_path, "incr", map_fn=map, shard_size=SMALL_SHARDS)
    assert shrunk.version_id == first.version_id
    assert pl.read_parquet(out / "ingest" / "documents.parquet").filter(pl.col("path").str.ends_with("msg_new_pairing.eml")).is_empty()

    for step in ("clean", "examples", "validate"):  # the caches are safe to delete
        shutil.rmtree(out / step / "cache")
        (out / step / "step_memo.json").unlink(missing_ok=True)
    rebuilt, _ = _refresh(tmp_path, "incr", map_fn=map, shard_size=SMALL_SHARDS)
    assert rebuilt.version_id == first.version_id
    assert rebuilt.stages["clean"]["cache"]["computed"] == rebuilt.stages["clean"]["cache"]["documents"]


def test_progress_is_reported_per_shard(tmp_path):
    seen: list[tuple[str, int, int]] = []
    _refresh(tmp_path, "progress", map_fn=map, shard_size=SMALL_SHARDS, on_progress=lambda what, done, total: seen.append((what, done, total)))
    for what in ("ingest", "clean", "examples", "validate: records"):
        ticks = [(done, total) for w, done, total in seen if w == what]
        assert ticks and ticks[0][0] == 0 and ticks[-1][0] == ticks[-1][1], what
        assert [done for done, _ in ticks] == list(range(len(ticks))), what


def test_cuts_are_content_defined():
    units = [f"thread-{i}" for i in range(2000)]
    before = cut(units, [1] * len(units), 50)
    assert 10 < len(before) < 150 and before[0][0] == 0 and before[-1][1] == len(units)
    assert all(a < b for a, b in before) and all(x[1] == y[0] for x, y in zip(before, before[1:]))
    grown = units[:1000] + ["thread-new"] + units[1000:]
    after = cut(grown, [1] * len(grown), 50)
    names_before = {tuple(units[a:b]) for a, b in before}
    names_after = {tuple(grown[a:b]) for a, b in after}
    assert len(names_after - names_before) <= 2, "one new unit changes at most the shard it lands in (and a neighbour)"


QUESTIONS = [
    ("A-45 SuperWidget", "the display stays dark after the firmware update"),
    ("B-12 MiniWidget", "the battery drains overnight even when it is switched off"),
    ("C-7 HubStation", "the red light stays on after I moved it to another room"),
    ("D-90 PowerDock", "the charging pad gets hot and stops after ten minutes"),
    ("E-3 SmartTag", "the app no longer finds the tag after I changed my phone"),
    ("A-45 SuperWidget", "how do I reset it before I give it to my nephew"),
]


def test_new_threads_land_after_the_old_ones_so_most_shards_are_reused(tmp_path):
    """Ingest keeps its groups' order and puts new ones last: new files change the shards at the end, not all
    of them (sorted by group key, new threads fell among the old ones: every shard changed at +1%). The
    version does not depend on that history: a fresh refresh over the same files publishes the same one."""
    first, out = _refresh(tmp_path, "grow", map_fn=map, shard_size=SMALL_SHARDS)
    assert first.status == "published"
    order_before = pl.read_parquet(out / "ingest" / "documents.parquet", columns=["id"])["id"].to_list()
    folder = tmp_path / "grow" / "raw" / "emails" / "eml"
    for n, (product, problem) in enumerate(QUESTIONS):  # new threads: a customer's question and the company's answer
        question = (NEW_MESSAGE.replace("C-7 HubStation - pairing light keeps blinking", f"{product}: {problem}")
                    .replace("20240402091500.c7pairing.1", f"20240402091500.grow{n}.1")
                    .replace("my C-7 HubStation has been blinking blue for two days and no sensor pairs with it any more.",
                             f"my {product} has a problem: {problem}. It is {n + 2} months old."))
        (folder / f"msg_grow_{n}.eml").write_text(question)
        (folder / f"msg_grow_{n}_reply.eml").write_text(
            f"From: Nordlicht Gadgets Support <support@nordlicht.example>\nTo: Ada Quill <ada.quill@inbox.example>\n"
            f"Subject: Re: {product}: {problem}\nDate: Wed, 03 Apr 2024 10:0{n}:00 +0200\n"
            f"Message-ID: <20240403100000.grow{n}.2@nordlicht.example>\nIn-Reply-To: <20240402091500.grow{n}.1@inbox.example>\n"
            f"Content-Type: text/plain; charset=\"utf-8\"\nMIME-Version: 1.0\n\nHello Ada,\n\nthank you for writing. Please hold the "
            f"button on the back of your {product} for {n + 5} seconds until the light turns white, then try again; "
            f"if {problem.split(' ')[0]} problem stays, reply with the serial number and we will replace it.\n\nBest regards,\nNordlicht Gadgets Support\n")
    grown, _ = _refresh(tmp_path, "grow", map_fn=map, shard_size=SMALL_SHARDS)
    order_after = pl.read_parquet(out / "ingest" / "documents.parquet", columns=["id"])["id"].to_list()
    assert [d for d in order_after if d in set(order_before)] == order_before, "the old documents keep their order"
    emails = pl.read_parquet(out / "ingest" / "documents.parquet", columns=["id", "source_kind"]).with_row_index()
    new_rows = emails.filter(~pl.col("id").is_in(order_before))["index"].to_list()
    last_old_email = emails.filter(pl.col("id").is_in(order_before) & (pl.col("source_kind") == "email"))["index"].max()
    assert len(new_rows) == 2 * len(QUESTIONS) and min(new_rows) > last_old_email, "new threads follow the old e-mails"
    clean, examples = grown.stages["clean"]["cache"], grown.stages["examples"]["cache"]
    records = grown.validation["per_record"]
    assert "validate" not in grown.skipped and records["computed"] >= len(QUESTIONS), records  # new conversations were checked
    assert clean["computed"] == 2 * len(QUESTIONS)
    assert clean["shards_reused"] >= clean["shards"] - 2, clean
    assert examples["shards_reused"] >= examples["shards"] - 2, examples
    assert records["shards_reused"] >= records["shards"] - 2, records

    shutil.copytree(tmp_path / "grow" / "raw", tmp_path / "fresh" / "raw")  # sample_config copies the sample only where raw/ is missing
    fresh, fresh_out = _refresh(tmp_path, "fresh", map_fn=map, shard_size=SMALL_SHARDS)
    assert fresh.version_id == grown.version_id
    columns = ["id", "split"]
    assert pl.read_parquet(fresh_out / "split" / "examples.parquet", columns=columns).sort("id").equals(
        pl.read_parquet(out / "split" / "examples.parquet", columns=columns).sort("id"))
