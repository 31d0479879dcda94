"""The `soustrace` command line: a thin click layer over the library (nothing imports this module).

Three things live here because they hold for every command:
* listing is cheap: `soustrace --help` and `--version` print one-line summaries kept below, without
  importing a command module (each pulls in SQLAlchemy, pandas, networkx...: seconds, not 0.1 s);
* global options (`--db`, `-q`, `-v`) are accepted before or after the subcommand;
* errors a person can act on are one line: soustrace's own errors, a database that cannot be written,
  a file that cannot be written, Ctrl-C (exit 130). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from soustrace import __version__
from soustrace.errors import SoustraceError

# name -> module under soustrace.commands exposing a click command of the same name (dashes -> underscores)
COMMANDS = {
    "crawl": "crawl",
    "ingest": "ingest",
    "extract": "extract",
    "reprocess": "reprocess",
    "db": "db",
    "providers": "providers",
    "sites": "sites",
    "query": "query",
    "export": "export",
    "demo": "demo",
    "worker": "worker",
    "serve": "serve",
}

# name -> the line `soustrace --help` shows (tests check each is the command's own first help line).
# A command missing here is still listed: its module is imported to read its help.
SUMMARIES = {
    "crawl": "Crawl a source for a date range (BOAMP, TED, DECP) or contractors' disclosure pages.",
    "ingest": "Store local files: BOAMP/TED XML, BOAMP API JSON(L), DECP JSON/XML/CSV, SIRENE, press articles.",
    "extract": "Extract hosting relations (provider, role, status, offsets) from JSONL texts.",
    "reprocess": "Rebuild contracts, roles and relations from the stored raw payloads.",
    "db": "Database schema, statistics and rejected records.",
    "providers": "The hosting-provider catalog shipped with soustrace (data/providers.json).",
    "sites": "Sites of contractors, of what contracts deliver, and of buyers' platforms.",
    "query": "Answers over the database, each row with the evidence to cite.",
    "export": "Export the graph, the awards or OCDS release packages to files.",
    "demo": 'Load the shipped real samples and answer "who uses AWS", offline.',
    "serve": "Browse the database in Datasette, read-only, with canned questions and their evidence.",
    "worker": "Pull requests from the shared queue, fetch, parse, extract and store into --db.",
}


def _remember(name: str) -> Any:
    """Callback of a global option given after the subcommand: stored where the root option stores it."""

    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value not in (None, False):
            ctx.find_root().ensure_object(dict)[name] = value
        return value

    return callback


def _global_params() -> list[click.Parameter]:
    return [
        click.Option(["--db", "db_url"], default=None, expose_value=False, hidden=True, callback=_remember("db_url")),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, hidden=True, callback=_remember("quiet")),
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, hidden=True,
                     callback=_remember("verbose")),
    ]


def add_global_options(command: click.Command) -> click.Command:
    """Give `command` (and every subcommand of a group) hidden `--db/-q/-v`, unless it has its own."""
    taken = {opt for p in command.params for opt in getattr(p, "opts", [])}
    command.params.extend(p for p in _global_params() if not set(p.opts) & taken)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)
    return command


class LazyGroup(click.Group):
    """Imports a command's module only when it runs, so `soustrace --help` stays fast (no spaCy load)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        mod = COMMANDS.get(cmd_name)
        if mod is None:
            return None
        module = importlib.import_module(f"soustrace.commands.{mod}")
        command = getattr(module, cmd_name.replace("-", "_"))
        if not getattr(command, "_soustrace_globals", False):
            add_global_options(command)
            command._soustrace_globals = True  # type: ignore[attr-defined]
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            summary = SUMMARIES.get(name)
            if summary is None:
                command = self.get_command(ctx, name)
                summary = command.get_short_help_str(200) if command else ""
            rows.append((name, summary))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """click's main, but a usage error is one line (what is wrong, where the help is), exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"Error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:  # Ctrl-C while click itself was reading (a prompt)
            click.echo("interrupted", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted: what was stored before Ctrl-C stays stored (re-run to go on)", err=True)
            raise click.exceptions.Exit(130) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            message = explain(exc)
            if message is None:
                raise
            raise click.ClickException(message) from exc


def explain(exc: BaseException) -> str | None:
    """One line for an error a person can act on; None for a bug (its traceback is kept)."""
    from soustrace.errors import SoustraceError

    if isinstance(exc, SoustraceError):
        return str(exc)
    if type(exc).__module__.startswith("sqlalchemy") and type(exc).__name__ == "OperationalError":
        orig = getattr(exc, "orig", None)
        detail = str(orig if orig is not None else exc).strip().splitlines()[0]
        if "readonly" in detail or "read-only" in detail or "permission denied" in detail.lower():
            return f"cannot write to the database: {detail} (check --db and the file's permissions)"
        return f"database error: {detail}"
    if isinstance(exc, PermissionError | FileNotFoundError | IsADirectoryError | NotADirectoryError):
        return f"{exc.strerror}: {exc.filename}" if exc.filename else str(exc)
    return None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="soustrace")
@click.option("--db", "db_url", envvar="SOUSTRACE_DB", default=None,
              help="SQLAlchemy database URL (env SOUSTRACE_DB). Default: sqlite:///soustrace.db")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.option("-v", "--verbose", is_flag=True, help="Show the crawlers' (Scrapy's) logs.")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, quiet: bool, verbose: bool) -> None:
    """Follow public contracts to their contractors and to who hosts what they deliver.

    --db, -q and -v may come before or after the subcommand.

    \b
    Examples:
      soustrace demo
      soustrace ingest data/samples/boamp data/samples/ted
      soustrace query uses aws --format csv -o aws.csv
      soustrace --db sqlite:///other.db db stats
    """
    # the subcommand's own --db/-q/-v, parsed after this runs, overwrite these (see `_remember`)
    ctx.ensure_object(dict).update(db_url=db_url, quiet=quiet, verbose=verbose)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except SoustraceError as exc:  # explained to the user in one line; anything else keeps its traceback
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
