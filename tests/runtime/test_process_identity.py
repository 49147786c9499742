"""Whether a pid is our server: yes, no (or it is gone), or the system will not let us tell."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studyteddy_desktop.runtime.process_identity import Identity, identify_process, process_matches

_NOBODY = 65534


@pytest.fixture()
def sleeper():
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def test_our_own_process_is_ours():
    assert identify_process(os.getpid(), executable_dir=Path(sys.executable).resolve().parent,
                            cmdline_marker="pytest") is Identity.OURS
    assert process_matches(os.getpid(), cmdline_marker="pytest")


def test_a_different_program_or_a_missing_pid_is_not_ours(sleeper):
    assert identify_process(sleeper.pid, name="postgres") is Identity.NOT_OURS
    assert identify_process(sleeper.pid, cmdline_marker="/no/such/data") is Identity.NOT_OURS
    assert identify_process(None) is Identity.NOT_OURS
    assert identify_process(0) is Identity.NOT_OURS


def test_a_process_that_has_exited_is_not_ours():
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert identify_process(gone.pid) is Identity.NOT_OURS


def test_a_zombie_is_not_ours():
    zombie = subprocess.Popen(["true"])
    try:
        # Not reaped yet: it stays a zombie until wait().
        os.waitid(os.P_PID, zombie.pid, os.WEXITED | os.WNOWAIT)
        assert identify_process(zombie.pid, name="true") is Identity.NOT_OURS
    finally:
        zombie.wait()


@pytest.mark.skipif(os.geteuid() != 0, reason="becoming another user needs root")
def test_a_live_process_we_may_not_inspect_cannot_be_told(sleeper, tmp_path):
    # Another user's processes: their names are public, the files they run are not. The second
    # claims in its command line to run /usr/bin/sleep but runs a copy elsewhere.
    copy = tmp_path / "sleep"
    shutil.copy(shutil.which("sleep"), copy)
    liar = subprocess.Popen(["/usr/bin/sleep", "60"], executable=copy)
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from studyteddy_desktop.runtime.process_identity import identify_process\n"
        f"os.setgroups([]); os.setgid({_NOBODY}); os.setuid({_NOBODY})\n"
        f"for pid, name in (({sleeper.pid}, 'sleep'), ({sleeper.pid}, 'postgres'), ({liar.pid}, 'sleep')):\n"
        "    print(identify_process(pid, name=name, executable_dir=Path('/usr/bin')).name)\n"
    )
    try:
        assert identify_process(liar.pid, executable_dir=Path("/usr/bin")) is Identity.NOT_OURS
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                timeout=30, cwd="/", check=False)
    finally:
        liar.kill()
        liar.wait()
    assert result.returncode == 0, result.stderr
    # A name that differs is enough to say no, even without permission to look further; a
    # command line, which any process may write, is never taken as proof.
    assert result.stdout.split() == ["UNKNOWN", "NOT_OURS", "UNKNOWN"]
