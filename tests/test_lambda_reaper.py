"""The orphan watchdog stays small while it waits (psutil only for the sweep) and still sweeps."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from local_cloud.lambda_runtime.runtime import REAPER


def test_reaper_imports_psutil_only_when_it_sweeps(tmp_path):
    code_root = tmp_path / "code"
    code_root.mkdir()
    probe = textwrap.dedent(f"""
        import runpy, sys
        seen = []

        class Stdin:
            @property
            def buffer(self):
                seen.append("psutil" in sys.modules)  # while it waits on the pipe
                return iter([b"123456789\\n", b"-123456789\\n"])

        sys.stdin = Stdin()
        sys.argv = [{str(REAPER)!r}, "no-such-marker/", {str(code_root)!r}]
        runpy.run_path(sys.argv[0], run_name="__main__")
        print(seen, "psutil" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[False]", "True"]
    assert not code_root.exists()  # the sweep still ran
