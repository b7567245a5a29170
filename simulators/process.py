"""Child processes of the simulators and test harnesses that never outlive their parent."""

from __future__ import annotations

import ctypes
from pathlib import Path
import signal
import subprocess
import sys
from typing import IO, Any, Final

# Looked up in the parent: the child, between fork and exec, only calls it.
_PR_SET_PDEATHSIG: Final = 1
_PRCTL: Final[Any] = ctypes.CDLL(None).prctl if sys.platform == "linux" else None


def die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the parent dies, even by SIGKILL.

    Pass as `preexec_fn` (Linux only; elsewhere it does nothing), so a demo or test run that is
    killed outright leaves no Home Assistant or simulator behind.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


def spawn_simulator(
    module: str, args: list[str], *, log_path: Path | None, stdin: int
) -> subprocess.Popen[bytes]:
    """`python -m <module> <args>` from the repository root, dying with its parent: replies on
    its stdout, its log (stderr) appended to `log_path` or dropped."""
    root = Path(__file__).resolve().parent.parent
    log: IO[bytes] | int = log_path.open("ab") if log_path else subprocess.DEVNULL
    try:
        return subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", module, *args],
            cwd=root,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=log,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
    finally:
        if not isinstance(log, int):
            log.close()


def reap(process: subprocess.Popen[bytes], *, grace_s: float) -> None:
    """Wait for a child that was asked to stop; kill it if it is stuck; close its stdout."""
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    if process.stdout is not None:
        process.stdout.close()
