"""Token counts for validation, through one small interface resolved here and nowhere else.

``validation.token_counter`` names a factory as ``module:function``; it is called with the
tokenizer spec (``validation.tokenizer``) and returns a function ``messages -> tokens`` that applies
the model's chat template. The default is the training package's (`train.base_model`), so curation
counts exactly what training will see without importing the training code. ``null`` counts an
estimate (characters / 4), and the validation report says so.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

TokenCounter = Callable[[list[dict]], int]
DEFAULT_FACTORY = "train.base_model:chat_token_counter"


class TokenCounterError(RuntimeError):
    """The configured token counter cannot be loaded; the message names the factory and the spec."""


def resolve_token_counter(factory: str | None, spec: str) -> tuple[TokenCounter | None, str]:
    """The counter and a label for reports ("smollm2", or "estimate (chars/4)" when factory is None)."""
    if factory is None:
        return None, "estimate (chars/4)"
    module_name, _, attribute = factory.partition(":")
    try:
        make = getattr(importlib.import_module(module_name), attribute)
        return make(spec), spec
    except Exception as err:  # an import error, a missing attribute or a tokenizer that does not load
        raise TokenCounterError(f"validation.token_counter {factory!r} could not count tokens for {spec!r}: "
                                f"{type(err).__name__}: {err}") from err


def estimate_tokens(messages: list[dict]) -> int:
    """The estimate the export check counts with when no counter is configured (validation.token_counter: null)."""
    return sum(len(m["content"]) for m in messages) // 4 + 4 * len(messages)


class LazyTokenCounter:
    """A TokenCounter resolved on first use, picklable: a sharded step's worker (a process, a Dask worker)
    gets the factory and the spec and loads the tokenizer once, only if it has something to count.
    With no factory it counts :func:`estimate_tokens`. With `cache_dir`, the resolved counter is kept
    there (cloudpickle, keyed by factory, spec, library versions and the factory module's source), so
    a later process loads it in about a second instead of parsing the model file again (~10 s for
    the default GGUF tokenizer); a cache that does not load is ignored and rewritten."""

    # one resolution at a time in a process: transformers' lazy imports fail when two threads import at once
    # ("cannot import name 'AutoTokenizer'"), as the shards of a thread task runner did
    _RESOLVING = threading.Lock()

    def __init__(self, factory: str | None, spec: str, cache_dir: str | None = None):
        self.factory, self.spec, self.cache_dir = factory, spec, cache_dir
        self._counter: TokenCounter | None = None
        self._resolved = False
        self._counting = threading.Lock()  # a fast tokenizer is not to be used by two threads at once

    @property
    def label(self) -> str:
        return self.spec if self.factory is not None else "estimate (chars/4)"

    def __getstate__(self) -> dict:
        return {"factory": self.factory, "spec": self.spec, "cache_dir": self.cache_dir}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def __call__(self, messages: list[dict]) -> int:
        if not self._resolved:
            with LazyTokenCounter._RESOLVING:
                if not self._resolved:
                    self._counter = self._resolve()
                    self._resolved = True
        if self._counter is None:
            return estimate_tokens(messages)
        with self._counting:
            return self._counter(messages)

    def _resolve(self) -> TokenCounter | None:
        if self.factory is None:
            return None
        cached = self._cache_file()
        if cached is not None and cached.exists():
            try:
                import pickle

                return pickle.loads(cached.read_bytes())
            except Exception:  # another library version, a truncated file: load it anew
                pass
        counter, _ = resolve_token_counter(self.factory, self.spec)
        if cached is not None:
            try:
                import cloudpickle

                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
                tmp.write_bytes(cloudpickle.dumps(counter))
                tmp.replace(cached)
            except Exception:  # no cloudpickle, a counter that does not pickle: count without the cache
                pass
        return counter

    def _cache_file(self) -> Path | None:
        if not self.cache_dir:
            return None
        from importlib import metadata

        from curation.shards import code_fingerprint, digest

        versions = []
        for package in ("transformers", "tokenizers"):
            try:
                versions.append(metadata.version(package))
            except metadata.PackageNotFoundError:
                versions.append("")
        spec_path = Path(self.spec)
        stamps = ([(p.as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(spec_path.rglob("*")) if p.is_file()]
                  if spec_path.is_dir() else [(spec_path.as_posix(), spec_path.stat().st_size, spec_path.stat().st_mtime_ns)]
                  if spec_path.is_file() else [])
        module = self.factory.partition(":")[0]
        return Path(self.cache_dir) / f"{digest(self.factory, self.spec, versions, stamps, code_fingerprint(module))}.pkl"
