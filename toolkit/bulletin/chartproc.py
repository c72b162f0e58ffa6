"""The charts' static SVG, drawn by vl-convert: in a process of their own when one is started.

Importing Altair and starting vl-convert's JavaScript engine are slow, and both hold the GIL
(on a thread they would stall this process). :func:`start` gets a worker process ready while
this process does other work; :func:`draw_charts` then hands it the figures once, and the
charts come back with their SVG. Without a started process, or when it could not draw them,
the charts are made here. Either way they are the same charts. The worker is one of
:mod:`toolkit.bulletin.workers`: it ends with this process, however this process ends.

Chart text names concrete sans families (:func:`with_sans_fonts`), not only the generic
``sans-serif``: Typst ignores generic families in an SVG and would set the labels in the
surrounding text's font, the serif body font under Quarto's Typst template. Korean charts name
Hangul families first (:func:`toolkit.bulletin.fonts.chart_fonts`), and vl-convert, which
measures the labels, is given the Hangul fonts installed with the toolkit.

The charts of every language of a bulletin are drawn in one go (:func:`draw_editions`): the
same figures, each language's words.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from toolkit.bulletin.charts import Chart, example_spec, make_charts
from toolkit.bulletin.fonts import chart_fonts, packaged_font_dirs
from toolkit.bulletin.workers import process_pool

#: The CSS font list English chart text is set in (browser, vl-convert and Typst alike).
SANS_FONTS = chart_fonts("en")

if TYPE_CHECKING:
    from toolkit.bulletin.figures import Figures


@functools.cache
def _register_fonts() -> None:
    """Give vl-convert the Hangul fonts installed with the toolkit (once per process)."""
    import vl_convert

    for folder in packaged_font_dirs():
        vl_convert.register_font_directory(str(folder))


def to_svg(spec: dict[str, Any]) -> str:
    """The static SVG of a Vega-Lite spec."""
    import vl_convert

    _register_fonts()
    return vl_convert.vegalite_to_svg(spec)


def with_sans_fonts(spec: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """``spec`` with every generic ``sans-serif`` font of its ``config`` (``font``,
    ``labelFont``, ``titleFont`` ...) replaced by the font list of ``lang``'s charts."""
    fonts = chart_fonts(lang)

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if node == "sans-serif" and (key == "font" or key.endswith("Font")):
            return fonts
        return node

    if "config" not in spec:
        return spec
    return {**spec, "config": walk(spec["config"])}


def charts_with_svg(fig: Figures, lang: str = "en") -> list[Chart]:
    """The charts of ``fig`` in ``lang``, each with its sans fonts named and its SVG drawn
    (here)."""
    charts = make_charts(fig, lang)
    for chart in charts:
        chart.spec = with_sans_fonts(chart.spec, lang)
        chart.svg = to_svg(chart.spec)
    return charts


def editions_with_svg(fig: Figures, langs: Sequence[str]) -> dict[str, list[Chart]]:
    """The charts of ``fig`` in every language of ``langs`` (here)."""
    return {lang: charts_with_svg(fig, lang) for lang in langs}


def warm_up() -> int:
    """Import Altair and start the JavaScript engine by drawing one small chart; the pid."""
    to_svg(example_spec())
    return os.getpid()


class ChartProcess:
    """A worker process that gets ready, then draws one set of charts and ends."""

    def __init__(self) -> None:
        self._pool = process_pool()
        self._ready = self._pool.submit(warm_up)

    @property
    def pid(self) -> int:
        """The worker's process id, once it is ready."""
        return self._ready.result()

    def draw(self, fig: Figures, langs: Sequence[str] = ("en",)
             ) -> dict[str, list[Chart]] | None:
        """The charts of ``fig`` in each of ``langs`` with their SVG, or None when the worker
        could not draw them (it died, or raised: :func:`draw_editions` then draws them here,
        where an error in the charts is raised with this process's traceback). The worker ends
        afterwards either way."""
        try:
            return self._pool.submit(editions_with_svg, fig, tuple(langs)).result()
        except Exception:  # noqa: BLE001 - drawn again here, which raises any real error
            return None
        finally:
            self.close()

    def close(self) -> None:
        """End the worker without waiting for it."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_started: ChartProcess | None = None


def start() -> ChartProcess | None:
    """Start the process that draws the next charts (once; None if no process can start)."""
    global _started
    if _started is None:
        try:
            _started = ChartProcess()
        except OSError:
            _started = None
    return _started


def draw_editions(fig: Figures, langs: Sequence[str]) -> dict[str, list[Chart]]:
    """The charts of ``fig`` in every language of ``langs``, with their SVG: by the started
    process if there is one, else here."""
    global _started
    process, _started = _started, None
    if process is not None:
        charts = process.draw(fig, langs)
        if charts is not None:
            return charts
    return editions_with_svg(fig, langs)


def draw_charts(fig: Figures, lang: str = "en") -> list[Chart]:
    """The charts of ``fig`` in ``lang`` with their SVG (:func:`draw_editions`)."""
    return draw_editions(fig, (lang,))[lang]
