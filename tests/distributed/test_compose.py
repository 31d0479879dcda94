"""compose.yaml agrees with the CLI: every soustrace command line in it (and in README "Scale out") parses.

Docker is not available where this is developed, so compose.yaml is never run here; this checks what can be
checked without it: the YAML, the services' wiring, and each command parsed by click (options that exist,
values that convert), without running any of them.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from soustrace.cli import cli

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
SOUSTRACE = {name for name, s in SERVICES.items() if s.get("image") == "soustrace:local"}  # ENTRYPOINT soustrace


def parse(args: list[str]) -> tuple[list[str], dict[str, Any]]:
    """The command path and its parameters, as click would run them (no callback is invoked)."""
    ctx = cli.make_context("soustrace", list(args))
    command: click.Command = cli
    path = ["soustrace"]
    while isinstance(command, click.Group):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        assert rest, f"{' '.join(args)}: no subcommand"
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        ctx = sub.make_context(name, rest, parent=ctx)
        command, path = sub, [*path, name]
    return path, ctx.params


def compose_runs() -> list[tuple[str, list[str]]]:
    """(service, arguments) of each `docker compose run --rm SERVICE ...` in compose.yaml and the README."""
    readme = (REPO / "README.md").read_text()
    scale_out = readme[readme.index("## Scale out"):readme.index("\n## ", readme.index("## Scale out") + 5)]
    text = (REPO / "compose.yaml").read_text() + "\n" + scale_out
    runs = []
    for match in re.finditer(r"docker compose run --rm ([\w-]+)([^\n#`]*)", text):
        runs.append((match.group(1), shlex.split(match.group(2))))
    return runs


def readme_commands() -> list[list[str]]:
    """The `soustrace ...` lines of the README's "Scale out" shell block."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Scale out"):]
    block = section[section.index("```sh") + 5:section.index("```", section.index("```sh") + 5)]
    return [shlex.split(line.split("#")[0])[1:] for line in block.splitlines() if line.startswith("soustrace ")]


def test_the_services_are_wired_to_one_store_and_one_queue() -> None:
    assert {"postgres", "redis", "migrate", "worker", "enqueue", "cli"} <= set(SERVICES)
    assert {"migrate", "worker", "enqueue", "cli"} <= SOUSTRACE
    for name in SOUSTRACE:
        db = SERVICES[name]["environment"]["SOUSTRACE_DB"]
        assert re.match(r"postgresql\+psycopg://(\w+):(\w+)@postgres:5432/(\w+)$", db), db
        user, password, database = re.match(r".*//(\w+):(\w+)@postgres:5432/(\w+)", db).groups()
        env = SERVICES["postgres"]["environment"]
        assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"]) == (user, password, database)
    # Workers start after the schema exists (N workers must not race to create it) and stop with SIGTERM.
    worker = SERVICES["worker"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["stop_signal"] == "SIGTERM"
    assert parse(SERVICES["migrate"]["command"])[0] == ["soustrace", "db", "upgrade"]


@pytest.mark.parametrize("service", sorted(n for n in SOUSTRACE if "command" in SERVICES[n]))
def test_each_services_command_parses_with_the_cli(service: str) -> None:
    path, params = parse(SERVICES[service]["command"])
    if "queue" in params:  # the queue is the compose network's Redis
        assert params["queue"] == "redis://redis:6379/0", params
    assert path[1] in {"db", "worker", "crawl"}


def test_every_compose_run_line_parses_with_the_cli() -> None:
    runs = compose_runs()
    assert len(runs) >= 6
    for service, args in runs:
        assert service in SOUSTRACE, service
        full = args if service == "cli" else [*SERVICES[service]["command"], *args]
        path, params = parse(full)
        if path[:2] == ["soustrace", "crawl"] and params.get("queue"):
            assert params["queue"] == "redis://redis:6379/0"
    assert any(args[:2] == ["crawl", "ted"] and "--via" not in args for _, args in runs)  # packages queued


def test_the_readme_commands_parse_with_the_cli() -> None:
    commands = readme_commands()
    assert len(commands) >= 6
    for args in commands:
        path, _ = parse(args)
        assert path[1] in {"worker", "crawl"}, args


def test_a_wrong_option_is_caught_by_this_parse() -> None:
    with pytest.raises(click.UsageError):
        parse(["worker", "--queue", "redis://redis:6379/0", "--idle", "5"])
    with pytest.raises(click.UsageError):
        parse(["crawl", "ted", "--from", "2024-01-01"])  # --to is required
