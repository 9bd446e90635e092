"""bench/.venv-openfisca: openfisca-core 46 in its own venv (gongfu's venv never gets openfisca).

Created on first use with `python3 -m venv` + `pip install "openfisca-core>=46,<47"`, with numpy pinned to the
version of gongfu's venv when possible, so that both engines draw the same benchmark population (the run also
checks that: the total input wages must be identical).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from .registry import ROOT, Skip

VENV = ROOT / "bench" / ".venv-openfisca"
PYTHON = VENV / "bin" / "python"
REQUIREMENT = "openfisca-core>=46,<47"


def installed_version() -> str | None:
    """openfisca-core's version in the bench venv, or None when it is not usable."""
    if not PYTHON.exists():
        return None
    probe = subprocess.run(
        [str(PYTHON), "-c", "from importlib.metadata import version; import openfisca_core; "
                            "print(version('openfisca-core'))"],
        capture_output=True, text=True, check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure(console=None) -> str:
    """Make sure the venv exists with openfisca-core 46; return its version (Skip if it cannot be installed)."""
    version = installed_version()
    if version is not None:
        if not version.startswith("46."):
            raise Skip(f"{VENV} has openfisca-core {version}, expected 46.x: delete the folder to reinstall")
        return version
    say = console.print if console is not None else print
    python3 = shutil.which("python3") or sys.executable
    say(f"[bold]Creating {VENV.relative_to(ROOT)}[/] with {python3} -m venv and pip install {REQUIREMENT!r} ...")
    steps = [[python3, "-m", "venv", str(VENV)],
             [str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"]]
    import numpy  # gongfu venv's numpy: pin the same one for identical random draws

    pinned = [str(PYTHON), "-m", "pip", "install", "--quiet", REQUIREMENT, f"numpy=={numpy.__version__}"]
    unpinned = [str(PYTHON), "-m", "pip", "install", "--quiet", REQUIREMENT]
    for step in steps:
        _run(step)
    try:
        _run(pinned)
    except Skip:
        say(f"[yellow]numpy=={numpy.__version__} does not fit openfisca-core 46: installing without the pin[/]")
        _run(unpinned)
    version = installed_version()
    if version is None:
        raise Skip(f"openfisca-core could not be imported from {PYTHON} after installation")
    return version


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise Skip(f"`{' '.join(cmd)}` failed:\n{tail}")
