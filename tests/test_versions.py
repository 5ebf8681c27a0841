"""Versions: content-addressed ids, stable splits, atomic publishing, loadable outputs."""

from __future__ import annotations

import csv
import json
import os
import signal
from pathlib import Path

import polars as pl
import pytest

from curation import run
from curation.steps import RunContext, run_step
from curation.versions import list_versions
from tests.refresh_helpers import sample_config


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("refresh")
    config = sample_config(tmp)
    result = run.refresh(config, progress=False, gx_project_root=tmp)
    return tmp, config, result


def test_refresh_publishes_a_complete_version(first):
    tmp, config, result = first
    assert result.status == "published", result.validation.get("critical_failures")
    files = {p.name for p in result.path.iterdir()}
    assert {"train.parquet", "validation.parquet", "test.parquet", "train.jsonl", "hf", "ledger.parquet", "clusters.parquet",
            "signatures.parquet", "validation.json", "manifest.json"} <= files
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["conservation"]["ok"], manifest["conservation"]
    units = manifest["counts"]["units"]
    assert sum(units.values()) == manifest["stages"]["ingest"]["email"]["units"] + manifest["stages"]["ingest"]["manual"]["units"] + manifest["stages"]["ingest"]["ticket"]["units"]
    assert manifest["validation"]["passed"] and manifest["parent"] is None
    assert manifest["products"] == config.company.products  # the catalog training varies product names with


def test_same_inputs_give_the_same_id_and_nothing_new(first):
    tmp, config, result = first
    again = run.refresh(config, progress=False, gx_project_root=tmp)
    assert (again.version_id, again.status) == (result.version_id, "unchanged")
    assert len(list_versions(Path(config.versions_dir))) == 1


def test_published_dataset_loads_with_datasets_and_smollm2_template(first):
    from datasets import load_dataset, load_from_disk

    from train.base_model import load_tokenizer

    _, _, result = first
    disk = load_from_disk(str(result.path / "hf"))
    assert set(disk) == {"train", "validation", "test"}
    jsonl = load_dataset("json", data_files={s: str(result.path / f"{s}.jsonl") for s in ("train", "validation", "test")})
    assert jsonl["train"].num_rows == disk["train"].num_rows == pl.read_parquet(result.path / "train.parquet").height
    tokenizer = load_tokenizer("smollm2")
    for split in ("train", "validation", "test"):
        for record in jsonl[split]:
            text = tokenizer.apply_chat_template(record["messages"], tokenize=False)
            assert record["messages"][-1]["content"] in text


def test_a_new_ticket_makes_a_new_version_whose_diff_is_that_ticket(first, tmp_path):
    tmp, config, result = first
    csv_path = Path(config.sources[2]) / "tickets_kaggle.csv"
    rows = list(csv.DictReader(csv_path.open(newline="", encoding="utf-8")))
    new = dict(rows[0])
    new.update({"Ticket ID": "999999", "Customer Name": "Quinn Ortega", "Customer Email": "quinn.ortega@example.net",
                "Ticket Description": "My B-12 MiniWidget keeps blinking red after I dropped it in the garden. What should I do now?",
                "Ticket Status": "Closed", "Resolution": "Please dry the B-12 MiniWidget for 24 hours, then charge it for 2 hours; if it still blinks red, we replace it under warranty."})
    with csv_path.open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=list(rows[0])).writerow(new)
    try:
        second = run.refresh(config, progress=False, gx_project_root=tmp)
    finally:
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    assert second.status == "published" and second.version_id != result.version_id
    manifest = json.loads((second.path / "manifest.json").read_text())
    assert manifest["parent"] == result.version_id
    diff = manifest["diff"]
    assert diff["removed"] == [] and diff["moved_between_splits"] == []
    new_examples = pl.concat([pl.read_parquet(second.path / f"{s}.parquet") for s in ("train", "validation", "test")])
    added = new_examples.filter(pl.col("id").is_in(diff["added"]))
    assert added.height == 1
    assert added["group_key"][0].endswith("tickets_kaggle.csv#999999")
    assert "Quinn" not in json.dumps(added["messages"].to_list())
    # the new version's dedup state: the parent's parts and text stores shared (hard links), one new part each
    before, after = result.path / "signatures.parquet", second.path / "signatures.parquet"
    assert sorted(p.name for p in after.iterdir()) == sorted(
        [p.name for p in before.iterdir()] + ["part-00001.parquet", "texts-00001.arrow"])
    for name in ("part-00000.parquet", "texts-00000.arrow"):
        assert (after / name).stat().st_ino == (before / name).stat().st_ino


def _work_copy(config, tmp_path: Path, edit) -> Path:
    import shutil

    work = tmp_path / "out"
    shutil.copytree(Path(config.output_dir), work, ignore=shutil.ignore_patterns("gx"))
    split = pl.read_parquet(work / "split" / "examples.parquet")
    edit(split).write_parquet(work / "split" / "examples.parquet")
    return work


def _with_email(split: pl.DataFrame) -> pl.DataFrame:
    return split.with_columns(
        messages=pl.when(pl.col("id") == split["id"][0])
        .then(pl.col("messages").list.eval(pl.struct(role=pl.element().struct.field("role"), content=pl.element().struct.field("content") + " mail me: jo@posteo.de")))
        .otherwise(pl.col("messages"))
    )


def test_a_record_with_pii_left_is_quarantined_not_the_version(first, tmp_path):
    tmp, config, _ = first
    work = _work_copy(config, tmp_path, _with_email)
    leaked_id = pl.read_parquet(work / "split" / "examples.parquet")["id"][0]
    validation = run_step("validate", config, work, RunContext(gx_project_root=tmp))
    assert validation["passed"], validation["critical_failures"]
    assert validation["records"]["quarantined"] == 1
    ledger = pl.read_parquet(work / "validate" / "ledger.parquet").filter(pl.col("record_id") == leaked_id)
    assert set(ledger["outcome"]) == {"quarantined"} and set(ledger["reason"]) == {"pii_leftover"}
    assert "EMAIL pattern" in ledger["detail"][0] and "jo@posteo.de" not in ledger["detail"][0], "the rule and type, never the text"
    assert leaked_id not in pl.read_parquet(work / "validate" / "examples.parquet")["id"].to_list()

    strict = config.model_copy(update={"versions_dir": str(tmp_path / "versions"),
                                       "validation": config.validation.model_copy(update={"max_quarantined_share": 0.0})})
    failed = run_step("validate", strict, work, RunContext(gx_project_root=tmp))
    assert not failed["passed"]
    (failure,) = [f for f in failed["failures"] if f["check"] == "quarantined records"]
    assert failure["count"] == 1 and failure["examples"] == [leaked_id] and "pii_leftover=1" in failure["rule"]
    published = run_step("publish", strict, work, RunContext(results={"validate": failed}))
    assert published["status"] == "failed"
    assert list_versions(tmp_path / "versions") == []
    assert (tmp_path / "versions" / "_failed" / published["version_id"] / "manifest.json").exists()


def test_a_critical_expectation_names_its_rule_count_and_rows(first, tmp_path):
    tmp, config, _ = first

    def straddle(split: pl.DataFrame) -> pl.DataFrame:  # one group's examples in two splits
        group = split.group_by("group_key").len().filter(pl.col("len") > 1)["group_key"][0]
        first_row = split.with_row_index().filter(pl.col("group_key") == group)["index"][0]
        return split.with_row_index().with_columns(
            split=pl.when(pl.col("index") == first_row).then(pl.lit("test" if split["split"][first_row] != "test" else "train"))
            .otherwise(pl.col("split"))).drop("index"), group

    holder = {}

    def edit(split):
        frame, holder["group"] = straddle(split)
        return frame

    work = _work_copy(config, tmp_path, edit)
    validation = run_step("validate", config, work, RunContext(gx_project_root=tmp))
    assert not validation["passed"]
    failure = next(f for f in validation["failures"] if f.get("table") == "groups")
    assert failure["rule"] == "a group never spans splits" and failure["count"] == 1 and failure["examples"] == [holder["group"]]
    assert any("a group never spans splits" in line and holder["group"] in line for line in validation["critical_failures"])


def test_great_expectations_writes_under_the_output_folder_never_the_code_folder(first, tmp_path):
    import shutil

    from curation.validate.suite import SEED_GX_DIR

    tmp, config, _ = first
    work = tmp_path / "out"
    shutil.copytree(Path(config.output_dir), work, ignore=shutil.ignore_patterns("gx"))
    before = sorted((p.relative_to(SEED_GX_DIR), p.stat().st_mtime_ns) for p in SEED_GX_DIR.rglob("*"))
    validation = run_step("validate", config, work)  # no gx_project_root: the product's default
    assert validation["passed"], validation["critical_failures"]
    assert validation["gx"]["data_docs"].startswith((work / "gx").as_uri())
    assert (work / "gx" / "expectations" / "specialist_library_examples.json").exists()
    assert sorted((p.relative_to(SEED_GX_DIR), p.stat().st_mtime_ns) for p in SEED_GX_DIR.rglob("*")) == before
    # Data Docs: this run's four validation pages, and none of the user's text (the tables hold counts and ids only)
    site = work / "gx" / "uncommitted" / "data_docs" / "local_site"
    pages = sorted(p.relative_to(site / "validations").parts[0] for p in (site / "validations").rglob("*.html"))
    assert pages == sorted(f"specialist_library_{t}" for t in ("examples", "groups", "messages", "sources"))
    examples = pl.read_parquet(work / "validate" / "examples.parquet")
    replies = [m["content"] for ms in examples["messages"].to_list() for m in ms if m["role"] == "assistant" and len(m["content"]) > 60]
    docs = "\n".join(p.read_text() for p in site.rglob("*.html"))
    assert replies and not [r for r in replies if r[:60] in docs]


def test_a_context_from_older_code_is_brought_up_to_date(first, tmp_path):
    """A working folder's GX context written by older code (another suite, Data Docs per checkpoint) is
    replaced coherently: the validation definition points at the new suite, no checkpoint builds docs."""
    import shutil

    from curation.validate.suite import SEED_GX_DIR

    tmp, config, _ = first
    work = tmp_path / "out"
    shutil.copytree(Path(config.output_dir), work, ignore=shutil.ignore_patterns("gx"))
    shutil.copytree(SEED_GX_DIR, work / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    suite_file = work / "gx" / "expectations" / "specialist_library_examples.json"
    suite = json.loads(suite_file.read_text())
    suite["expectations"].append({**suite["expectations"][0], "id": "00000000-0000-4000-8000-000000000000", "type": "expect_column_values_to_not_be_null"})
    suite_file.write_text(json.dumps(suite))
    for checkpoint in (work / "gx" / "checkpoints").glob("*.json"):
        stored = json.loads(checkpoint.read_text())
        checkpoint.write_text(json.dumps({**stored, "actions": [{"name": "update_data_docs", "site_names": [], "type": "update_data_docs"}]}))

    validation = run_step("validate", config, work)
    assert validation["passed"], validation["critical_failures"]
    assert validation["gx"]["statistics"]["evaluated"] == 20  # the code's expectations, not the stale extra one
    suite = json.loads(suite_file.read_text())
    definition = json.loads((work / "gx" / "validation_definitions" / "specialist_library_examples_validation.json").read_text())
    assert definition["suite"] == {"id": suite["id"], "name": "specialist_library_examples"}
    assert all(json.loads(c.read_text())["actions"] == [] for c in (work / "gx" / "checkpoints").glob("*.json"))


def test_a_read_only_install_seeds_a_writable_gx_context(tmp_path):
    import shutil
    import stat

    from curation.validate.suite import SEED_GX_DIR, seed_project

    seed = tmp_path / "installed" / "gx"
    shutil.copytree(SEED_GX_DIR, seed, ignore=shutil.ignore_patterns("uncommitted"))
    for path in [seed, *seed.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        seed_project(tmp_path / "out", seed=seed)
        copied = tmp_path / "out" / "gx" / "checkpoints" / "specialist_library_examples_checkpoint.json"
        assert copied.stat().st_mode & stat.S_IWUSR, "a plain byte copy: the original's read-only mode is not carried over"
        copied.write_text(copied.read_text())
        assert (tmp_path / "out" / "gx" / "great_expectations.yml").exists()
    finally:
        for path in [seed, *seed.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_explain_prints_each_stage_once_and_says_why(first):
    from typer.testing import CliRunner

    from train.cli import app

    _, config, result = first
    ledger = pl.read_parquet(result.path / "ledger.parquet")
    # a message: one unit, one example (a manual section gives two, an instruction and a passage)
    kept = ledger.filter((pl.col("stage") == "validate") & (pl.col("outcome") == "kept") & (pl.col("source_kind") == "email")).row(0, named=True)
    for where in (Path(config.output_dir), result.path):
        shown = CliRunner().invoke(app, ["explain", kept["unit_id"], "--out", str(where)])
        assert shown.exit_code == 0, shown.output
        stages = [line.split()[0] for line in shown.output.splitlines()[2:]]
        assert stages == list(dict.fromkeys(stages)) and stages[0] == "ingest" and stages[-1] == "validate", shown.output
    dropped = ledger.filter(pl.col("reason") == "near_duplicate").row(0, named=True)
    shown = CliRunner().invoke(app, ["explain", dropped["unit_id"], "--out", str(result.path)])
    assert "dropped:near_duplicate" in shown.output and dropped["detail"] in shown.output


def _validated_at(first, tmp_path, max_seq_length: int, **validation) -> dict:
    """The published examples validated again as if training used `max_seq_length` tokens."""
    import shutil

    tmp, config, _ = first
    shorter = config.model_copy(update={"train": config.train.model_copy(update={"max_seq_length": max_seq_length}),
                                        "validation": config.validation.model_copy(update=validation)})
    work = tmp_path / "out"
    shutil.copytree(Path(config.output_dir), work, ignore=shutil.ignore_patterns("gx"))
    return run_step("validate", shorter, work, RunContext(gx_project_root=tmp)), work


def test_windows_fit_and_validation_reports_examples_over_the_training_length(first, tmp_path):
    _, config, result = first
    tokens = pl.read_parquet(result.path / "token_counts.parquet")
    assert tokens.height and tokens["tokens"].max() <= config.train.max_seq_length, "windows and chunks fit the 256-token training length"
    assert not any("train.max_seq_length" in w for w in result.validation["warnings"])
    # trained with a shorter window, the same examples would be cut: validation says which and how many
    validation, work = _validated_at(first, tmp_path, 128)
    over = pl.read_parquet(work / "validate" / "token_counts.parquet").filter(pl.col("tokens") > 128)
    assert over.height
    assert sum(check["over_train_length"] for check in validation["export"].values()) == over.height
    assert all(check["train_max_seq_length"] == 128 for check in validation["export"].values())
    assert any(f"{over.height} of " in w and "train.max_seq_length" in w for w in validation["warnings"])


def test_the_example_quality_report_is_part_of_validation_and_can_fail_a_version(first, tmp_path):
    tmp, config, result = first
    quality = result.validation["quality"]
    published = sum(pl.read_parquet(result.path / f"{s}.parquet").height for s in ("train", "validation", "test"))
    assert quality["all"]["examples"] == published
    assert quality["all"]["defects"]["echo"]["count"] == 0 and quality["all"]["defects"]["template_residue"]["count"] == 0
    assert quality["all"]["defects"]["redaction_tag"]["count"] == 0, "surrogates are the default: no <PERSON> reaches training text"
    assert quality["all"]["defects"]["cut_by_window"]["count"] == 0, "windows and chunks fit the training length"
    failed, _ = _validated_at(first, tmp_path, 128, critical_defect_shares={"cut_by_window": 0.0})
    cut = failed["quality"]["all"]["defects"]["cut_by_window"]
    assert cut["count"] > 0
    (failure,) = [f for f in failed["failures"] if f["check"] == "example quality: cut_by_window"]
    assert not failed["passed"] and failure["count"] == cut["count"] and failure["examples"] == cut["examples"]



def test_the_suites_in_a_process_of_their_own_give_the_same_report(first, tmp_path):
    """What `curate refresh` does when it has not imported GX yet: the same suites, the same verdicts, also a failing one."""
    from curation.validate.gx_process import SuiteProcess

    tmp, config, _ = first

    def straddle(split: pl.DataFrame) -> pl.DataFrame:  # one group's examples in two splits: a critical failure
        group = split.group_by("group_key").len().filter(pl.col("len") > 1).sort("group_key")["group_key"][0]
        at = split.with_row_index().filter(pl.col("group_key") == group)["index"][0]
        moved = "test" if split["split"][at] != "test" else "train"
        return split.with_row_index().with_columns(split=pl.when(pl.col("index") == at).then(pl.lit(moved)).otherwise(pl.col("split"))).drop("index")

    here = run_step("validate", config, _work_copy(config, tmp_path / "here", straddle), RunContext(gx_project_root=tmp_path / "here"))
    with SuiteProcess() as suites:
        there = run_step("validate", config, _work_copy(config, tmp_path / "there", straddle),
                         RunContext(gx_project_root=tmp_path / "there", run_suites=suites))
    assert not here["passed"] and not there["passed"]
    assert there["critical_failures"] == here["critical_failures"]
    assert there["gx"]["results"] == here["gx"]["results"] and there["gx"]["statistics"] == here["gx"]["statistics"]
    assert there["gx"]["data_docs"].startswith((tmp_path / "there").as_uri())


def test_the_suites_process_raises_what_went_wrong_in_it(first):
    from curation.validate.gx_process import SuiteProcess

    _, config, _ = first
    with SuiteProcess() as suites:
        with pytest.raises(KeyError) as raised:  # no tables at all: run_suites looks up the examples table
            suites({}, config.validation, config.split.ratios, project_root=Path(config.output_dir) / "gx-error")
        assert any("raised in the Great Expectations process" in note and "run_suites" in note for note in raised.value.__notes__)
        answer = suites.submit({}, config.validation, config.split.ratios, project_root=Path(config.output_dir) / "gx-error")
        with pytest.raises(KeyError):  # validate's way: hand the tables over, write the export, then ask
            answer()
        os.kill(suites.pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match=r"ended \(exit code -9\) before it answered"):
            suites({}, config.validation, config.split.ratios, project_root=Path(config.output_dir) / "gx-error")
    stopped = SuiteProcess()
    stopped.close()  # at once, while it imports: a refresh that never validated does not wait for it
    assert not stopped.alive

    with SuiteProcess() as left:  # as a refresh leaves it after validate: asked to end, not waited for (the dashboard is built meanwhile)
        with pytest.raises(KeyError):
            left({}, config.validation, config.split.ratios, project_root=Path(config.output_dir) / "gx-error")
    left.close()
    assert not left.alive and left.exitcode == 0, "SIGTERM ends it as a normal exit: no semaphore reported leaked"
