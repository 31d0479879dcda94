"""Every command and subcommand has help text, and `--help` works without a database."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from soustrace.cli import cli


def walk(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from walk(command, ctx, (*prefix, name))


COMMANDS = list(walk(cli, click.Context(cli)))


def test_core_commands_are_registered() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"crawl boamp", "crawl ted", "ingest", "reprocess", "db stats", "db upgrade"} <= names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command = dict(COMMANDS)[path]
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
