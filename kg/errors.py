"""Errors that say what went wrong, with which value, and how to fix it."""

from __future__ import annotations

__all__ = ["KGError", "InputError", "OntologyError", "ModelError", "OutputError"]


class KGError(Exception):
    """Base class: the CLI prints these as one line, without a traceback."""


class InputError(KGError):
    """An input path or document cannot be read."""


class OntologyError(KGError):
    """The ontology file is malformed or inconsistent."""


class ModelError(KGError):
    """The spaCy pipeline cannot be loaded."""


class OutputError(KGError):
    """The output cannot be written (unknown suffix, unwritable path)."""
