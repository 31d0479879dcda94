"""Every example a user is shown runs: each `soustrace ...` line of the README and each "Examples:" line of
every `--help`, offline, against the database the demo builds from the shipped real samples.

Examples that need the internet (crawls, the IP-range update, DNS) or a file soustrace does not ship (the
INSEE SIRENE stock) are listed with the reason; every other one must exit 0.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from soustrace.cli import cli

ROOT = Path(__file__).resolve().parents[2]
NEEDS_NETWORK = ("crawl", "providers update-ranges", "sites dns", "sites discover", "worker")
NOT_RUN = {  # what an example needs that a test does not have, and why
    "StockUniteLegale_utf8.csv": "the INSEE SIRENE stock (2 GB) is not shipped",
    "postgresql": "a PostgreSQL server of the reader's (the PG side is tested by the suite itself)",
    "--db ...": "a placeholder database URL",
    "soustrace serve": "starts a web server that runs until stopped (tested in tests/exports)",
}


def readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"```(?:sh|bash|console)\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.split(r"\s{2,}#", line)[0].strip()
            if line.startswith("soustrace "):
                lines.append(line)
    return lines


def help_examples() -> list[str]:
    def walk(group: click.Group, ctx: click.Context) -> Iterator[click.Command]:
        yield group
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                yield from walk(command, ctx)
            elif command is not None:
                yield command

    out = []
    for command in walk(cli, click.Context(cli)):
        out += [line.strip() for line in (command.help or "").splitlines() if line.strip().startswith("soustrace ")]
    return out


def commands_of(example: str) -> list[list[str]]:
    """`soustrace a && soustrace b | tool` -> [[a...], [b...]] (each without the leading `soustrace`; what a
    pipe feeds is another tool's business: the soustrace side must run)."""
    return [shlex.split(part.split(" | ")[0])[1:] for part in example.split("&&")]


def offline(example: str) -> bool:
    """No network command anywhere in the line (global options may come first) and nothing of NOT_RUN."""
    def networked(args: list[str]) -> bool:
        joined = f" {' '.join(args)} "
        return any(f" {command} " in joined for command in NEEDS_NETWORK)

    return not any(networked(args) for args in commands_of(example)) and not any(need in example for need in NOT_RUN)


EXAMPLES = sorted({e for e in readme_examples() + help_examples() if offline(e)})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder holding the demo's database, with the repository's data/ reachable as `data/`."""
    work = tmp_path_factory.mktemp("examples")
    (work / "data").symlink_to(ROOT / "data")
    runner = CliRunner()
    with _chdir(work):
        result = runner.invoke(cli, ["-q", "demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return work


class _chdir:
    def __init__(self, path: Path) -> None:
        self.path, self.old = path, Path.cwd()

    def __enter__(self) -> None:
        import os

        os.chdir(self.path)

    def __exit__(self, *_exc: object) -> None:
        import os

        os.chdir(self.old)


def test_examples_were_found() -> None:
    readme = readme_examples()
    assert "soustrace export graph --format html --out graph.html" in readme
    assert 'soustrace query chain "ted:00000156-2025#LOT-0001"' in help_examples()
    assert len(EXAMPLES) > 30


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_example_runs(example: str, workdir: Path) -> None:
    runner = CliRunner()
    with _chdir(workdir):
        for args in commands_of(example):
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, f"{example}\n{result.output}\n{result.exception!r}"
