"""The `soustrace` command line: a thin click layer over the library (nothing imports this module)."""

from __future__ import annotations

import importlib
import sys

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


class LazyGroup(click.Group):
    """Imports a command's module only when it runs, so `soustrace --help` stays fast (no spaCy load)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        mod = COMMANDS.get(cmd_name)
        if mod is None:
            return None
        module = importlib.import_module(f"soustrace.commands.{mod}")
        return getattr(module, cmd_name.replace("-", "_"))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="soustrace")
@click.option("--db", "db_url", envvar="SOUSTRACE_DB", default=None,
              help="SQLAlchemy database URL (env SOUSTRACE_DB). Default: sqlite:///soustrace.db")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, quiet: bool) -> None:
    """Follow public contracts to their contractors and to who hosts what they deliver.

    \b
    Examples:
      soustrace ingest data/samples/boamp/*.xml
      soustrace crawl boamp --from 2024-03-01 --to 2024-03-02
      soustrace query uses aws --format csv
    """
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    ctx.obj["quiet"] = quiet


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
