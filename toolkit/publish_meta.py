"""Release metadata: publisher and release calendar config, ``datapackage.json``, the data
dictionary (Markdown and HTML), the citation and the human-readable changelog.

Everything is derived from the :class:`~toolkit.publish_tables.TableSpec` objects, which the
event datasets take from ``schemas/``; nothing here holds a wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from toolkit.disclosure import config_dir
from toolkit.publish_formats import CSV_LINE_END
from toolkit.publish_tables import STATUS_MEANING, STATUS_ORDER, TableSpec


class ConfigError(ValueError):
    """A file in ``config/`` is malformed."""


@dataclass(frozen=True)
class Publisher:
    name: str
    title: str
    description: str
    licence_id: str
    licence_title: str
    licence_url: str
    contact_email: str
    homepage: str
    citation_template: str
    contact_phone: str = ""

    @property
    def allowed_contacts(self) -> frozenset[str]:
        """The publisher's own address and telephone, which the personal-data scan accepts."""
        phone = "".join(c for c in self.contact_phone if c.isdigit())
        return frozenset(x for x in (self.contact_email.lower(), phone) if x)

    def citation(self, release_id: str, as_of: dt.date) -> str:
        text = self.citation_template.format(
            publisher=self.name, title=self.title, release_id=release_id,
            as_of=as_of.isoformat(), year=as_of.year, homepage=self.homepage,
            licence=self.licence_id)
        return " ".join(text.split())


def load_publisher(path: Path | None = None) -> Publisher:
    path = path or config_dir() / "publisher.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Publisher(
            name=doc["name"], title=doc["title"], description=" ".join(doc["description"].split()),
            licence_id=doc["licence"]["id"], licence_title=doc["licence"]["title"],
            licence_url=doc["licence"]["url"], contact_email=doc["contact"]["email"],
            homepage=doc["homepage"], citation_template=doc["citation"],
            contact_phone=str(doc["contact"].get("phone") or ""),
        )
    except (OSError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: {type(exc).__name__}: {exc}") from None


def next_release_date(as_of: dt.date, path: Path | None = None) -> dt.date | None:
    """The first planned release after ``as_of`` in ``config/release-calendar.yaml``."""
    path = path or config_dir() / "release-calendar.yaml"
    if not path.is_file():
        return None
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    dates = []
    for item in doc.get("releases", []):
        value = item.get("date") if isinstance(item, dict) else item
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        if not isinstance(value, dt.date):
            raise ConfigError(f"{path}: {item!r} has no date")
        dates.append(value)
    later = sorted(d for d in dates if d > as_of)
    return later[0] if later else None


def dumps_json(doc) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- datapackage


def _field_descriptor(spec: TableSpec, name: str) -> dict:
    f = spec.field(name)
    out: dict = {"name": f.name, "type": f.type, "description": f.description}
    if f.type == "date":
        out["format"] = "default"
    constraints: dict = {}
    if f.required:
        constraints["required"] = True
    if f.values:
        constraints["enum"] = list(f.values)
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.maximum is not None:
        constraints["maximum"] = f.maximum
    if f.pattern:
        constraints["pattern"] = f.pattern
    if constraints:
        out["constraints"] = constraints
    return out


@dataclass(frozen=True)
class Resource:
    spec: TableSpec
    path: str  # relative to the release folder
    sha256: str
    bytes: int
    rows: int


def datapackage(release_id: str, as_of: dt.date, publisher: Publisher,
                resources: Sequence[Resource], sources: pl.DataFrame) -> dict:
    """A Frictionless Data Package (v1) of the published CSVs, with Table Schemas."""
    res = []
    for r in resources:
        schema: dict = {
            "fields": [_field_descriptor(r.spec, c) for c in r.spec.columns],
            "missingValues": [""],
        }
        if r.spec.primary_key:
            schema["primaryKey"] = list(r.spec.primary_key)
        if r.spec.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": f, "reference": {"resource": t, "fields": k}}
                for f, t, k in r.spec.foreign_keys
            ]
        res.append({
            "name": r.spec.name, "path": r.path, "title": r.spec.title,
            "description": r.spec.description, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": r.bytes, "hash": f"sha256:{r.sha256}",
            "dialect": {"delimiter": ",", "lineTerminator": CSV_LINE_END, "quoteChar": '"',
                        "doubleQuote": True, "header": True},
            "schema": schema,
        })
    src = [{"title": f"{s['publisher']}: {s['title']}", **({"path": s["url"]} if s["url"] else {})}
           for s in sources.select("publisher", "title", "url").to_dicts()]
    return {
        "profile": "tabular-data-package",
        "name": f"scamstats-{release_id}",
        "id": f"scamstats-{release_id}",
        "title": f"{publisher.title}, release {release_id}",
        "description": publisher.description,
        "version": release_id,
        "created": f"{as_of.isoformat()}T00:00:00Z",
        "homepage": publisher.homepage,
        "licenses": [{"name": publisher.licence_id, "path": publisher.licence_url,
                      "title": publisher.licence_title}],
        "contributors": [{"title": publisher.name, "email": publisher.contact_email,
                          "role": "publisher"}],
        "citation": publisher.citation(release_id, as_of),
        "sources": src,
        "resources": res,
    }


# --------------------------------------------------------------------------- dictionary


def _constraints_text(spec: TableSpec, name: str) -> str:
    f = spec.field(name)
    parts = []
    if f.required:
        parts.append("always filled")
    if f.values:
        parts.append("one of " + ", ".join(f.values))
    if f.minimum is not None:
        parts.append(f">= {f.minimum}")
    if f.maximum is not None:
        parts.append(f"<= {f.maximum}")
    if f.pattern == r"^[A-Z]{3}$":
        parts.append("three capital letters")
    return "; ".join(parts)


FORMAT_NOTES = (
    ("CSV", "UTF-8 without BOM, RFC 4180: comma-separated, fields with commas, quotes or line "
            "breaks in double quotes, CRLF line ends, a header row. Dates are ISO 8601 "
            "(YYYY-MM-DD); an empty field is a missing value."),
    ("CSV for Excel", "The same file with a UTF-8 byte-order mark, so that Excel shows "
                      "non-ASCII text correctly when the file is opened by double-click."),
    ("Formula protection", "In both CSV variants a text cell that would start with =, +, -, @, "
                           "a tab or a carriage return starts with an apostrophe (') instead, "
                           "so spreadsheets do not run it as a formula. Remove one leading "
                           "apostrophe before such a character to get the original text. "
                           "Number columns are never changed."),
    ("Parquet", "The same tables with types (string, int64, date32) and column descriptions; "
                "text is as recorded, without the apostrophe."),
    ("Workbook", "One XLSX workbook: cover, contents, notes, and one sheet per table."),
)


def dictionary_markdown(release_id: str, publisher: Publisher, specs: Sequence[TableSpec],
                        rows: dict[str, int], files: dict[str, list[str]],
                        method_notes: Sequence[tuple[str, str]]) -> str:
    out = [f"# Data dictionary: {publisher.title}, release {release_id}", ""]
    out += ["## Status shorthand", "", "| shorthand | meaning |", "|---|---|"]
    out += [f"| `{t}` | {STATUS_MEANING[t]} |" for t in STATUS_ORDER]
    out += ["", "## Formats", ""]
    out += [f"- **{k}**: {v}" for k, v in FORMAT_NOTES]
    out += ["", "## Method notes", ""]
    out += [f"- **{k}**: {v}" for k, v in method_notes]
    for spec in specs:
        out += ["", f"## {spec.name}", "", f"**{spec.title}.** {spec.description}", ""]
        out.append(f"Rows: {rows[spec.name]}. Files: " +
                   ", ".join(f"`{p}`" for p in files[spec.name]) + ".")
        if spec.primary_key:
            out.append(f"Each row is identified by: {', '.join(spec.primary_key)}.")
        out += ["", "| column | type | description | constraints |", "|---|---|---|---|"]
        for name in spec.columns:
            f = spec.field(name)
            desc = f.description.replace("|", "\\|")
            out.append(f"| `{name}` | {f.type} | {desc} | {_constraints_text(spec, name)} |")
    return "\n".join(out) + "\n"


def dictionary_html(release_id: str, publisher: Publisher, specs: Sequence[TableSpec],
                    rows: dict[str, int], files: dict[str, list[str]],
                    method_notes: Sequence[tuple[str, str]], css: str) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>Data dictionary, release {e(release_id)}</title>",
        f"<style>{css}</style>", "</head>", "<body>", "<main>",
        f"<p><a href=\"index.html\">Back to the release {e(release_id)}</a></p>",
        f"<h1>Data dictionary: {e(publisher.title)}, release {e(release_id)}</h1>",
        '<h2 id="shorthand">Status shorthand</h2>', "<table><thead><tr><th>shorthand</th>"
        "<th>meaning</th></tr></thead><tbody>",
    ]
    parts += [f"<tr><td><code>{e(t)}</code></td><td>{e(STATUS_MEANING[t])}</td></tr>"
              for t in STATUS_ORDER]
    parts += ["</tbody></table>", '<h2 id="formats">Formats</h2>', "<dl>"]
    parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in FORMAT_NOTES]
    parts += ["</dl>", '<h2 id="method">Method notes</h2>', "<dl>"]
    parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in method_notes]
    parts.append("</dl>")
    for spec in specs:
        parts += [f'<section id="{e(spec.name)}">', f"<h2>{e(spec.name)}</h2>",
                  f"<p><strong>{e(spec.title)}.</strong> {e(spec.description)}</p>",
                  f"<p>Rows: {rows[spec.name]}. Files: " +
                  ", ".join(f'<a href="{e(p)}">{e(p)}</a>' for p in files[spec.name]) +
                  ".</p>"]
        if spec.primary_key:
            parts.append(f"<p>Each row is identified by: {e(', '.join(spec.primary_key))}.</p>")
        parts.append("<table><thead><tr><th>column</th><th>type</th><th>description</th>"
                     "<th>constraints</th></tr></thead><tbody>")
        for name in spec.columns:
            f = spec.field(name)
            parts.append(f"<tr><td><code>{e(name)}</code></td><td>{e(f.type)}</td>"
                         f"<td>{e(f.description)}</td>"
                         f"<td>{e(_constraints_text(spec, name))}</td></tr>")
        parts += ["</tbody></table>", "</section>"]
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- changelog


def changelog_markdown(release_id: str, previous_release: str | None,
                       changelog: pl.DataFrame, revisions: pl.DataFrame) -> str:
    out = [f"# Changes in release {release_id}", ""]
    if previous_release is None:
        out.append("First release: there is no previous release to compare with.")
        return "\n".join(out) + "\n"
    out.append(f"Compared with release {previous_release}.")
    out += ["", "## Records", ""]
    if changelog.is_empty():
        out.append("No record was added, removed or changed.")
    for ds in changelog["dataset"].unique(maintain_order=True).to_list():
        part = changelog.filter(pl.col("dataset") == ds)
        added = part.filter(pl.col("change") == "added")["record_id"].to_list()
        removed = part.filter(pl.col("change") == "removed")["record_id"].to_list()
        changed = part.filter(pl.col("change") == "changed")
        out.append(f"### {ds}")
        out.append("")
        if added:
            out.append(f"- added ({len(added)}): {', '.join(added)}")
        if removed:
            out.append(f"- removed ({len(removed)}): {', '.join(removed)}")
        for rid in changed["record_id"].unique(maintain_order=True).to_list():
            cols = changed.filter(pl.col("record_id") == rid)["column"].to_list()
            out.append(f"- changed {rid}: {', '.join(cols)}")
        out.append("")
    out += ["## Revised figures", ""]
    if revisions.is_empty():
        out.append("No published figure was revised.")
    else:
        counts = revisions.group_by("table", maintain_order=True).len()
        for table, n in counts.iter_rows():
            out.append(f"- {table}: {n} cells (see revisions.csv)")
    return "\n".join(out) + "\n"
