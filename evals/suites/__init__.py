"""The registry of eval suites: name → the module that holds it. Dict order is the run order.

A suite is one module here (exposing `SUITE`, see evals.harness.model.Suite) plus its data under
evals/data/<name>/. Adding a suite = one module, its data, and one line below. Modules are imported
only when a suite is loaded, so `--help` and the other suites keep working while one is broken.

A value may also be "module:ATTRIBUTE" when a module exposes a suite under another name (tests use
this to register several fake suites from one module).
"""

from __future__ import annotations

import importlib

from evals.harness.model import Suite

SUITES: dict[str, str] = {
    "extraction": "evals.suites.extraction",
    "validation": "evals.suites.validation",
    "safety": "evals.suites.safety",
    "ap-decisions": "evals.suites.ap_decisions",
    "commentary": "evals.suites.commentary",
    "payroll": "evals.suites.payroll",
    "retrieval": "evals.suites.retrieval",
    "assistant": "evals.suites.assistant",
    "bank-rec": "evals.suites.bank_rec",
}


class UnknownSuite(LookupError):
    """A suite name that is not in the registry; `known` lists the names that are."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown eval suite {name!r}; known suites: {', '.join(known) or '(none)'}")
        self.name, self.known = name, known


def suite_names() -> list[str]:
    """Registered names in run order."""
    return list(SUITES)


def suite_target(name: str) -> tuple[str, str]:
    """(module path, attribute) for a registered name; raises UnknownSuite."""
    try:
        spec = SUITES[name]
    except KeyError:
        raise UnknownSuite(name, suite_names()) from None
    module, _, attribute = spec.partition(":")
    return module, attribute or "SUITE"


def load_target(module: str, attribute: str = "SUITE") -> Suite:
    """Import a suite object by its module path; used by worker processes too, which cannot rely
    on a registry that was changed at run time in the parent."""
    suite: Suite = getattr(importlib.import_module(module), attribute)
    return suite


def load_suite(name: str) -> Suite:
    """The suite registered as `name`. Raises UnknownSuite, or ImportError when its module is
    missing or broken (that is a bug to see, not to hide)."""
    return load_target(*suite_target(name))
