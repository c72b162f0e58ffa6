"""The Vega runtime that draws the charts of the HTML bulletin, inlined in the page.

``vl_convert.javascript_bundle()`` gives Vega, Vega-Lite and Vega-Embed as one offline ES2015
script that sets ``window.vegaEmbed``; ``assets/bulletin-charts.js`` draws every chart with it.
Making the bundle is slow and holds the GIL, and its text depends only on the installed
vl-convert, so it is kept on disk, one file per vl-convert build, under
``$XDG_CACHE_HOME/scamstats-toolkit/`` (default ``~/.cache``), written atomically. The cache
is outside the package and anyone who can write there could change it, so a cached bundle is
used only when its SHA-256 equals the one pinned here for the installed vl-convert
(:data:`PINNED_SHA256`: the bundle is deterministic for a version); for a version not pinned
the cache is not used and the bundle is made in process. :func:`prefetch_runtime` has a
missing bundle made in another process (:mod:`toolkit.bulletin.workers`); any failure of the
cache falls back to making it in this process.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import tempfile
from concurrent.futures import Future
from pathlib import Path

from toolkit.bulletin.errors import RenderError
from toolkit.bulletin.pandoc import ASSETS
from toolkit.bulletin.workers import process_pool

CHART_SCRIPT = ASSETS / "bulletin-charts.js"
CACHE_APP = "scamstats-toolkit"
#: SHA-256 of ``vl_convert.javascript_bundle()`` by vl-convert version: the only cached
#: bundles the toolkit inlines. Add a line when the pinned dependency moves (the test of this
#: module says the hash to add).
PINNED_SHA256 = {
    "1.9.0": "3425bd951a44d478d0505c6b5d1e8d57656b6e9a4da7bfe88a718ce61d76e572",
}

#: Draws the charts when the document is rendered by Quarto, which has no CSP to satisfy.
QUARTO_CHART_JS = """(function () {
  document.querySelectorAll("div.vega-chart[data-vega-spec]").forEach(function (el) {
    window.vegaEmbed(el, JSON.parse(el.getAttribute("data-vega-spec")),
      {mode: "vega-lite", renderer: "svg", actions: false, tooltip: true})
      .catch(function (err) { console.error("Chart " + el.id + ": " + err); });
  });
})();"""

_pending: Future[str] | None = None


def script_hash(text: str) -> str:
    """The base64 SHA-256 of a script, as a Content-Security-Policy names it."""
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def chart_script() -> str:
    """The script that draws every chart of the page."""
    return CHART_SCRIPT.read_text(encoding="utf-8")


def installed_version() -> str:
    import vl_convert

    return str(getattr(vl_convert, "__version__", "unknown"))


def cache_path() -> Path | None:
    """Where the bundle of the installed vl-convert is cached; None if it cannot be, or if no
    hash is pinned for that version."""
    try:
        import vl_convert

        if installed_version() not in PINNED_SHA256:
            return None

        so = sorted(Path(vl_convert.__file__).parent.glob("vl_convert*.so"))
        key = "-".join([
            str(getattr(vl_convert, "__version__", "unknown")),
            vl_convert.get_vega_version(),
            "vl" + "_".join(vl_convert.get_vegalite_versions()[-1:]),
            "embed" + vl_convert.get_vega_embed_version(),
            str(so[0].stat().st_size) if so else "0",
        ])
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return None
    except Exception:  # noqa: BLE001 - no cache then, the bundle is made in process
        return None
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key)
    return Path(base) / CACHE_APP / f"vega-bundle-{safe}.js"


def read_cached(path: Path | None) -> str | None:
    """The cached bundle at ``path``; None when it is missing or its SHA-256 is not the one
    pinned for the installed vl-convert."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != PINNED_SHA256.get(installed_version()):
        return None
    return data.decode("utf-8")


def write_cached(path: Path | None, bundle: str) -> None:
    """Best effort: write the bundle to ``path`` atomically (temporary file, then rename)."""
    if path is None:
        return
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".vega-bundle-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(bundle.encode("utf-8"))
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def make_bundle() -> str:
    """Make the bundle with vl-convert and cache it; its text."""
    import vl_convert

    bundle = vl_convert.javascript_bundle()
    write_cached(cache_path(), bundle)
    return bundle


def prefetch_runtime() -> Future[str] | None:
    """Start making the bundle in another process when it is not cached; returns at once.

    :func:`runtime` waits for that process when it needs the bundle. None when there is
    nothing to make (cached, already made or being made, or no cache to keep it in).
    """
    global _pending
    if _pending is not None or runtime.cache_info().currsize:
        return None
    path = cache_path()
    if path is None or path.is_file():
        return None
    try:
        pool = process_pool()
        _pending = pool.submit(make_bundle)
        pool.shutdown(wait=False)  # the process ends with its one job
    except OSError:
        _pending = None
    return _pending


@functools.lru_cache(maxsize=1)
def runtime() -> str:
    """The Vega runtime's script: cached on disk, made by :func:`prefetch_runtime`'s process,
    or made here."""
    global _pending
    bundle = read_cached(cache_path())
    if bundle is None and _pending is not None:
        pending, _pending = _pending, None
        try:
            bundle = pending.result(timeout=300)
        except Exception:  # noqa: BLE001 - made here instead
            bundle = None
    if bundle is None:
        bundle = make_bundle()
    if "</script" in bundle.lower() or "<!--" in bundle:
        raise RenderError("the Vega JavaScript bundle cannot be inlined safely")
    return bundle
