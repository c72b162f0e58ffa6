"""Command line: a thin shell over the library. Each command parses options and calls one function.

Exit codes: 0 ok; 1 the data is invalid; 2 the command was misused or an input cannot be read.
Tracebacks only with ``--debug``.
"""

from __future__ import annotations

import datetime as dt
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup, TyperOption

from toolkit import __version__
from toolkit.checks.rules import ERROR, EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE

STATE = {"debug": False}
DEBUG_HELP = "Show tracebacks on errors."


def _set_debug(ctx: object, param: object, value: bool) -> None:
    if value:
        STATE["debug"] = True


class _Commands(TyperGroup):
    """The command group: every command also accepts ``--debug`` after its name
    (``toolkit build --debug``), as the group does before it."""

    def get_command(self, ctx, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is not None and not any(p.name == "debug" for p in command.params):
            command.params.append(TyperOption(
                param_decls=["--debug"], is_flag=True, default=False, expose_value=False,
                is_eager=True, callback=_set_debug, help=DEBUG_HELP))
        return command


def _print_version(value: bool) -> None:
    if value:
        out.print(__version__)
        raise typer.Exit(EXIT_OK)


app = typer.Typer(
    cls=_Commands,
    help="Validate raw returns, load the warehouse, publish open data and render bulletins "
    "on cross-border online-scam detentions, repatriations and fatalities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

RawOpt = Annotated[Path, typer.Option("--raw", help="Folder of raw returns.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Output folder (warehouse, releases).")]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="As-of date YYYY-MM-DD: no event may be later. Default: today."),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="Encoding of CSV files, e.g. cp949; default: detected."),
]
class CliError(Exception):
    """A problem to report in one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_UNUSABLE):
        super().__init__(message)
        self.code = code


def parse_as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--as-of {value!r} is not a date in the form YYYY-MM-DD") from None


@contextmanager
def progress():
    """The stage a long command is at, on stderr: a live status line on a terminal, one plain
    line per stage elsewhere (so CI logs show how far a build got)."""
    if err.is_terminal:
        with err.status("starting") as status:
            yield lambda text: status.update(text)
    else:
        yield lambda text: err.print(f"- {escape(text)}", highlight=False)


def print_report(report, limit: int) -> None:
    """The first ``limit`` findings (all with 0), then the counts by rule and the summary."""
    total = report.count()
    shown = report.sorted(limit if limit > 0 else None)
    for f in shown:
        colour = "red" if f.severity == ERROR else "yellow"
        where = f.file
        if f.row is not None:
            where += f", row {f.row}"
        if f.column:
            where += f", column {f.column}"
        value = f" value {f.value!r}" if f.value is not None else ""
        out.print(f"[{colour}]{f.severity.upper()}[/] {escape(where)} {escape('[' + f.rule + ']')}"
                  f"{escape(value)}: {escape(f.message)}")
    if len(shown) < total:
        out.print(f"… and {total - len(shown)} more; --limit 0 shows all, "
                  "--report FILE.csv writes all")
    counts = report.counts()
    if counts:
        out.print("By rule: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    out.print(report.summary())


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help=DEBUG_HELP)] = False,
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="Print the version and exit.")] = False,
) -> None:
    STATE["debug"] = debug  # a command's own --debug, parsed after this, may set it too


def run_validation(raw: Path, as_of: dt.date, encoding: str | None,
                   out_dir: Path | None = None):
    """Validate (and with ``out_dir`` load) the raw returns; misuse is a CliError."""
    from toolkit.checks import validate
    from toolkit.ingest import check_encoding

    if not raw.is_dir():
        raise CliError(f"raw data folder {raw} does not exist")
    try:
        check_encoding(encoding)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with progress() as step:
        return validate(raw, as_of, encoding, out_dir=out_dir, progress=step)


@app.command("validate")
def validate_cmd(
    raw: RawOpt = Path("data/raw"),
    as_of: AsOfOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Also write the report "
                                                "as CSV to this file.")] = None,
    encoding: EncodingOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="Findings to print; 0 for all.")] = 200,
) -> None:
    """Check every raw return against the contracts; list every failure and warning."""
    result = run_validation(raw, parse_as_of(as_of), encoding)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        result.report.write_csv(report)
    if json_out:
        result.report.write_json(sys.stdout)
    else:
        print_report(result.report, limit)
    raise typer.Exit(result.report.exit_code)


@app.command("load")
def load_cmd(
    raw: RawOpt = Path("data/raw"),
    out_dir: OutOpt = Path("data/processed"),
    as_of: AsOfOpt = None,
    encoding: EncodingOpt = None,
) -> None:
    """Validate, then load the datasets and sources into <out>/warehouse.duckdb."""
    from toolkit.build import BuildLocked, build_lock

    try:
        with build_lock(out_dir):  # never under a running build
            result = run_validation(raw, parse_as_of(as_of), encoding, out_dir)
    except BuildLocked as exc:
        raise CliError(str(exc)) from None
    if result.report.exit_code != EXIT_OK:
        print_report(result.report, 200)
        err.print("Nothing was loaded; the previous warehouse is unchanged.")
        raise typer.Exit(result.report.exit_code)
    rows = ", ".join(f"{n} {count}" for n, count in result.rows.items())
    out.print(f"Loaded {rows} rows into {result.warehouse} "
              f"({result.report.count('warning')} warnings; `toolkit validate` lists them).")


PeriodOpt = Annotated[
    str | None,
    typer.Option("--period", help="Quarter (2025-Q4) or month (2025-10) to report; default: the "
                 "latest complete quarter that has data."),
]


def parse_period_opt(value: str | None):
    from toolkit.periods import PeriodError, parse_period

    if value is None:
        return None
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise CliError(f"--period: {exc}") from None


def _print_release(release, out_dir: Path) -> None:
    out.print(f"Release {release.release_id} (period {release.period.label}): "
              f"{len(release.files)} files in {release.dir}")
    portal = release.dir.parent.parent / "index.html"  # the top of --out
    if portal.is_file():
        out.print(f"  portal: {portal}")
    for name in ("index.html", "bulletin.html", "bulletin.pdf", "bulletin.ko.html",
                 "bulletin.ko.pdf"):
        if (release.dir / name).is_file():
            out.print(f"  {name}: {release.dir / name}")
    out.print(f"  manifest: {release.manifest_path}")
    from toolkit.checks.review import withheld
    from toolkit.contracts import load_contracts
    from toolkit.warehouse import connect

    con = connect(out_dir)
    try:
        held = withheld(con, load_contracts())
    finally:
        con.close()
    if held["not reviewed"]:
        n = held["not reviewed"]
        out.print(f"Withheld from the open files: {n} note{'s' * (n != 1)} not yet reviewed "
                  "for publication (`toolkit review` lists them).")


def _publish(out_dir: Path, as_of: str | None, period: str | None, bulletin: bool) -> None:
    from toolkit.build import BuildLocked, build_lock
    from toolkit.publish import PublishError, publish_release

    extras = []
    if bulletin:
        from toolkit.bulletin import render_bulletin

        extras.append(render_bulletin)
    day = parse_as_of(as_of) if as_of else None
    out_dir = out_dir.resolve()
    try:
        with build_lock(out_dir), progress() as step:
            step("publishing the release")
            release = publish_release(out_dir, as_of=day, period=parse_period_opt(period),
                                      extras=extras)
    except (BuildLocked, PublishError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from None
    _print_release(release, out_dir)


@app.command("publish")
def publish_cmd(
    out_dir: OutOpt = Path("data/processed"),
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Publish the release as of this date (default: the warehouse's).")] = None,
    period: PeriodOpt = None,
    bulletin: Annotated[bool, typer.Option(
        "--bulletin/--no-bulletin", help="Render the bulletin into the release.")] = True,
) -> None:
    """Publish a release (open data, metadata, portal page, bulletin) from the warehouse."""
    _publish(out_dir, as_of, period, bulletin)


@app.command("bulletin")
def bulletin_cmd(
    period: PeriodOpt = None,
    out_dir: OutOpt = Path("data/processed"),
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="As-of date of the release (default: the warehouse's).")] = None,
    preview: Annotated[Path | None, typer.Option(
        "--preview", help="Render into this folder only, outside any release "
        "(reads the warehouse in --out).")] = None,
    build_dir: Annotated[Path | None, typer.Option(
        "--build-dir", help="With --preview: keep the generated Quarto inputs here (give "
        "`reports` to run `quarto render` afterwards).")] = None,
    lang: Annotated[list[str] | None, typer.Option(
        "--lang", help="With --preview: the edition to render, en or ko (repeatable; "
        "default: languages in config/bulletin.yaml).")] = None,
) -> None:
    """Render the quarterly bulletin (HTML and PDF, every configured language) for a period
    into the release."""
    if preview is None:
        if build_dir is not None:
            raise CliError("--build-dir goes with --preview")
        if lang:
            raise CliError("--lang goes with --preview: a release holds every edition named "
                           "by languages in config/bulletin.yaml")
        _publish(out_dir, as_of, period, True)
        return
    from toolkit.bulletin import BulletinError, RenderError, build_bulletin

    try:
        with progress() as step:
            step("rendering the bulletin")
            paths = build_bulletin(preview, parse_period_opt(period),
                                   parse_as_of(as_of) if as_of else None,
                                   warehouse_dir=out_dir, build_dir=build_dir,
                                   lang=tuple(lang) if lang else None)
    except (BulletinError, RenderError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from None
    for path in paths:
        if path.suffix in (".html", ".pdf"):
            out.print(f"  {path.name}: {path}")


@app.command("build")
def build_cmd(
    raw: RawOpt = Path("data/raw"),
    out_dir: OutOpt = Path("data/processed"),
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    encoding: EncodingOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if nothing changed.")]
    = False,
) -> None:
    """The whole job: validate, load the warehouse, publish the release and its bulletin."""
    from toolkit.build import BuildLocked, InvalidData, OutOfSpace, build

    if not raw.is_dir():
        raise CliError(f"raw data folder {raw} does not exist")
    day, chosen = parse_as_of(as_of), parse_period_opt(period)
    if chosen is not None and chosen.end > day:
        # said before anything is read or written: no release of that period can exist yet
        raise CliError(f"period {chosen.label} ends on {chosen.end}, after the as-of date "
                       f"{day}: it cannot be published yet")
    try:
        with progress() as step:
            result = build(raw, out_dir, as_of=day, period=chosen, encoding=encoding,
                           force=force, progress=step)
    except InvalidData as exc:
        print_report(exc.report, 200)
        err.print("Nothing was published; the previous release is unchanged.")
        raise typer.Exit(exc.report.exit_code) from None
    except (BuildLocked, OutOfSpace) as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:
        # Imported here: a no-op rebuild must not pay for loading the publishing stack.
        from toolkit.publish import PublishError

        if isinstance(exc, PublishError):
            raise CliError(str(exc)) from None
        raise
    if result.skipped:
        out.print(f"Nothing changed since the last build; {result.release_dir} is up to date.")
        return
    out.print(f"Valid: {result.report.count('warning')} warnings "
              "(`toolkit validate` lists them).")
    _print_release(result.release, out_dir)


@app.command("review")
def review_cmd(
    raw: RawOpt = Path("data/raw"),
    as_of: AsOfOpt = None,
    encoding: EncodingOpt = None,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the texts awaiting review as CSV to this file (default: print "
        "them).")] = None,
) -> None:
    """List the free texts (notes) awaiting review, which stay out of the open files until a
    row of reviews/notes.csv says they may be published."""
    from toolkit.checks.review import REGISTER

    result = run_validation(raw, parse_as_of(as_of), encoding)
    pending = result.pending_review()
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        pending.with_columns(decision=None, reviewed_on=None).select(
            "dataset", "record_id", "column", "sha256", "decision", "reviewed_on", "text"
        ).write_csv(out_file)
        out.print(f"{pending.height} texts await review; written to {out_file}. Fill in "
                  f"decision (publish or withhold) and reviewed_on, then add the rows (without "
                  f"the text column) to {raw / REGISTER}.")
        return
    for row in pending.iter_rows(named=True):
        out.print(f"{escape(row['dataset'])} {escape(row['record_id'])} {row['column']} "
                  f"{row['sha256']}: {escape(row['text'])}")
    out.print(f"{pending.height} texts await review.")


@app.command("synth")
def synth_cmd(
    rows: Annotated[int, typer.Option("--rows", min=1, help="Number of detention rows.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the synthetic raw data "
                                          "(never data/raw).")] = Path("synthetic/raw"),
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Latest event date YYYY-MM-DD (default: a fixed date).")] = None,
) -> None:
    """Write contract-valid synthetic raw data (marked synthetic) for tests and benchmarks."""
    from toolkit.synth import SyntheticDataError, write_synthetic

    try:
        # No --as-of means the generator's fixed date, so the same seed gives the same files.
        paths = write_synthetic(out_dir, rows, seed,
                                as_of=parse_as_of(as_of) if as_of else None)
    except SyntheticDataError as exc:
        raise CliError(str(exc)) from None
    out.print(f"Wrote synthetic data ({rows} detention rows, seed {seed}) to {out_dir}: "
              + ", ".join(sorted(paths)))


def main() -> None:
    """Console-script entry point: exit codes that mean something, no traceback unless --debug."""
    try:
        app()  # standalone: click turns usage errors into exit 2 with its own message
    except CliError as exc:
        if STATE["debug"]:
            raise
        err.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(exc.code)
    except Exception as exc:  # the promise: no traceback without --debug
        if STATE["debug"]:
            raise
        err.print(f"[red]error:[/] {escape(type(exc).__name__)}: {escape(str(exc))} "
                  "(run with --debug for details)")
        sys.exit(EXIT_UNUSABLE)


__all__ = ["app", "main", "EXIT_INVALID"]
