"""Shared fixtures: the repository's files and the `deepnet` command.

`./test.sh` builds the command and names it in DEEPNET_BIN; run alone, pytest looks for a built
one under target/ and skips the tests that need it when there is none.
"""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def penguins_csv():
    return ROOT / "tests" / "fixtures" / "penguins-raw.csv"


def _find_cli():
    given = os.environ.get("DEEPNET_BIN")
    if given:
        if not Path(given).is_file():
            raise FileNotFoundError(f"DEEPNET_BIN={given} does not exist")
        return given
    for profile in ("ci", "release", "debug"):
        path = ROOT / "target" / profile / "deepnet"
        if path.is_file():
            return str(path)
    return None


@pytest.fixture(scope="session")
def cli():
    """Runs the `deepnet` command; returns its stdout, failing on a non-zero exit."""
    path = _find_cli()
    if path is None:
        pytest.skip("the deepnet command is not built (cargo build --release -p deepnet-cli)")

    def run(*args):
        done = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, f"deepnet {' '.join(map(str, args))}:\n{done.stderr}"
        return done.stdout

    return run
