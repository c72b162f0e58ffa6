"""Pandoc (the binary shipped by ``pypandoc-binary``) as the HTML and the PDF renders run it.

Both read the expanded markdown on standard input with the options of :func:`common_args`:
the Lua filter of ``assets/bulletin.lua`` (callouts, scrollable tables), a table of contents
unless the front matter says ``toc: false``, and English unless it gives a ``lang``.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from toolkit.bulletin.errors import RenderError, RenderWarning

ASSETS = Path(__file__).resolve().parent / "assets"
LUA_FILTER = ASSETS / "bulletin.lua"


def pandoc_path() -> str:
    """The Pandoc executable."""
    try:
        import pypandoc
    except ImportError as exc:  # pragma: no cover - dependency of the project
        raise RenderError("pypandoc-binary is not installed") from exc
    try:
        return pypandoc.get_pandoc_path()
    except OSError as exc:  # pragma: no cover
        raise RenderError(f"pandoc is not available: {exc}") from exc


def run_pandoc(markdown: str, args: list[str], cwd: Path) -> str:
    """Pandoc's output for ``markdown``; its notes on standard error become warnings."""
    cmd = [pandoc_path(), "--from=markdown", "--fail-if-warnings=false", *args]
    try:
        proc = subprocess.run(
            cmd,
            input=markdown.encode("utf-8"),
            capture_output=True,
            cwd=cwd,
            timeout=300,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"pandoc could not run: {exc}") from exc
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise RenderError(f"pandoc failed (exit {proc.returncode}): {err or 'no message'}")
    for line in err.splitlines():
        if line.strip():
            warnings.warn(f"pandoc: {line.strip()}", RenderWarning, stacklevel=3)
    return proc.stdout.decode("utf-8")


def common_args(front: Mapping[str, Any]) -> list[str]:
    """The options both renders give Pandoc, from the document's front matter."""
    args = [f"--lua-filter={LUA_FILTER}", "--wrap=preserve"]
    if front.get("toc", True) is not False:
        depth = front.get("toc-depth", 2)
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= 6:
            raise RenderError(f"toc-depth must be a number from 1 to 6, not {depth!r}")
        args += ["--toc", f"--toc-depth={depth}"]
    if "toc-title" not in front:
        args.append("--metadata=toc-title:Contents")
    if "lang" not in front:
        args.append("--metadata=lang:en")
    if front.get("number-sections") is True:
        args.append("--number-sections")
    return args
