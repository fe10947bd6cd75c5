"""A writer killed mid-write leaves a temp file; the next write removes it."""

import subprocess
import sys

from nasiam_dsl.run.checkpoint import atomic_write_text


def test_stale_temp_of_a_dead_writer_is_removed(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    stale = tmp_path / f".genotype.nas.tmp-{pid}"
    stale.write_text("half a file")
    other = tmp_path / ".genotype.nas.tmp-notapid"
    other.write_text("not ours to judge")
    atomic_write_text(tmp_path / "genotype.nas", "genotype g { }\n")
    assert (tmp_path / "genotype.nas").read_text() == "genotype g { }\n"
    assert not stale.exists()
    assert other.exists()
