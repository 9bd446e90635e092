"""gongfu command line: `gongfu calc`, `gongfu simulate`, `gongfu compare`, `gongfu population …`, …

This module only builds the typer app: the commands and their printing are in `gongfu.commands`, the work they
ask for in `gongfu.workflow`. Every user error ends with a one-line message naming the problem and where it
is, and exit code 2 (`commands.friendly`).
"""

from __future__ import annotations

import sys

import typer

from . import commands
from .commands import Lang, console, err, friendly  # noqa: F401  (re-exported for older callers)

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="gongfu (共富): China's taxes and transfers, for one household or the whole country.")

for _command in (commands.calc, commands.variables, commands.parameters, commands.years):
    app.command()(friendly(_command))


def _mount_subapps() -> None:
    import importlib.util

    if importlib.util.find_spec("gongfu.population.cli") is None:
        return
    from .population.cli import app as population_app

    app.add_typer(population_app, name="population", help="Build, check and import populations.")
    for command in (commands.simulate, commands.compare, commands.scenarios, commands.serve):
        app.command()(friendly(command))
    app.command(name="validate")(importlib.import_module("gongfu.validate_cli").validate)  # gongfu validate
    app.command(name="discover")(importlib.import_module("gongfu.discover_cli").discover)  # gongfu discover


_mount_subapps()


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
