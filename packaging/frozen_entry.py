"""The frozen app's one executable: the `studyteddy` command, and `-m module` for its own child processes."""

import runpy
import sys


def _run() -> None:
    # The worker and the extraction sandbox start as `sys.executable -m <module>`, as they do from a
    # venv; in the frozen app sys.executable is this program, so it runs the module itself.
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        if not module.startswith("studyteddy_desktop."):
            sys.exit(f"studyteddy: only its own modules run with -m, not {module!r}")
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return
    from studyteddy_desktop.cli import main

    sys.exit(main())


if __name__ == "__main__":
    _run()
