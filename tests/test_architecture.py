"""The house rules, asserted on the source: no import circles, curation/ and schemas/ never import
train/ or prefect, and the call order of the steps is written down once (curation/steps.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGES = ("curation", "schemas", "train", "flows")


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every name this module imports, at any level (a function-level import is a dependency too);
    `from pkg import sub` counts as importing pkg.sub when that is a module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            names |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return names


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = _modules()

    def local(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    raw = {m: _imports(m, p, modules) for m, p in modules.items()}
    internal = {m: {d for n in names if (d := local(n)) and d != m} for m, names in raw.items()}
    return internal, raw


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_anywhere():
    graph, _ = _graph()
    assert "curation.steps" in graph and graph["curation.steps"], "the walk sees the package"
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_curation_and_schemas_never_import_train_or_prefect():
    graph, raw = _graph()
    for module, names in raw.items():
        if module.split(".")[0] in {"curation", "schemas"}:
            assert not {d for d in graph[module] if d.split(".")[0] == "train"}, f"{module} imports train/"
            assert not {n for n in names if n.split(".")[0] == "prefect"}, f"{module} imports prefect (it lives in flows/)"


def test_the_step_order_is_written_once():
    """Only curation/steps.py builds Steps, and no other module spells the stage names out in order."""
    stage_names = {"ingest", "clean", "examples", "dedup", "split", "validate", "publish"}
    builders, lists = [], []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Step":
                builders.append(module)
            if isinstance(node, (ast.List, ast.Tuple)):
                strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                if len(stage_names.intersection(strings)) >= 3:
                    lists.append(module)
    assert set(builders) == {"curation.steps"}
    assert lists == [], f"a stage order written outside curation/steps.py: {lists}"
