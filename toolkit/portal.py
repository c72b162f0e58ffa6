"""The data portal page of a release (``index.html``) and the index of releases at the top of
``--out``.

Self-contained: the stylesheet is inlined, there is no script, nothing is fetched from the
network, and every link points to a file of the release. All data text is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from toolkit import __version__
from toolkit.publish_meta import Publisher
from toolkit.publish_tables import STATUS_MEANING, STATUS_ORDER, TableSpec

GROUPS = (
    ("datasets", "Event-level datasets and sources"),
    ("summaries", "Summary tables"),
    ("quality", "Data quality"),
    ("changes", "Changes since the previous release"),
)
FORMAT_LABELS = (("csv", "CSV"), ("excel_csv", "CSV for Excel"), ("parquet", "Parquet"))


def portal_css() -> str:
    return resources.files("toolkit").joinpath("assets/portal.css").read_text(encoding="utf-8")


@dataclass(frozen=True)
class PortalTable:
    spec: TableSpec
    rows: int
    files: dict[str, tuple[str, str, int]]  # format -> (path in release, sha256, bytes)


@dataclass(frozen=True)
class PortalFile:
    label: str
    path: str  # relative to the release folder
    sha256: str
    bytes: int
    description: str = ""


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n / 1024 / 1024:.1f} MB"


def _head(title: str) -> list[str]:
    e = html.escape
    return ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="icon" href="data:,">', f"<title>{e(title)}</title>",
            f"<style>{portal_css()}</style>", "</head>", "<body>", "<main>"]


def portal_html(*, publisher: Publisher, release_id: str, as_of: dt.date, period_label: str,
                next_release: dt.date | None, tables: Sequence[PortalTable],
                documents: Sequence[PortalFile], extras: Sequence[PortalFile],
                previous_releases: Sequence[str], method_notes: Sequence[tuple[str, str]]
                ) -> str:
    """The portal page of one release; links are relative to the release folder."""
    e = html.escape
    nxt = next_release.isoformat() if next_release else "to be announced"
    out = _head(f"{publisher.title}: release {release_id}")
    out += [
        "<header>",
        f"<h1>{e(publisher.title)}</h1>",
        f'<p class="lede">{e(publisher.description)}</p>',
        '<dl class="facts">',
        f"<dt>Release</dt><dd>{e(release_id)}</dd>",
        f"<dt>Release date</dt><dd>{e(as_of.isoformat())}</dd>",
        f"<dt>Data as of</dt><dd>{e(as_of.isoformat())}</dd>",
        f"<dt>Latest period</dt><dd>{e(period_label)} (provisional [p])</dd>",
        f'<dt>Next release</dt><dd id="next-release">{e(nxt)}</dd>',
        f"<dt>Publisher</dt><dd>{e(publisher.name)}</dd>",
        f"<dt>Contact</dt><dd>{e(publisher.contact_email)}"
        + (f", telephone {e(publisher.contact_phone)}" if publisher.contact_phone else "")
        + "</dd>",
        f"<dt>Licence</dt><dd>{e(publisher.licence_title)} ({e(publisher.licence_id)}), "
        f"{e(publisher.licence_url)}</dd>",
        "</dl>",
        "</header>",
        '<section id="cite">', "<h2>How to cite</h2>",
        f'<p class="citation">{e(publisher.citation(release_id, as_of))}</p>',
        "</section>",
        '<section id="whole-release">', "<h2>The whole release</h2>", "<ul>",
    ]
    for doc in documents:
        desc = f": {e(doc.description)}" if doc.description else ""
        out.append(f'<li><a href="{e(doc.path)}">{e(doc.label)}</a>{desc} '
                   f"({_size(doc.bytes)}; SHA-256 <code>{e(doc.sha256)}</code>)</li>")
    out += ["</ul>", "</section>"]
    if extras:
        out += ['<section id="documents">', "<h2>Bulletin and other documents</h2>", "<ul>"]
        for doc in extras:
            out.append(f'<li><a href="{e(doc.path)}">{e(doc.label)}</a> '
                       f"({_size(doc.bytes)}; SHA-256 <code>{e(doc.sha256)}</code>)</li>")
        out += ["</ul>", "</section>"]
    out += ['<section id="datasets">', "<h2>Datasets</h2>"]
    for group, heading in GROUPS:
        members = [t for t in tables if t.spec.group == group]
        if not members:
            continue
        out.append(f"<h3>{e(heading)}</h3>")
        for t in members:
            name = e(t.spec.name)
            out += [
                f'<article class="dataset" id="ds-{name}" data-dataset="{name}">',
                f"<h4>{e(t.spec.title)} <code>{name}</code></h4>",
                f"<p>{e(t.spec.description)}</p>",
                '<dl class="facts">',
                f'<dt>Rows</dt><dd class="rows">{t.rows}</dd>',
                f"<dt>Release date</dt><dd>{e(as_of.isoformat())}</dd>",
                f"<dt>Next release</dt><dd>{e(nxt)}</dd>",
                "</dl>",
                '<ul class="downloads">',
            ]
            for fmt, label in FORMAT_LABELS:
                path, _, size = t.files[fmt]
                out.append(f'<li><a href="{e(path)}" data-format="{fmt}">{e(label)}</a> '
                           f"({_size(size)})</li>")
            out.append(f'<li><a href="dictionary.html#{name}" class="dictionary">'
                       "Dictionary</a></li>")
            out += ["</ul>", "<details>", "<summary>Checksums (SHA-256)</summary>", "<ul>"]
            for fmt, label in FORMAT_LABELS:
                path, digest, _ = t.files[fmt]
                out.append(f'<li>{e(label)}: <code class="sha256">{e(digest)}</code></li>')
            out += ["</ul>", "</details>", "</article>"]
    out.append("</section>")
    out += ['<section id="notes">', "<h2>Notes</h2>",
            "<table><thead><tr><th>Shorthand</th><th>Meaning</th></tr></thead><tbody>"]
    out += [f"<tr><td><code>{e(s)}</code></td><td>{e(STATUS_MEANING[s])}</td></tr>"
            for s in STATUS_ORDER]
    out += ["</tbody></table>", "<dl>"]
    out += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in method_notes]
    out += ["</dl>", "</section>"]
    if previous_releases:
        out += ['<section id="previous">', "<h2>Previous releases</h2>", "<ul>"]
        out += [f'<li><a href="../{e(r)}/index.html">Release {e(r)}</a></li>'
                for r in previous_releases]
        out += ["</ul>", "</section>"]
    out += [f"<footer>Published with scamstats-toolkit {e(__version__)}.</footer>",
            "</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def releases_index_html(publisher: Publisher, releases: Sequence[str], current: str) -> str:
    """The page at the top of ``--out``: the current release and all kept releases."""
    e = html.escape
    out = _head(f"{publisher.title}: releases")
    out += [f"<h1>{e(publisher.title)}</h1>",
            f'<p class="lede">Current release: <a id="current" href="releases/{e(current)}/'
            f'index.html">{e(current)}</a></p>',
            "<h2>All releases</h2>", "<ul>"]
    out += [f'<li><a href="releases/{e(r)}/index.html">Release {e(r)}</a></li>'
            for r in sorted(releases, reverse=True)]
    out += ["</ul>", "<p>Checksums of the current release: "
            '<a href="SHA256SUMS">SHA256SUMS</a>, <a href="manifest.json">manifest.json</a>.</p>',
            "</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"
