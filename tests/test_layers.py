"""The package's layers: every import of ``src/lever`` (those inside functions included) goes
down a layer or stays in its own, and the two faces never import each other.

The layers, lowest first, are the sub-packages below; ``lever/__init__.py`` is the public
façade over them and nothing inside imports it. docs/DESIGN.md draws the same picture.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Each layer's rank: a module may import its own layer and those of lower rank.
LAYERS = {
    "model": 0,
    "kernels": 1,
    "store": 2,
    "sim": 3,
    "classic": 3,
    "experiments": 4,
    "analysis": 5,
    "calibration": 6,
    "weigh": 7,
    "theses": 8,
    "cli": 9,
    "web": 9,
}
#: The faces: neither imports the other, except the command that starts the page.
FACES = {"cli", "web"}
FACE_BRIDGES = {("lever.cli.serve", "web")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (line, dotted name), at any depth of the file, relative
    imports resolved; ``from X import y`` counts as X (and as X.y where that is a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found += [
                (node.lineno, f"{base}.{alias.name}") for alias in node.names if _is_module(f"{base}.{alias.name}")
            ]
    return [(line, target) for line, target in found if target == "lever" or target.startswith("lever.")]


def _is_module(dotted: str) -> bool:
    path = SRC.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layer_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else None


def violations(root: Path = SRC / "lever") -> list[str]:
    """Each import that goes up a layer, across the faces, into the façade, or out of any layer."""
    found = []
    for path in sorted(root.rglob("*.py")):
        source = module_name(path)
        mine = layer_of(source)
        if mine is None:  # the façade: lever/__init__.py may import any layer
            continue
        if mine not in LAYERS:
            found.append(f"{source}: lies in no layer (a module belongs in one of {sorted(LAYERS)})")
            continue
        for line, target in imports_of(path):
            theirs = layer_of(target)
            where = f"{path.relative_to(SRC)}:{line}: {source} imports {target}"
            if theirs is None:
                found.append(f"{where} (the façade; import the layer itself)")
            elif theirs not in LAYERS:
                found.append(f"{where} (no such layer)")
            elif mine in FACES and theirs in FACES and mine != theirs and (source, theirs) not in FACE_BRIDGES:
                found.append(f"{where} (one face imports the other)")
            elif LAYERS[theirs] > LAYERS[mine]:
                found.append(f"{where} (up from {mine}, layer {LAYERS[mine]}, to {theirs}, layer {LAYERS[theirs]})")
    return found


def test_every_import_goes_down_or_stays_in_its_layer():
    assert violations() == []


def test_no_module_lies_at_the_package_root_but_the_facade():
    loose = sorted(p.name for p in (SRC / "lever").glob("*.py") if p.name != "__init__.py")
    assert loose == []


def _violations_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> list[str]:
    """The check run over a made-up package of ``files`` (paths below ``lever/``)."""
    for relative, text in files.items():
        path = tmp_path / "lever" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.setitem(globals(), "SRC", tmp_path)
    return violations(tmp_path / "lever")


def test_the_check_finds_an_import_up_a_layer(tmp_path, monkeypatch):
    """The check can fail: a model module that imports the engine, inside a function."""
    leaky = "def f():\n    from lever.sim.engine import simulate\n    return simulate\n"
    found = _violations_in(tmp_path, monkeypatch, {"model/leaky.py": leaky})
    assert len(found) == 1 and "up from model, layer 0, to sim, layer 3" in found[0]


@pytest.mark.parametrize("source, target", [("cli", "web"), ("web", "cli")])
def test_the_check_finds_one_face_importing_the_other(tmp_path, monkeypatch, source, target):
    found = _violations_in(tmp_path, monkeypatch, {f"{source}/x.py": f"from lever.{target} import anything\n"})
    assert len(found) == 1 and "one face imports the other" in found[0]


def import_graph(root: Path = SRC / "lever") -> dict[str, set[str]]:
    """Module -> the modules of ``lever`` it imports (function-level imports included)."""
    return {module_name(p): {t for _, t in imports_of(p) if _is_module(t)} - {module_name(p)}
            for p in sorted(root.rglob("*.py"))}  # fmt: skip


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected set of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
