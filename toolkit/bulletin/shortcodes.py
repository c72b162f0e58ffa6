"""Quarto shortcodes in a ``.qmd``, expanded as Quarto would before Pandoc reads it.

Content reaches the document through two shortcodes, which Quarto resolves natively too (so the
same ``.qmd`` renders with ``quarto render bulletin.qmd --metadata-file values.yml``):

``{{< meta some.key >}}``
    A value from the document metadata: the YAML front matter deep-merged over the
    ``metadata`` mapping given to :func:`expand` (the front matter wins, as with
    ``pandoc --metadata-file``). Dotted keys walk nested mappings (and list indices). The
    value is *data*: it is escaped with :func:`~toolkit.bulletin.markdown.escape_md`, so it
    always comes out as literal text. An unknown key, or a value that is not a scalar, raises
    :class:`RenderError`. Meta shortcodes are expanded in ordinary markdown text and in
    front-matter strings, not inside fenced code or raw blocks.

``{{< include path/relative/to/the/qmd.md >}}``
    The text of a generated markdown fragment. As in Quarto the shortcode must stand alone on
    its line, and the path is relative to the directory of the ``.qmd`` (also for includes
    nested in included files). Absolute paths, ``..`` components, and paths that resolve
    (through symlinks) outside both the document directory and ``resource_dir`` are refused.

``{{< pagebreak >}}`` (alone on its line) is also understood; any other shortcode raises
:class:`RenderError`. ``{{{< ... >}}}`` renders literally.

Document fields
---------------
``quarto render --metadata-file FILE`` makes the file's top-level keys fields of the document
(a release's ``date``, say). :func:`expand` does the same for the top-level *scalar* values of
``metadata`` the front matter does not set; a key set in both with different values is an
error, since Quarto would take the file's value and Pandoc the front matter's.

Quarto reads ``date`` and ``date-modified`` as dates *before* any shortcode runs (a shortcode
there shows "Invalid Date"), so here too they must hold a literal date, ISO ``YYYY-MM-DD``
(:data:`DATE_FIELDS`); a generated date belongs in the metadata file. With ``date-format``
(a Day.js pattern such as ``D MMMM YYYY``, or ``iso``) the date is shown formatted, as Quarto
shows it, and ``date-meta`` keeps the ISO date (the HTML's ``dcterms.date``, the PDF's date).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from toolkit.bulletin.errors import RenderError
from toolkit.bulletin.markdown import check_relative_path, escape_md

MAX_INCLUDE_DEPTH = 8
#: Front-matter fields Quarto parses as dates before shortcodes are expanded.
DATE_FIELDS = ("date", "date-modified")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
# Day.js format tokens (longest first) and [escaped text]
_DATE_TOKEN = re.compile(r"\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|dd|d")

# one alternation, scanned once: escaped shortcodes {{{< ... >}}} first, then real ones
_SHORTCODE = re.compile(
    r"\{\{\{<(?P<lit>.*?)>\}\}\}"
    r"|\{\{<\s*(?P<name>[A-Za-z][\w-]*)(?P<args>(?:[^>\n]|>(?!\}\}))*?)\s*>\}\}"
)
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def load_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a YAML metadata file (what ``quarto render --metadata-file FILE`` takes)."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RenderError(f"cannot read metadata file {p}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise RenderError(f"metadata file {p} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RenderError(f"metadata file {p} must hold a mapping at the top level")
    return data


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _lookup(meta: Mapping[str, Any], key: str) -> Any:
    if key in meta:
        return meta[key]
    node: Any = meta
    for part in key.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif (
            isinstance(node, Sequence)
            and not isinstance(node, str)
            and part.isdigit()
            and int(part) < len(node)
        ):
            node = node[int(part)]
        else:
            raise KeyError(key)
    return node


def _scalar_text(value: Any, key: str, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    kind = "null" if value is None else type(value).__name__
    raise RenderError(f"{where}: metadata key '{key}' is {kind}, not a text or number value")


class _Expander:
    def __init__(self, doc: Path, metadata: Mapping[str, Any], resource_dir: Path | None):
        self.doc = doc
        self.doc_dir = doc.parent.resolve()
        roots = [self.doc_dir]
        if resource_dir is not None:
            roots.append(Path(resource_dir).resolve())
        self.roots = roots
        self.metadata = metadata
        self.meta: Mapping[str, Any] = metadata

    # -- meta
    def meta_value(self, args: str, where: str) -> str:
        key = args.strip().strip("\"'")
        if not key or any(c.isspace() for c in key):
            raise RenderError(
                f"{where}: meta shortcode needs exactly one key, got {args.strip()!r}"
            )
        try:
            value = _lookup(self.meta, key)
        except KeyError:
            raise RenderError(f"{where}: unknown metadata key '{key}'") from None
        return escape_md(_scalar_text(value, key, where))

    def sub_inline(self, text: str, where: str, *, allow_blocks: bool) -> str:
        def repl(m: re.Match[str]) -> str:
            if m.group("lit") is not None:
                return escape_md("{{<" + m.group("lit") + ">}}")
            name = m.group("name")
            if name == "meta":
                return self.meta_value(m.group("args"), where)
            if name == "include":
                raise RenderError(f"{where}: an include shortcode must stand alone on its own line")
            if name == "pagebreak" and allow_blocks:
                raise RenderError(f"{where}: pagebreak must stand alone on its own line")
            raise RenderError(f"{where}: unsupported shortcode '{name}'")

        return _SHORTCODE.sub(repl, text)

    # -- includes
    def resolve_include(self, raw: str, where: str) -> Path:
        arg = raw.strip()
        if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "\"'":
            arg = arg[1:-1]
        rel = check_relative_path(arg, f"{where}: include")
        target = (self.doc_dir / rel).resolve()
        if not any(target.is_relative_to(root) for root in self.roots):
            raise RenderError(
                f"{where}: include {arg!r} resolves outside the document and build directories"
            )
        if not target.is_file():
            raise RenderError(f"{where}: included file {arg!r} does not exist")
        return target

    def body(
        self, text: str, source: str, stack: tuple[Path, ...] = (), first_line: int = 1
    ) -> str:
        out: list[str] = []
        fence: str | None = None
        for lineno, line in enumerate(text.split("\n"), start=first_line):
            where = f"{source}:{lineno}"
            if fence is not None:
                out.append(line)
                stripped = line.strip()
                if (
                    stripped.startswith(fence[0])
                    and set(stripped) == {fence[0]}
                    and len(stripped) >= len(fence)
                    and len(line) - len(line.lstrip()) < 4
                ):
                    fence = None
                continue
            m = _FENCE_OPEN.match(line)
            if m and not (m.group("fence")[0] == "`" and "`" in m.group("info")):
                fence = m.group("fence")
                out.append(line)
                continue
            alone = _SHORTCODE.fullmatch(line.strip())
            if alone and alone.group("name") == "include":
                if len(stack) >= MAX_INCLUDE_DEPTH:
                    raise RenderError(
                        f"{where}: includes nested more than {MAX_INCLUDE_DEPTH} deep"
                    )
                target = self.resolve_include(alone.group("args"), where)
                if target in stack:
                    raise RenderError(f"{where}: include cycle through {target.name}")
                try:
                    included = target.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise RenderError(f"{where}: cannot read include {target.name}: {exc}") from exc
                included = included.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
                rel_name = target.relative_to(self._root_of(target)).as_posix()
                out.extend(["", self.body(included, rel_name, stack + (target,)).rstrip("\n"), ""])
                continue
            if alone and alone.group("name") == "pagebreak" and not alone.group("args").strip():
                out.extend(
                    [
                        "",
                        "```{=html}",
                        '<div class="pagebreak" style="break-after: page"></div>',
                        "```",
                        "",
                        "```{=typst}",
                        "#pagebreak(weak: true)",
                        "```",
                        "",
                    ]
                )
                continue
            out.append(self.sub_inline(line, where, allow_blocks=True))
        return "\n".join(out)  # an unclosed fence runs to the end, as in Pandoc

    def _root_of(self, target: Path) -> Path:
        for root in self.roots:
            if target.is_relative_to(root):
                return root
        return self.doc_dir

    def front_matter(self, fm: Any, where: str) -> Any:
        if isinstance(fm, str):
            return self.sub_inline(fm, where, allow_blocks=False)
        if isinstance(fm, list):
            return [self.front_matter(v, where) for v in fm]
        if isinstance(fm, dict):
            return {k: self.front_matter(v, where) for k, v in fm.items()}
        return fm


def literal_date(value: Any, where: str) -> dt.date:
    """``value`` of a date field as a date; a :class:`RenderError` unless it is a literal date
    (a YAML date or an ISO ``YYYY-MM-DD`` text, optionally with a time)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            pass
    raise RenderError(
        f"{where} is {value!r}: Quarto reads it as a date before shortcodes are expanded; "
        f"write a literal date (YYYY-MM-DD), or leave it to the metadata file")


def format_date(day: dt.date, pattern: str) -> str:
    """``day`` written with a Day.js ``pattern`` (Quarto's ``date-format``) in English, or
    ``iso``. Quarto's locale styles (``long`` ...) depend on the renderer's locale and are
    refused: give a pattern."""
    if pattern == "iso":
        return day.isoformat()
    if pattern in ("full", "long", "medium", "short"):
        raise RenderError(f"date-format {pattern!r} depends on the locale; give a pattern such "
                          f"as 'D MMMM YYYY'")
    weekday = _WEEKDAYS[(day.weekday() + 1) % 7]
    values = {
        "YYYY": f"{day.year:04d}", "YY": f"{day.year % 100:02d}",
        "MMMM": _MONTHS[day.month - 1], "MMM": _MONTHS[day.month - 1][:3],
        "MM": f"{day.month:02d}", "M": str(day.month), "DD": f"{day.day:02d}",
        "D": str(day.day), "dddd": weekday, "ddd": weekday[:3], "dd": weekday[:2],
        "d": str((day.weekday() + 1) % 7),
    }
    return _DATE_TOKEN.sub(
        lambda m: m.group(1) if m.group(1) is not None else values[m.group(0)], pattern)


def check_date_fields(fields: Mapping[str, Any], where: str) -> None:
    """Raise :class:`RenderError` unless every field Quarto parses as a date holds one."""
    for key in DATE_FIELDS:
        if key in fields:
            literal_date(fields[key], f"{where}: '{key}'")


def document_fields(front: Mapping[str, Any], metadata: Mapping[str, Any],
                    where: str) -> dict[str, Any]:
    """The document's fields: the front matter, the metadata's top-level scalar values it
    does not set (escaped: they are data), and the date fields formatted by ``date-format``."""
    fields = dict(front)
    for key, value in metadata.items():
        if isinstance(value, (Mapping, list)) or value is None:
            continue
        if key in front:
            if front[key] != value:
                raise RenderError(
                    f"{where}: '{key}' is set both in the front matter and in the metadata; "
                    f"Quarto takes the metadata file's value, Pandoc the front matter's")
            continue
        if key in DATE_FIELDS:
            fields[key] = literal_date(value, f"metadata '{key}'").isoformat()
        else:
            fields[key] = value if isinstance(value, (bool, int, float)) else escape_md(
                _scalar_text(value, key, where))
    pattern = fields.get("date-format")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern.strip():
            raise RenderError(f"{where}: date-format must be a Day.js pattern or 'iso'")
        for key in DATE_FIELDS:
            if key in fields:
                day = literal_date(fields[key], f"{where}: '{key}'")
                if key == "date" and "date-meta" not in fields:
                    fields["date-meta"] = day.isoformat()
                fields[key] = format_date(day, pattern)
    return fields


def _split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str, str]:
    """Return (front matter mapping, raw front matter block, body)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, "", text
    try:
        fm = yaml.safe_load(m.group("yaml") or "") or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"{source}: the YAML front matter is not valid: {exc}") from exc
    if not isinstance(fm, dict):
        raise RenderError(f"{source}: the YAML front matter must be a mapping")
    return fm, m.group(0), text[m.end() :]


def expand(
    qmd_path: Path, metadata: Mapping[str, Any] | None, resource_dir: Path | None
) -> tuple[str, dict[str, Any]]:
    """The document's markdown with its shortcodes expanded, and its fields (the expanded front
    matter with the metadata's document fields, :func:`document_fields`)."""
    if not qmd_path.is_file():
        raise RenderError(f"document {qmd_path} does not exist")
    try:
        text = qmd_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RenderError(f"cannot read {qmd_path}: {exc}") from exc
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    source = qmd_path.name
    fm, fm_raw, body = _split_front_matter(text, source)
    if metadata is not None and not isinstance(metadata, Mapping):
        raise RenderError("metadata must be a mapping")
    where = f"{source}: front matter"
    check_date_fields(fm, where)
    exp = _Expander(qmd_path, metadata or {}, resource_dir)
    exp.meta = _deep_merge(metadata or {}, fm)

    new_fm = document_fields(exp.front_matter(fm, where), metadata or {}, where)
    body_out = exp.body(body, source, first_line=fm_raw.count("\n") + 1)
    if new_fm != fm:
        dumped = yaml.safe_dump(new_fm, allow_unicode=True, sort_keys=False, width=1_000_000)
        head = "---\n" + dumped + "---\n"
    else:
        head = fm_raw
    if head and not head.endswith("\n"):
        head += "\n"
    return head + body_out, new_fm


def expand_shortcodes(
    qmd_path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None = None,
    *,
    resource_dir: str | os.PathLike[str] | None = None,
) -> str:
    """The document's markdown with ``include``/``meta``/``pagebreak`` shortcodes expanded."""
    rd = Path(resource_dir) if resource_dir is not None else None
    return expand(Path(qmd_path), metadata, rd)[0]
