"""The bulletin, quarterly or monthly: figures, charts and sentences rendered from
``reports/bulletin.qmd``.

The stage in order, one module each:

* :mod:`~toolkit.bulletin.figures` – every number, as queries over the warehouse;
* :mod:`~toolkit.bulletin.charts` – the Altair charts and the data behind them;
  :mod:`~toolkit.bulletin.chartproc` draws their SVG (in a process of its own);
* :mod:`~toolkit.bulletin.sections` – sentences and tables (words in
  :mod:`~toolkit.bulletin.text` and :mod:`~toolkit.bulletin.names`);
* :mod:`~toolkit.bulletin.document` – metadata, the build folder, and the entry points below;
* :mod:`~toolkit.bulletin.shortcodes` and :mod:`~toolkit.bulletin.markdown` – the Quarto
  subset the ``.qmd`` uses, and data text escaped for it;
* :mod:`~toolkit.bulletin.html` (Pandoc, then the Jinja2 page) and :mod:`~toolkit.bulletin.pdf`
  (Pandoc's Typst writer, then Typst), sharing :mod:`~toolkit.bulletin.pandoc`; the Vega
  runtime inlined in the page is :mod:`~toolkit.bulletin.vega`;
* :mod:`~toolkit.bulletin.workers` – the worker processes that draw charts and make the runtime.
"""

from toolkit.bulletin.document import build_bulletin, prefetch, render_bulletin
from toolkit.bulletin.errors import BulletinError, RenderError, RenderWarning
from toolkit.bulletin.html import render_html
from toolkit.bulletin.markdown import chart_block, escape_md
from toolkit.bulletin.pdf import render_pdf

__all__ = ["BulletinError", "RenderError", "RenderWarning", "build_bulletin", "chart_block",
           "escape_md", "prefetch", "render_bulletin", "render_html", "render_pdf"]
