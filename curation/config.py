"""The pipeline's one configuration file, validated once.

This module only composes: each section's model lives in its step's package (ingest, clean,
examples, dedup, split, validate; the company in curation/company.py; training's in
schemas/training.py). Unknown keys are an error; the defaults run the bundled sample
(``pipeline.yaml`` at the repository root spells them out).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import yaml
from pydantic import Field, ValidationError

from curation.base import StepConfig
from curation.company import SAMPLE_COMPANY, CompanyConfig
from curation.clean.config import CleanConfig
from curation.dedup.config import DedupConfig
from curation.examples.config import ExamplesConfig
from curation.ingest.config import IngestConfig
from curation.split import SplitConfig
from curation.validate.suite import ValidateConfig
from schemas.training import TrainConfig

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # where the bundled sample and its pipeline.yaml live
CONFIG_FILE = "pipeline.yaml"
CONFIG_ENV = "CURATE_CONFIG"


class PipelineConfig(StepConfig):
    name: str = Field(default="nordlicht-support", pattern=r"^[a-z0-9][a-z0-9._-]*$", description="dataset name")
    sources: list[str] = ["data/sample/raw/emails", "data/sample/raw/manuals", "data/sample/raw/tickets"]
    output_dir: str = Field(default="data/out", description="working folder of the stages (one subfolder each)")
    versions_dir: str = Field(default="data/versions", description="published, content-addressed dataset versions")
    reports_dir: str = Field(default="data/reports", description="the static dashboard")
    erasure_register: str = Field(
        default="data/erasure.jsonl", description="`curate forget` requests (salted hashes, never the identifiers); outlives out/ rebuilds")
    workers: int | None = Field(default=None, ge=1, description=(
        "processes for the sharded steps of `curate refresh` (null: one per CPU core; 1: in this process); "
        "never changes the output"))
    company: CompanyConfig = SAMPLE_COMPANY
    ingest: IngestConfig = IngestConfig()
    clean: CleanConfig = CleanConfig()
    examples: ExamplesConfig = ExamplesConfig()
    dedup: DedupConfig = DedupConfig()
    split: SplitConfig = SplitConfig()
    validation: ValidateConfig = ValidateConfig()
    train: TrainConfig = TrainConfig()

    def config_hash(self) -> str:
        """Hash of what shapes the data; where inputs and outputs live is not part of it.

        Decontamination files count by their content, not their path, so the same files give the same
        hash wherever the project is checked out.
        """
        semantic = self.model_dump(mode="json", exclude={"sources", "output_dir", "versions_dir", "reports_dir", "erasure_register", "workers", "train"})
        semantic["split"]["decontaminate_against"] = [_file_digest(Path(p)) for p in self.split.decontaminate_against]
        canonical = json.dumps(semantic, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def resolved(self, base: Path) -> "PipelineConfig":
        """This config with every relative path made absolute against `base` (the config file's folder).

        Input files the file does not set (sources, decontamination, evaluation question files, the
        general prompts) are the bundled defaults and resolve against the project root; output and
        cache folders always resolve against `base`.
        """

        def at(value: str, root: Path = base) -> str:
            path = Path(value).expanduser()
            return str(path if path.is_absolute() else (root / path).resolve())

        def sample_input(section, name: str):
            return base if name in section.model_fields_set else PROJECT_ROOT

        def mapping(name: str) -> str:  # a shipped mapping's name stays a name; a YAML file is a path
            return at(name) if Path(name).suffix in {".yaml", ".yml"} or "/" in name else name

        return self.model_copy(update={
            "sources": [at(s, sample_input(self, "sources")) for s in self.sources],
            "output_dir": at(self.output_dir),
            "versions_dir": at(self.versions_dir),
            "reports_dir": at(self.reports_dir),
            "erasure_register": at(self.erasure_register),
            "ingest": self.ingest.model_copy(update={"ticket_mappings": [mapping(m) for m in self.ingest.ticket_mappings]}),
            "split": self.split.model_copy(update={"decontaminate_against": [
                at(p, sample_input(self.split, "decontaminate_against")) for p in self.split.decontaminate_against]}),
            "train": self.train.model_copy(update={
                **{name: at(getattr(self.train, name), sample_input(self.train, name))
                   for name in ("heldout_questions", "test_questions", "out_of_scope_questions", "general_prompts") if getattr(self.train, name)},
                "adapters_dir": at(self.train.adapters_dir),
                "rehearsal_cache_dir": at(self.train.rehearsal_cache_dir)}),
        })

    def missing_files(self) -> list[str]:
        """Configured input files that do not exist (each named with its key path)."""
        missing = [f"split.decontaminate_against: {p}" for p in self.split.decontaminate_against if not Path(p).is_file()]
        missing += [f"ingest.ticket_mappings: {m}" for m in self.ingest.ticket_mappings if "/" in m and not Path(m).is_file()]
        return missing


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else f"missing:{path.name}"


class ConfigError(ValueError):
    """A configuration that cannot run: a file that does not validate or does not exist, or a missing input file."""


def load_config(path: str | Path | None = None) -> PipelineConfig:
    """A pipeline config file, validated, its relative paths resolved against the file's folder.

    Without a path: the bundled sample defaults, resolved against the project root.
    """
    if path is None:
        config = PipelineConfig().resolved(PROJECT_ROOT)
        where = "the bundled sample defaults"
    else:
        path = Path(path).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping of sections at the top level, found {type(raw).__name__}")
        try:
            config = PipelineConfig.model_validate(raw).resolved(path.resolve().parent)
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
            raise ConfigError(f"{path}: {problems}") from err
        where = str(path)
    missing = config.missing_files()
    if missing:
        raise ConfigError(f"{where}: configured file(s) not found: {'; '.join(missing)}")
    return config


def discover_config(path: str | Path | None = None, *, cwd: Path | None = None) -> tuple[PipelineConfig, str | None]:
    """The config a command runs, and a notice to show when it is not one the user named.

    In order: `path` (the --config option or a flow parameter), then $CURATE_CONFIG, then
    ./pipeline.yaml; either of the first two must exist (a mistyped path is an error, never a reason
    to run something else). With none of them, the bundled sample defaults run, and the notice says so.
    """
    chosen = path or os.environ.get(CONFIG_ENV) or None
    if chosen:
        return load_config(chosen), None
    here = (cwd or Path.cwd()) / CONFIG_FILE
    if here.is_file():
        return load_config(here), None
    return load_config(None), (f"no {CONFIG_FILE} in {here.parent} and no --config or ${CONFIG_ENV}: "
                               f"running the bundled sample defaults ({PROJECT_ROOT / CONFIG_FILE})")
