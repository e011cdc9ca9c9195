"""One small typed registry: name -> extractor, with the spaCy annotations it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kg.errors import KGError

__all__ = ["Extractor", "register", "get", "names"]


@dataclass(frozen=True)
class Extractor:
    name: str  # versioned: "relations.dependency.v1"
    kind: str  # "entities" or "relations"
    func: Callable
    requires: tuple[str, ...] = ()  # spaCy components it needs, e.g. ("parser", "ner")


_REGISTRY: dict[str, Extractor] = {}


def register(name: str, kind: str, requires: tuple[str, ...] = ()) -> Callable:
    """Decorator: register ``func`` under a versioned name."""

    def deco(func: Callable) -> Callable:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise KGError(f"extractor {name!r} is registered twice; give the new one a new version")
        _REGISTRY[name] = Extractor(name, kind, func, requires)
        return func

    return deco


def get(name: str) -> Extractor:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KGError(f"unknown extractor {name!r}; registered: {', '.join(sorted(_REGISTRY))}") from None


def names(kind: str | None = None) -> list[str]:
    return sorted(n for n, e in _REGISTRY.items() if kind is None or e.kind == kind)
