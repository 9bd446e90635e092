"""The progress bar of the faces: a rich bar on stderr, fed by the `on_progress(done, total)` callback that the
runner (`gongfu.run.simulate`, `compare`) and the population builder (`gongfu.population.build.build`) call.

The library itself never draws: a face (the CLI) asks for a bar with `progress_bar(...)`, which gives a callback
when stderr is a terminal and None otherwise (pipes, logs, the HTTP API stay quiet).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

OnProgress = Callable[[int, int], None]


@contextlib.contextmanager
def progress_bar(description: str, unit: str, console: Any = None, always: bool = False, eta: str = "ETA"
                 ) -> Iterator[OnProgress | None]:
    """A callback `on_progress(done, total)` drawing a bar of `unit`s (with elapsed time and ETA) on `console`
    (default: a rich console on stderr) while the block runs; None when that console is not a terminal, unless
    `always`. `eta`: the text before the time remaining (the faces pass it in the user's language)."""
    from rich.console import Console

    console = console if console is not None else Console(stderr=True)
    if not (always or console.is_terminal):
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(f"[bold]{description}[/]"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                  TimeElapsedColumn(), TextColumn(eta), TimeRemainingColumn(), console=console,
                  transient=False) as bar:
        task = bar.add_task(description, total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield on_progress
