"""Errors a user can act on: each names the problem and where it is (file, line, field)."""

from __future__ import annotations


class GongfuError(Exception):
    """Base class: a message meant for the user (the CLI prints it and exits with code 2)."""

    exit_code = 2


class ParameterError(GongfuError):
    """A parameter file or a parameter reference is wrong (unknown path, bad value, missing unit/source)."""


class SystemLoadError(GongfuError):
    """The rules do not fit together: unknown variable or parameter in a formula, duplicate, cycle."""


class InputError(GongfuError):
    """Input data (household file, population table) is malformed."""


class ReformError(GongfuError):
    """A reform file is wrong: unknown path, wrong unit or type, value out of range."""


def where(file: str | None, line: int | None) -> str:
    """'file:line: ' prefix for messages (empty when unknown)."""
    if not file:
        return ""
    return f"{file}:{line}: " if line else f"{file}: "
