"""What a checkpoint may deserialise: only our own immutable value types (and LangGraph's safe
built-ins). A checkpoint is data from the database; loading an arbitrary class from it would let
whoever can write that table choose what code runs, so the list is explicit."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
from functools import cache

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from pydantic import BaseModel

# Modules whose value types appear in the invoice graph's state.
STATE_MODULES = (
    "tools.documents.model", "tools.documents.pipeline", "tools.documents.texts",
    "tools.documents.identify", "tools.documents.extract", "tools.documents.validation",
    "tools.documents.suppliers_match", "tools.matching.po_match", "tools.ap.propose",
    "tools.policies.decide", "tools.ledger.model",
)


def _value_types(module_name: str) -> list[tuple[str, str]]:
    module = importlib.import_module(module_name)
    out = []
    for name, obj in vars(module).items():
        if not inspect.isclass(obj) or obj.__module__ != module_name:
            continue
        if dataclasses.is_dataclass(obj) or issubclass(obj, (BaseModel, enum.Enum)):
            out.append((module_name, name))
    return out


@cache
def allowed_types() -> tuple[tuple[str, str], ...]:
    return tuple(t for m in STATE_MODULES for t in _value_types(m))


def checkpoint_serde() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=list(allowed_types()))
