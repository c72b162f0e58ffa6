"""Release metadata: ``datapackage.json``, the data dictionary in Markdown, the citation, the
method notes and the human-readable changelog (``CHANGES.md``).

Everything is derived from the :class:`~toolkit.publish.specs.TableSpec` objects, which the
event datasets take from ``schemas/``, and from the publisher in ``config/publisher.yaml``;
nothing here holds a wall-clock time. The HTML dictionary is rendered from the same text by
:mod:`toolkit.publish.portal`.

In the Markdown files the code writes the markup and every text goes through
:func:`markdown_text` (or :func:`markdown_code` inside backticks), so no record id, name or
description can add a heading, a link, an image or HTML, whatever it holds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from toolkit.config import Publisher
from toolkit.periods import Period
from toolkit.publish.formats import CSV_LINE_END
from toolkit.publish.policy import Policy, policy_sentences
from toolkit.publish.specs import (
    ISO3_PATTERN,
    NOT_RETURNED_DEFINITION,
    STATUS_MEANING,
    STATUS_ORDER,
    TableSpec,
)

#: Line and paragraph breaks, in every form Markdown or Unicode knows.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
#: Markdown punctuation that can open or close markup anywhere in a line: emphasis, code,
#: links and images, raw HTML and entities, tables, strikethrough, maths, headings, and the @
#: of an e-mail autolink (CommonMark, GFM, Pandoc).
_ALWAYS = frozenset("\\`*[]<>&|~$#!{}^@")
#: Punctuation that is markup only at the start of a line (lists, setext headings).
_LINE_START = re.compile(r"^\s*(?:[-+=]|\d+[.)])")


def markdown_text(text: object) -> str:
    """``text`` as Markdown that shows it literally, on one line.

    Line breaks become spaces; Markdown punctuation gets a backslash: always the characters
    that open or close markup anywhere (``_`` unless it stands between two letters or digits,
    where it is inert), the colon of ``https:`` and the dot of ``www.`` (GFM links both without
    any markup: so a colon not followed by a space, and a dot after ``www``), and a list or
    heading marker at the start. Everything else, ``-``, ``.``, ``(``, quotes, is left as is.
    """
    value = _LINE_BREAKS.sub(" ", str(text))
    out = []
    for i, ch in enumerate(value):
        if ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_" and not (0 < i < len(value) - 1 and value[i - 1].isalnum()
                                and value[i + 1].isalnum()):
            out.append("\\_")
        elif ch == "." and value[max(0, i - 3):i].lower() == "www":
            out.append("\\.")
        elif ch == ":" and i + 1 < len(value) and not value[i + 1].isspace():
            out.append("\\:")
        else:
            out.append(ch)
    escaped = "".join(out)
    start = _LINE_START.match(escaped)
    if start:
        marker_end = start.end()
        escaped = escaped[:marker_end - 1] + "\\" + escaped[marker_end - 1:]
    return escaped


def markdown_code(text: object) -> str:
    """``text`` as a Markdown code span: fenced by more backticks than it holds in a row,
    padded where it starts or ends with a backtick, on one line; a pipe gets a backslash, which
    a GFM table needs even inside code."""
    value = _LINE_BREAKS.sub(" ", str(text)).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def dumps_json(doc) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def method_notes(policy: Policy, previous: str | None, period: Period
                 ) -> list[tuple[str, str]]:
    """(heading, text) of each note on method, shared by the workbook, dictionary and portal."""
    kind = ("from public sources" if policy.profile == "public_sources"
            else "from administrative returns")
    return [
        ("Records", f"Counts of people, {kind}, one row per reported event; no names. One "
                    "person can be in several records (detained, then repatriated). Records "
                    "dated after the as-of date are not in the release."),
        ("Periods", "A record counts in the quarter or month of its event_date. A record known "
                    "only to the week, month, quarter or year (date_precision) stands for the "
                    "window of that length ending on event_date; the note of a cell says when "
                    "such a window begins before the period."),
        ("Coverage", "Each dataset covers the days (and, for fatalities, the nationalities) "
                     "the publisher declares; the note of a row says where a count is only "
                     "partly collected. A count outside them is empty with [x] (not "
                     "collected), never 0."),
        ("Qualifiers", "A count is exact, at_least (a record in it is a minimum, such as a "
                       "source's 'more than') or about (a record in it is approximate): the "
                       "<measure>_qualifier columns say which. The counts are minimums of what "
                       "public sources reported."),
        ("Totals", "ALL in country or nationality is the total over every country or "
                   "nationality, equal to the sum of its parts; leave those rows out when "
                   "summing a table."),
        ("Detained with no return recorded",
         "not_returned_at_end: " + NOT_RETURNED_DEFINITION + " The reconciliation_findings "
         "table lists each day on which it is negative, with the rows involved; "
         "reported_vs_recorded sets the authorities' own figures beside it."),
        ("Deaths", "died counts every record of the fatalities dataset, whatever the status of "
                   "its link to scams (scam_link)."),
        ("Disclosure control", " ".join(policy_sentences(policy))),
        ("Provisional", "The latest quarter of the quarterly tables, its months in the monthly "
                        f"table, and every month of {period.label} are provisional [p]."),
        ("Revisions", f"[r] marks cells changed since release {previous}; revisions.csv gives "
                      "the old and new values." if previous else
                      "This is the first release: nothing is revised."),
    ]


def method_notes_ko(policy: Policy, previous: str | None, period: Period
                    ) -> list[tuple[str, str]]:
    """The method notes of :func:`method_notes`, written in Korean for the Korean pages."""
    from toolkit.i18n import period_words

    kind = "공개 출처에서" if policy.profile == "public_sources" else "행정 보고에서"
    disclosure = (f"성별·연령별 표에서 1부터 {policy.threshold - 1}까지의 수가 있으면 그 행의 "
                  "모든 칸을 비공개 [c]로 하고 합계는 남깁니다. 모든 파일에 대한 역산 공격으로 "
                  "비공개 칸이 하나도 복원되지 않을 때만 공표합니다."
                  if policy.protect_breakdowns else
                  "성별·연령별 표는 비공개 처리하지 않습니다. 공개된 사건 파일에 기록마다 성별과 "
                  "연령대가 있어 누구나 셀 수 있기 때문입니다.")
    if policy.fields:  # fields published coarser than recorded, or not at all
        disclosure = ("정확한 나이 등 일부 항목은 그대로 공개하지 않고 연령대나 월로 "
                      "공개합니다. " + disclosure)
    return [
        ("기록", f"{kind} 모은 사건 하나에 한 행씩, 사람의 수를 셉니다. 이름은 없습니다. 한 "
               "사람이 여러 기록에 나올 수 있습니다(구금된 뒤 송환). 기준일 이후 날짜의 "
               "기록은 공표에 들어가지 않습니다."),
        ("기간", "기록은 event_date가 속한 분기나 월에 셉니다. 날짜가 주·월·분기·연 단위로만 "
               "알려진 기록은 event_date로 끝나는 그 길이의 기간을 나타내며, 그 기간이 "
               "집계 기간보다 먼저 시작하면 칸의 주석에 적습니다."),
        ("수집 범위", "자료마다 공표 기관이 밝힌 날짜(사망은 국적도)만 수집합니다. 범위 밖의 "
                    "수는 0이 아니라 빈 칸과 [x](미수집)로 표시합니다."),
        ("정확도", "수치는 정확한 값(exact), 최소값(at_least, 출처의 '이상'), 근사값(about) "
                 "중 하나이며 <항목>_qualifier 열에 적습니다. 모두 공개 출처가 보도한 수의 "
                 "최소치입니다."),
        ("합계", "국가나 국적의 ALL은 모든 국가나 국적의 합계로, 나머지 행을 더한 값과 "
               "같습니다. 표를 합산할 때는 ALL 행을 빼십시오."),
        ("송환 기록 없는 구금 인원", "기간 말까지 구금된 것으로 기록된 인원에서 그 나라에서 "
                             "송환된 것으로 기록된 인원을 뺀 값입니다. 기록에 다른 석방이나 "
                             "기록 시작 전 구금이 없으므로 억류 인원이 아니며, 언제나 신뢰도 "
                             "낮음 [u]이고 음수일 수도 있습니다. reconciliation_findings 표에 "
                             "음수인 날이, reported_vs_recorded 표에 당국 발표 수치가 "
                             "있습니다."),
        ("사망", "died는 스캠 연관성(scam_link)과 관계없이 사망 자료의 모든 기록을 셉니다."),
        ("공개 제한", disclosure),
        ("잠정치", f"분기 표의 최근 분기, 월 표의 그 분기에 속한 달, {period_words(period, 'ko')}"
                 "의 모든 달은 잠정치 [p]입니다."),
        ("수정", f"{previous} 공표 이후 바뀐 칸은 [r]로 표시하며, revisions.csv에 이전 값과 새 "
               "값이 있습니다." if previous else "첫 번째 공표이므로 수정된 값이 없습니다."),
    ]


def dataset_citation(publisher: Publisher, name: str, title: str, release_id: str,
                     as_of: dt.date) -> str:
    """How to cite one table of a release, with the absolute address of its CSV file:
    ``ScamStats open data team (2026). Quarterly summary by country and nationality
    (quarterly_summary), in: <title>, release 2026-02-27 ... https://.../quarterly_summary.csv``.
    """
    url = f"{publisher.public_url}releases/{release_id}/data/{name}.csv"
    return (f"{publisher.name} ({as_of.year}). {title} ({name}), in: {publisher.title}, "
            f"release {release_id} (data as of {as_of.isoformat()}) [data set]. Licence: "
            f"{publisher.licence_id}. {url}")


def next_release_text(next_release: dt.date | None) -> str:
    """The next planned release as every page and sheet gives it."""
    return next_release.isoformat() if next_release else "to be announced"


def citation_text(publisher: Publisher, release_id: str, as_of: dt.date,
                  tables: Sequence[tuple[str, str]] = ()) -> str:
    """``CITATION.txt``: how to cite the release, its date and its licence; then, for each of
    ``tables`` (name, title), how to cite that table alone."""
    text = (f"{publisher.citation(release_id, as_of)}\n\nRelease {release_id}, data as of "
            f"{as_of.isoformat()}. Licence: {publisher.licence}, {publisher.licence_url}\n")
    if tables:
        text += "\nTo cite one table:\n\n" + "".join(
            f"{dataset_citation(publisher, name, title, release_id, as_of)}\n\n"
            for name, title in tables).rstrip("\n") + "\n"
    return text


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


def constraints_text(spec: TableSpec, name: str) -> str:
    """The constraints of a column in words, as the data dictionary lists them."""
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
    if f.pattern == ISO3_PATTERN:
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
    md = markdown_text
    out = [f"# Data dictionary: {md(publisher.title)}, release {md(release_id)}", ""]
    out += ["## Status shorthand", "", "| shorthand | meaning |", "|---|---|"]
    out += [f"| {markdown_code(t)} | {md(STATUS_MEANING[t])} |" for t in STATUS_ORDER]
    out += ["", "## Formats", ""]
    out += [f"- **{md(k)}**: {md(v)}" for k, v in FORMAT_NOTES]
    out += ["", "## Method notes", ""]
    out += [f"- **{md(k)}**: {md(v)}" for k, v in method_notes]
    for spec in specs:
        out += ["", f"## {md(spec.name)}", "", f"**{md(spec.title)}.** {md(spec.description)}",
                ""]
        out.append(f"Rows: {rows[spec.name]}. Files: " +
                   ", ".join(markdown_code(p) for p in files[spec.name]) + ".")
        if spec.primary_key:
            out.append(f"Each row is identified by: {md(', '.join(spec.primary_key))}.")
        out += ["", "| column | type | description | constraints |", "|---|---|---|---|"]
        for name in spec.columns:
            f = spec.field(name)
            out.append(f"| {markdown_code(name)} | {md(f.type)} | {md(f.description)} | "
                       f"{md(constraints_text(spec, name))} |")
    return "\n".join(out) + "\n"


def changelog_markdown(release_id: str, previous_release: str | None,
                       changelog: pl.DataFrame, revisions: pl.DataFrame) -> str:
    md = markdown_text
    out = [f"# Changes in release {md(release_id)}", ""]
    if previous_release is None:
        out.append("First release: there is no previous release to compare with.")
        return "\n".join(out) + "\n"
    out.append(f"Compared with release {md(previous_release)}.")
    out += ["", "## Records", ""]
    if changelog.is_empty():
        out.append("No record was added, removed or changed.")
    for ds in changelog["dataset"].unique(maintain_order=True).to_list():
        part = changelog.filter(pl.col("dataset") == ds)
        added = part.filter(pl.col("change") == "added")["record_id"].to_list()
        removed = part.filter(pl.col("change") == "removed")["record_id"].to_list()
        changed = part.filter(pl.col("change") == "changed")
        out.append(f"### {md(ds)}")
        out.append("")
        if added:
            out.append(f"- added ({len(added)}): {', '.join(md(r) for r in added)}")
        if removed:
            out.append(f"- removed ({len(removed)}): {', '.join(md(r) for r in removed)}")
        for rid in changed["record_id"].unique(maintain_order=True).to_list():
            cols = changed.filter(pl.col("record_id") == rid)["column"].to_list()
            out.append(f"- changed {md(rid)}: {', '.join(md(c) for c in cols)}")
        out.append("")
    out += ["## Revised figures", ""]
    if revisions.is_empty():
        out.append("No published figure was revised.")
    else:
        counts = revisions.group_by("table", maintain_order=True).len()
        for table, n in counts.iter_rows():
            out.append(f"- {md(table)}: {n} cells (see revisions.csv)")
    return "\n".join(out) + "\n"
