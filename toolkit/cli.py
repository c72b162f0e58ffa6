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

from toolkit import __version__
from toolkit.errors import EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE, ERROR, Report

app = typer.Typer(
    help="Validate raw returns, load the warehouse, publish open data and render bulletins "
    "on cross-border online-scam detentions, repatriations and fatalities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
STATE = {"debug": False}

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
    """A status line on stderr for long steps (only on a terminal)."""
    if err.is_terminal:
        with err.status("starting") as status:
            yield lambda text: status.update(text)
    else:
        yield lambda text: None


def print_report(report: Report, limit: int) -> None:
    findings = report.sorted()
    shown = findings if limit <= 0 else findings[:limit]
    for f in shown:
        colour = "red" if f.severity == ERROR else "yellow"
        where = f.file
        if f.row is not None:
            where += f", row {f.row}"
        if f.column:
            where += f", column {f.column}"
        value = f" value {f.value!r}" if f.value is not None else ""
        out.print(f"[{colour}]{f.severity.upper()}[/] {escape(where)} [{f.rule}]"
                  f"{escape(value)}: {escape(f.message)}")
    if len(shown) < len(findings):
        out.print(f"… and {len(findings) - len(shown)} more; --limit 0 shows all, "
                  "--report FILE.csv writes all")
    counts = report.counts()
    if counts:
        out.print("By rule: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    out.print(report.summary())


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    STATE["debug"] = debug
    if version:
        out.print(__version__)
        raise typer.Exit(EXIT_OK)


def run_validation(raw: Path, as_of: dt.date, encoding: str | None):
    from toolkit.validate import validate

    if not raw.is_dir():
        raise CliError(f"raw data folder {raw} does not exist")
    with progress() as step:
        return validate(raw, as_of, encoding, step)


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
        report.write_text(result.report.to_csv(), encoding="utf-8")
    if json_out:
        sys.stdout.write(result.report.to_json())
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
    from toolkit.warehouse import write_warehouse

    result = run_validation(raw, parse_as_of(as_of), encoding)
    if result.report.exit_code != EXIT_OK:
        print_report(result.report, 200)
        err.print("Nothing was loaded; the previous warehouse is unchanged.")
        raise typer.Exit(result.report.exit_code)
    with progress() as step:
        step("writing the warehouse")
        path = write_warehouse(result, raw, out_dir)
    rows = ", ".join(f"{n} {len(t)}" for n, t in result.tables.items())
    out.print(f"Loaded {rows} rows into {path} "
              f"({len(result.report.warnings)} warnings; `toolkit validate` lists them).")


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
