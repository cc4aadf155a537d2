"""The layers hold: the import contract in pyproject.toml (import-linter) passes, no two modules
import each other even indirectly, the contract really catches a layer broken, and reading a PDF
offline never loads the LLM SDK. ARCHITECTURE.md describes the layers."""

from __future__ import annotations

import logging
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
LAYERS = next(c for c in CONFIG["contracts"] if c["id"] == "layers")["layers"]


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*CONFIG["root_packages"], include_external_packages=False,
                             cache_dir=None)


def _layers() -> list[set[str]]:
    return [{name.strip() for name in layer.split("|")} for layer in LAYERS]


def test_the_import_contract_passes() -> None:
    # import-linter configures logging with dictConfig, which disables every logger that already
    # exists (the app's, imported by other test modules): later tests in this process would see
    # no log records. Put them back as they were.
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = [lg.disabled for lg in loggers]
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                            no_logo=True) == 0
    finally:
        for lg, was in zip(loggers, disabled, strict=True):
            lg.disabled = was


def test_every_top_level_package_has_a_layer() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(CONFIG["root_packages"]) == set().union(*_layers())


def test_the_contract_catches_a_kernel_module_reaching_for_storage() -> None:
    graph = _graph()
    assert graph.find_illegal_dependencies_for_layers(layers=_layers()) == set()
    graph.add_import(importer="tools.ledger.model", imported="memory.db", line_number=1,
                     line_contents="from memory.db import unit_of_work")
    broken = graph.find_illegal_dependencies_for_layers(layers=_layers())
    assert {(d.importer, d.imported) for d in broken} == {("tools", "memory")}


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_modules_import_each_other() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_sees_a_two_module_circle() -> None:
    graph = _graph()
    graph.add_import(importer="tools.ledger.money", imported="tools.ledger.model")
    graph.add_import(importer="tools.ledger.model", imported="tools.ledger.money")
    assert ["tools.ledger.model", "tools.ledger.money"] in _cycles(graph)


def test_reading_a_pdf_offline_never_loads_the_llm_sdk() -> None:
    pdf = next((ROOT / "evals" / "data" / "extraction" / "generated").rglob("*.pdf"))
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from services.extraction import read_invoice\n"
        f"raw = read_invoice(Path({str(pdf)!r}).read_bytes(), name='invoice.pdf', ocr=None)\n"
        "assert raw.document.extraction.total is not None\n"
        "print(sorted(m for m in ('openai', 'langgraph', 'sqlalchemy', 'fastapi') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
