"""Another, unprivileged account on this machine, for tests of what mode bits keep from it.

Root ignores mode bits, and these machines run the suite as root: a permission test that only
tries things as root can never fail. So the tests become this account for the attempt.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

PROBE_ACCOUNT = "studyteddy-probe"

def probe_account() -> pwd.struct_passwd:
    """The probe account, created when missing; skips the test when we cannot become another user."""
    if os.geteuid() != 0:
        pytest.skip("becoming another account needs root")
    try:
        return pwd.getpwnam(PROBE_ACCOUNT)
    except KeyError:
        pass
    result = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                             PROBE_ACCOUNT], capture_output=True, text=True, check=False)
    try:
        return pwd.getpwnam(PROBE_ACCOUNT)
    except KeyError:
        pytest.skip(f"could not create the account {PROBE_ACCOUNT}: {result.stderr.strip()}")


def as_account(account: pwd.struct_passwd, action: Callable[[], object]) -> object:
    """Run `action` in a forked child that has become the account alone (its uid and gid, none of
    root's groups); its JSON-able result. Forked, not run afresh: the account cannot reach this
    interpreter under /root, and the child needs nothing it does not already have."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            os.chdir("/")
            payload = {"result": action()}
        except BaseException as error:
            payload = {"error": f"{type(error).__name__}: {error}"}
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(json.dumps(payload).encode("utf-8"))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        received = pipe.read()
    os.waitpid(pid, 0)
    payload = json.loads(received)
    if "error" in payload:
        raise AssertionError(f"as {account.pw_name}: {payload['error']}")
    return payload["result"]


def attempts_as(account: pwd.struct_passwd, paths: list[Path]) -> dict[Path, str]:
    """What the account got for each path: "allowed", or the errno's name (EACCES, ...)."""
    def attempt_each() -> dict[str, str]:
        outcome = {}
        for path in paths:
            try:
                if path.is_dir():
                    os.listdir(path)
                else:
                    with path.open("rb") as handle:
                        handle.read(1)
                outcome[str(path)] = "allowed"
            except OSError as error:
                outcome[str(path)] = errno.errorcode.get(error.errno, str(error.errno))
        return outcome

    return {Path(path): outcome for path, outcome in as_account(account, attempt_each).items()}


def open_parent() -> Path:
    """A fresh directory every account may list, so only the modes under it stop the probe."""
    parent = Path(tempfile.mkdtemp(prefix="studyteddy-private-", dir="/tmp"))
    parent.chmod(0o755)
    return parent
