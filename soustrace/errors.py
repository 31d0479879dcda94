"""The one base class of soustrace's own errors.

Why one base: the command line turns any `SoustraceError` into a one-line message with a non-zero exit,
while anything else is a bug and keeps its traceback. Each error also keeps the builtin class it refines
(`ValueError`, `LookupError`), so callers that catch those still work.
"""

from __future__ import annotations


class SoustraceError(Exception):
    """An error soustrace explains to its user: bad input, an unknown name, an unusable argument."""

    exit_code = 1  # what the command line exits with when this error ends a command


class InputError(SoustraceError, ValueError):
    """A record, a file or an argument that cannot be used as given."""


class NotFoundError(SoustraceError, LookupError):
    """A name or a reference that matches nothing (or too many things) in the database or the catalog."""
