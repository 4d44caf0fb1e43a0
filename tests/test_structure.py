"""The order of the shell (DESIGN.md §1): every import, at module level or inside a
function, goes down the order, and the modules form no cycle."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "lamina"

# The shell, bottom up. A module takes the rank of the longest prefix it matches.
ORDER = [
    ("core", ["lamina.core"]),
    ("data and registry", ["lamina.data", "lamina.registry", "lamina._version"]),
    ("symbolic graph and state", ["lamina.backend"]),
    ("ops, random, optimizers, utils", ["lamina.ops", "lamina.random", "lamina.optimizers",
                                        "lamina.utils",
                                        "lamina._identifiers", "lamina.plot",
                                        "lamina.datasets"]),
    ("activations ... losses", ["lamina.activations", "lamina.initializers",
                                "lamina.regularizers", "lamina.constraints",
                                "lamina.losses"]),
    ("layers, metrics, preprocessing", ["lamina.layers", "lamina.metrics",
                                        "lamina.preprocessing"]),
    ("saving", ["lamina.saving"]),
    ("callbacks", ["lamina.callbacks"]),
    ("models", ["lamina.models"]),
    ("applications and tools", ["lamina.testing", "lamina.playground", "lamina.demo",
                                "lamina.cli", "lamina"]),
]

# The one inherent exception: `Model(inputs, outputs)` returns a functional model, so
# `Model.__new__` imports `Functional`, which is a `Model`.
EXCEPTIONS = {("lamina.models.model", "lamina.models.functional")}


def _modules() -> dict[str, pathlib.Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def rank(module: str) -> int:
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(ORDER):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    if best is None:
        raise AssertionError(f"{module} has no place in ORDER; add it to the test.")
    return best


def _resolve(importer: str, node: ast.AST) -> list[str]:
    """The Lamina modules an import statement loads (submodules named in `from` too)."""
    targets: list[str] = []
    if isinstance(node, ast.Import):
        targets = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = importer.split(".")
            if not MODULES[importer].name == "__init__.py":
                package = package[:-1]
            package = package[:len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                   for a in node.names]
    return [t for t in targets if t == "lamina" or t.startswith("lamina.")]


def edges() -> dict[str, set[str]]:
    """Module -> the Lamina modules it imports, anywhere in the file."""
    out: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(t for t in _resolve(module, node) if t in MODULES)
        out[module] = found - {module}
    return out


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


def test_every_import_goes_down_the_order():
    bad = []
    for module, targets in edges().items():
        for target in targets:
            # Importing a.b.c runs the package a.b first: it counts as an import of a.b,
            # unless the importer lives inside that package.
            loaded = [target] + [p for p in _parents(target) if not module.startswith(p + ".")
                                 and p != module]
            for name in loaded:
                if rank(name) > rank(module) and (module, name) not in EXCEPTIONS:
                    bad.append(f"{module} ({ORDER[rank(module)][0]}) imports {name} "
                               f"({ORDER[rank(name)][0]})")
    assert sorted(set(bad)) == []


def test_modules_form_no_cycle():
    graph = {m: {t for t in ts if (m, t) not in EXCEPTIONS} for m, ts in edges().items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_exception_is_still_needed():
    assert all(b in edges()[a] for a, b in EXCEPTIONS)


@pytest.mark.parametrize("source,expected", [
    ("from lamina.models import Sequential", ["lamina.models"]),
    ("from lamina import layers", ["lamina.layers"]),
    ("def f():\n    import lamina.models.model\n", ["lamina.models.model"]),
])
def test_import_resolution_sees_function_level_imports(source, expected):
    tree = ast.parse(source)
    found = [t for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
             for t in _resolve("lamina.registry", n)]
    assert found == expected


def test_the_check_catches_an_upward_import():
    assert rank("lamina.layers.core") > rank("lamina.backend.variable")
    assert rank("lamina.models.model") > rank("lamina.saving._mixin")
