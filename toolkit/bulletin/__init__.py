"""The bulletin, quarterly or monthly: figures, charts and sentences rendered from
``reports/bulletin.qmd``.

The stage in order, one module each:

* :mod:`~toolkit.bulletin.figures` – every number, as queries over the warehouse;
* :mod:`~toolkit.bulletin.charts` – the Altair charts and the data behind them;
  :mod:`~toolkit.bulletin.chartproc` draws their SVG (in a process of its own);
* :mod:`~toolkit.bulletin.sections` – sentences and tables (words in
  :mod:`~toolkit.bulletin.text` and :mod:`~toolkit.bulletin.names`); the Korean edition's are
  written in Korean by :mod:`~toolkit.bulletin.sections_ko` (words in
  :mod:`~toolkit.bulletin.text_ko`), the charts' by :mod:`~toolkit.bulletin.chartwords` and
  :mod:`~toolkit.bulletin.chartwords_ko`; names, labels, numbers and dates of both come from
  :mod:`toolkit.i18n`;
* :mod:`~toolkit.bulletin.document` – metadata, the build folder, the editions (one per
  language of ``config/bulletin.yaml``: ``bulletin.html``/``.pdf``, ``bulletin.ko.html``/``.pdf``)
  and the entry points below (``build_bulletin(..., lang="ko")``);
* :mod:`~toolkit.bulletin.shortcodes` and :mod:`~toolkit.bulletin.markdown` – the Quarto
  subset the ``.qmd`` uses, and data text escaped for it;
* :mod:`~toolkit.bulletin.html` (Pandoc, then the Jinja2 page) and :mod:`~toolkit.bulletin.pdf`
  (Pandoc's Typst writer, then Typst), sharing :mod:`~toolkit.bulletin.pandoc`; the Vega
  runtime inlined in the page is :mod:`~toolkit.bulletin.vega`;
* :mod:`~toolkit.bulletin.workers` – the worker processes that draw charts and make the runtime;
* :mod:`~toolkit.bulletin.fonts` – the fonts, and the Hangul ones a PDF cannot do without.
"""

from toolkit.bulletin.document import (
    build_bulletin,
    configured_languages,
    prefetch,
    render_bulletin,
)
from toolkit.bulletin.errors import BulletinError, RenderError, RenderWarning
from toolkit.bulletin.html import render_html
from toolkit.bulletin.markdown import chart_block, escape_md
from toolkit.bulletin.pdf import render_pdf

__all__ = ["BulletinError", "RenderError", "RenderWarning", "build_bulletin", "chart_block",
           "configured_languages", "escape_md", "prefetch", "render_bulletin", "render_html",
           "render_pdf"]
