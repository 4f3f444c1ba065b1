"""No module imports from a layer above it (DESIGN §2: plan → execute → sense → report).

Every import in ``src/backstroke`` — at the top of a module, inside a function or under
``TYPE_CHECKING`` — is read with ``ast`` and checked against the declared order below:
a module may import its own layer and the layers before it, never one after. Nothing
outside ``robot/`` reads ``tissue/`` (the simulated client's truth).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "backstroke"

# In data-flow order; each entry is a layer (top-level packages and modules of
# ``backstroke``). ``backstroke`` itself is the package facade: its module-level imports
# are the errors; the Python API it offers is imported on first use (exempt below).
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "core",
        frozenset(
            {
                "backstroke",
                "errors",
                "config",
                "config_read",
                "config_errors",
                "tools",
                "atomic_io",
                "_single_thread",
                "jit",
            }
        ),
    ),
    ("describe", frozenset({"body", "routine", "music", "tempo_source", "log_input"})),
    ("technique", frozenset({"technique"})),
    ("plan", frozenset({"plan"})),
    ("simulated client", frozenset({"tissue"})),
    ("robot", frozenset({"robot"})),
    ("control", frozenset({"control"})),
    ("safety", frozenset({"safety"})),
    ("sense", frozenset({"sense"})),
    ("session", frozenset({"session"})),
    ("analyze, store", frozenset({"analyze", "store"})),
    ("report, learn, web", frozenset({"report", "learn", "web"})),
    ("app", frozenset({"app"})),
    ("interface", frozenset({"api", "check", "cli", "cli_session", "cli_usage", "sweep"})),
)
# The facade's lazy ``from backstroke import api`` (``backstroke.run_session`` on first use).
EXEMPT = {("backstroke", "backstroke.api")}
TISSUE_READERS = frozenset({"robot", "tissue"})


def _modules() -> dict[str, Path]:
    out = {}
    for f in SRC.rglob("*.py"):
        parts = f.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


MODULES = _modules()


def _unit(module: str) -> str:
    """The layer unit of a module: ``backstroke.plan.planner`` → ``plan``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "backstroke"


def _layer(module: str) -> int:
    unit = _unit(module)
    for i, (_, units) in enumerate(LAYERS):
        if unit in units:
            return i
    raise KeyError(f"{module}: not in any layer of tests/test_layers.py (add it)")


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every backstroke module ``path`` imports (any depth)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("backstroke")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "backstroke":
                continue
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((node.lineno, sub if sub in MODULES else node.module))
    return out


def _resolve(module: str) -> str:
    while module not in MODULES and "." in module:
        module = module.rsplit(".", 1)[0]
    return module


def violations(modules: dict[str, Path] = MODULES) -> list[str]:
    bad = []
    for name, path in sorted(modules.items()):
        here = _layer(name)
        for line, imported in _imports(path):
            target = _resolve(imported)
            if (name, target) in EXEMPT or target == name:
                continue
            there = _layer(target)
            where = f"{name}:{line}"
            if there > here:
                bad.append(
                    f"{where}: {name} ({LAYERS[here][0]}) imports {target} ({LAYERS[there][0]})"
                )
            if _unit(target) == "tissue" and _unit(name) not in TISSUE_READERS:
                bad.append(f"{where}: {name} reads the simulated client's truth ({target})")
    return bad


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        _layer(name)


def test_no_import_runs_back_up_a_layer() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "source", "expect"),
    [
        ("plan.x", "from backstroke.session.runner import X\n", "imports backstroke.session"),
        ("sense.x", "def f():\n    import backstroke.report.html\n", "imports backstroke.report"),
        ("session.x", "from backstroke.tissue import model\n", "simulated client's truth"),
        ("robot.x", "if T:\n    from backstroke.safety import supervisor\n", "(safety)"),
    ],
)
def test_the_check_sees_an_upward_import(
    tmp_path: Path, module: str, source: str, expect: str
) -> None:
    """A planner importing the runner, a sensor the report, the runner the tissue, a
    robot the Supervisor (even lazily, even for types): each is caught."""
    fake = tmp_path / "x.py"
    fake.write_text(source)
    found = violations({f"backstroke.{module}": fake})
    assert len(found) == 1 and expect in found[0]
