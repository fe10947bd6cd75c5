"""Test what users install: the wheel, in a fresh virtual environment, outside the source tree.

Every other test imports the editable source tree, which holds every module and data file
whether or not the wheel ships it (a hand-kept package list once left `nasiam_dsl.show` out
of the wheel, and `nasiam search` ended in an internal error for pip users). Here the wheel
is built, installed without its dependencies into a new venv whose only other packages are
the test environment's dependencies (reached through a `.pth` file, so nothing is downloaded),
and the installed `nasiam` command searches for one tiny epoch, shows the run and checks a
shipped space, from a directory that holds no source.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work / "dist"),
        ],
        cwd=work,
    )
    (wheel,) = (work / "dist").glob("nasiam-*.whl")
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    purelib = Path(
        subprocess.check_output(
            [
                str(bin_dir / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            text=True,
        ).strip()
    )
    # the dependencies (torch, ...) come from the test environment, after the venv's own packages
    (purelib / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], cwd=work)
    return bin_dir


def test_the_installed_package_comes_from_the_wheel(installed, tmp_path):
    out = _run(
        [str(installed / "python"), "-c", "import nasiam_dsl; print(nasiam_dsl.__file__)"],
        cwd=tmp_path,
    ).stdout
    assert str(REPO) not in out and "site-packages" in out


def test_installed_nasiam_searches_shows_and_checks(installed, tmp_path):
    nasiam = str(installed / "nasiam")
    python = str(installed / "python")
    spaces = Path(
        _run(
            [
                python,
                "-c",
                "from nasiam_dsl.resources import shipped; "
                "print(shipped('spaces', 'demo.nas').parent)",
            ],
            cwd=tmp_path,
        ).stdout.strip()
    )
    assert (spaces / "demo.nas").is_file() and (spaces / "standard" / "simsiam.nas").is_file()
    _run([nasiam, "check", str(spaces / "demo.nas")], cwd=tmp_path)
    _run([nasiam, "check", "demo"], cwd=tmp_path)  # a shipped space by name
    assert "ssl_heads" in _run([nasiam, "spaces"], cwd=tmp_path).stdout
    _run(
        [
            nasiam,
            "search",
            str(spaces / "demo.nas"),
            "--epochs",
            "1",
            "--steps-per-epoch",
            "2",
            "--batch-size",
            "16",
            "--limit",
            "256",
            "--device",
            "cpu",
            "--name",
            "r",
            "--quiet",
        ],
        cwd=tmp_path,
    )
    run_dir = tmp_path / "runs" / "r"
    assert (run_dir / "genotype.nas").is_file()
    _run([nasiam, "check", str(run_dir / "genotype.nas")], cwd=tmp_path)
    shown = _run([nasiam, "show", str(run_dir), "--no-plots"], cwd=tmp_path).stdout
    assert "projector" in shown
    _run([nasiam, "show", str(run_dir)], cwd=tmp_path)  # the figures: matplotlib is shipped
    assert list(run_dir.glob("*.png")) or list(run_dir.glob("figures/*.png"))
