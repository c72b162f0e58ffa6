"""Hostile input, second round (issue 22): personal data in free text, characters that hide,
crashes that must become findings, decompression bombs, odd entries and bounds."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import AS_OF, VALID_RAW, base_rows, sampled, to_csv
from typer.testing import CliRunner

from toolkit.checks import EXIT_INVALID, EXIT_OK, EXIT_UNUSABLE, validate
from toolkit.cli import app, main

ROOT = Path(__file__).resolve().parent.parent
#: A note that names victims and gives a passport number (the 2021 Korean form), a telephone
#: number without separators, an e-mail address with a full-width at sign and a resident
#: registration number without its hyphen.
PERSONAL = ("김민준 and Lee Seo-yeon were held; passport M123A4567, call 01012345678 or "
            "kim.minjun＠example.com, RRN 9001011234568")
IDENTIFIERS = ("M123A4567", "01012345678", "kim.minjun", "9001011234568")


def det_rows(**cells) -> str:
    header, rows = base_rows("detentions")
    rows[1].update(cells)
    return to_csv(header, rows)


def findings(result) -> list[tuple]:
    return [(f.rule, f.row, f.column) for f in result.report.findings]


# --------------------------------------------------------------------------- personal data


def _as_xlsx(text: str) -> bytes:
    book = openpyxl.Workbook()
    rows = list(__import__("csv").reader(io.StringIO(text)))
    for row in rows:
        book.active.append([int(v) if v.isdigit() else (v or None) for v in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _as_parquet(text: str) -> bytes:
    import polars as pl

    buf = io.BytesIO()
    pl.read_csv(io.StringIO(text), infer_schema=False).write_parquet(buf)
    return buf.getvalue()


@pytest.mark.parametrize("ext, convert", [("csv", str.encode), ("xlsx", _as_xlsx),
                                          ("parquet", _as_parquet)])
def test_identifiers_in_a_note_are_errors_at_their_cell_in_every_format(ext, convert, make_raw):
    raw = make_raw(f"personal-{ext}", {f"detentions/detentions.{ext}": convert(
        det_rows(notes=PERSONAL))}, drop=["detentions"])
    result = validate(raw, AS_OF)
    [finding] = [f for f in result.report.findings if f.rule == "personal_data"]
    assert (finding.row, finding.column, result.report.exit_code) == (3, "notes", EXIT_INVALID)
    assert finding.message.startswith("'김민준 and Lee Seo-yeon were held; passport M1*******")
    assert ("passport number and resident registration number and telephone number"
            not in finding.message)
    for kind in ("e-mail address", "passport number", "resident registration number",
                 "telephone number"):
        assert kind in finding.message
    for identifier in IDENTIFIERS:  # shown masked, in the message and the value
        assert identifier not in finding.message and identifier not in (finding.value or "")


@pytest.mark.parametrize("text", sampled([
    "losses at KRW 12 345 678 900",
    "3,075 arrested between 27 June and 22 July 2025, 606 of them women",
    "DET-2025-0013 and FAT-2025-0001; see SRC-014",
    "flight KE9104 landed at 08:35 on 18 October 2025",
    "Reuters (copy at 3.127.128.221)",
    # a SHA-256 checksum whose digits include thirteen in a row shaped like a registration no.
    "sha256 e3b0c44298fc1c149afbf4c8996fb3401101506856ae41e4649b934ca495991b7852b855",
], every=3))
def test_figures_dates_and_ids_are_not_taken_for_identifiers(text, make_raw):
    raw = make_raw("not-personal", {"detentions/detentions.csv": det_rows(notes=text)},
                   drop=["detentions"])
    assert [f for f in validate(raw, AS_OF).report.findings if f.rule == "personal_data"] == []


@pytest.mark.slow  # two builds, each rendering a bulletin
def test_a_build_with_personal_data_publishes_nothing_and_keeps_the_warehouse(make_raw,
                                                                              tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["build", "--raw", str(make_raw("clean")), "--out", str(out),
                                "--as-of", AS_OF.isoformat(), "--period", "2025-Q4"])
    assert first.exit_code == 0, first.output
    before = (out / "warehouse.duckdb").read_bytes()
    releases = sorted(p.name for p in (out / "releases").iterdir())
    raw = make_raw("personal", {"detentions/detentions.csv": det_rows(notes=PERSONAL)},
                   drop=["detentions"])
    second = runner.invoke(app, ["build", "--raw", str(raw), "--out", str(out), "--as-of",
                                 (AS_OF + dt.timedelta(days=1)).isoformat(), "--period",
                                 "2025-Q4"])
    assert second.exit_code == EXIT_INVALID
    assert (out / "warehouse.duckdb").read_bytes() == before
    assert sorted(p.name for p in (out / "releases").iterdir()) == releases
    published = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for identifier in IDENTIFIERS:
        assert identifier.encode() not in published


# --------------------------------------------------------------------------- characters


@pytest.mark.parametrize("char", sampled(["\u0085", "\u009b", "\u200e", "\u200f", "\u061c",
                                          "\u2028", "\u2029", "\u200b", "\u200d", "\u2060",
                                          "\ufeff"]))
def test_invisible_and_direction_characters_are_refused_in_text(char, make_raw):
    raw = make_raw("chars", {"detentions/detentions.csv": det_rows(location=f"Poipet{char}x")},
                   drop=["detentions"])
    assert findings(validate(raw, AS_OF)) == [("unsafe_text", 3, "location")]


def test_an_id_with_a_trailing_zero_width_space_is_not_its_look_alike(make_raw):
    header, rows = base_rows("detentions")
    rows[1]["record_id"] = rows[0]["record_id"] + "\u200b"
    raw = make_raw("look-alike", {"detentions/detentions.csv": to_csv(header, rows)},
                   drop=["detentions"])
    assert findings(validate(raw, AS_OF)) == [("id_format", 3, "record_id")]


# --------------------------------------------------------------------------- crashes


def _parquet(columns: dict) -> bytes:
    header, rows = base_rows("detentions")
    table = {c: [rows[0][c] or None] for c in header}
    table["persons"] = [int(rows[0]["persons"])]
    table.update(columns)
    buf = io.BytesIO()
    pq.write_table(pa.table(table), buf)
    return buf.getvalue()


@pytest.mark.parametrize("name, content, expected", [
    ("year-zero.csv", det_rows(event_date="0000-01-01").encode(),
     ("type_date", 3, "event_date", "'0000-01-01' has no year 0; write dates as YYYY-MM-DD")),
    ("far-future.parquet", _parquet({"event_date": pa.array([3_000_000], type=pa.date32())}),
     ("type_date", 2, "event_date",
      "'+10183-09-21' is not a date in the form YYYY-MM-DD")),
    ("not-utf8.parquet", _parquet({"location": pa.array([b"Poi\xffpet"]).view(pa.string())}),
     ("invalid_text", 2, "location",
      "the cell's bytes are not UTF-8 text (byte 4 is 0xff); write the file again from its "
      "source")),
])
def test_values_that_crashed_the_reader_are_findings_at_their_row(name, content, expected,
                                                                   make_raw, tmp_path):
    raw = make_raw(name.split(".")[0], {f"detentions/{name}": content}, drop=["detentions"])
    result = validate(raw, AS_OF, out_dir=tmp_path / "out")
    assert [(f.rule, f.row, f.column, f.message) for f in result.report.errors] == [expected]
    assert result.warehouse is None


def test_a_parquet_column_named_twice_is_a_duplicate_column(make_raw):
    table = pa.Table.from_arrays([pa.array(["DET-009"]), pa.array(["DET-010"])],
                                 names=["record_id", "record_id"])
    buf = io.BytesIO()
    pq.write_table(table, buf)
    raw = make_raw("twice", {"detentions/twice.parquet": buf.getvalue()})
    assert ("duplicate_column", 1, "record_id") in findings(validate(raw, AS_OF))


def test_a_nul_byte_after_korean_text_names_its_line(make_raw):
    text = det_rows().encode().replace(b"Sihanoukville", "시아누크빌".encode() + b"\x00")
    raw = make_raw("nul", {"detentions/detentions.csv": text}, drop=["detentions"])
    [finding] = validate(raw, AS_OF).report.findings
    assert finding.message == ("line 2 holds a NUL character (byte 0): the file is damaged, or "
                               "is not CSV text")


# --------------------------------------------------------------------------- bombs


def _peak_mib(raw: Path) -> tuple[int, int, str]:
    """Validate in a fresh process; its exit code, peak memory (MiB) and output.

    The child reads its own high-water mark (VmHWM) as it exits: the rusage of a waited-for
    child would also count the memory of this test process at the moment it was forked.
    """
    peak = ("import atexit, sys\n"
            "def peak():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM:'):\n"
            "            sys.stderr.write('PEAK ' + line.split()[1] + '\\n')\n"
            "atexit.register(peak)\n"
            "from toolkit.cli import main\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", peak, "validate", "--raw", str(raw),
                           "--as-of", AS_OF.isoformat()], cwd=ROOT, capture_output=True,
                          text=True)
    kib = [int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK ")]
    assert kib, done.stderr
    return done.returncode, kib[-1] // 1024, done.stdout


@pytest.mark.slow  # a fresh process, to measure its peak memory
def test_a_parquet_file_of_millions_of_copies_of_one_value_is_refused_unread(make_raw):
    ids = pa.DictionaryArray.from_arrays(pa.array([0] * 5_000_000, type=pa.int32()),
                                         pa.array(["DET-" + "9" * 1000]))
    buf = io.BytesIO()
    pq.write_table(pa.table({"record_id": ids}), buf, compression="zstd")
    raw = make_raw("parquet-bomb", {"detentions/bomb.parquet": buf.getvalue()})
    code, peak, output = _peak_mib(raw)
    assert code == EXIT_UNUSABLE and peak < 700
    assert "the file declares 5,000,000 rows in" in output
    assert "built to exhaust memory" in output


@pytest.mark.slow  # a fresh process, to measure its peak memory
def test_a_workbook_whose_sheet_expands_a_thousandfold_is_refused_unread(make_raw):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:  # written in parts: this
            for _ in range(250):                                 # process stays small
                sheet.write(b"<row/>" * 100_000)
    raw = make_raw("xlsx-bomb", {"detentions/bomb.xlsx": buf.getvalue()})
    code, peak, output = _peak_mib(raw)
    assert code == EXIT_UNUSABLE and peak < 700
    assert "expands 150,000,000 bytes from" in output


# --------------------------------------------------------------------------- entries, bounds


def test_a_dangling_link_and_a_pipe_are_reported_not_skipped(make_raw):
    raw = make_raw("entries")
    os.symlink("/nonexistent/q4.csv", raw / "detentions" / "dangling.csv")
    os.mkfifo(raw / "detentions" / "pipe.csv")
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.message) for f in result.report.findings] == [
        ("unreadable_file", "detentions/dangling.csv",
         "the file is a link to a file that does not exist; copy the file in"),
        ("unreadable_file", "detentions/pipe.csv",
         "the entry is not a regular file (a pipe, socket or device); put the return in as a "
         "file")]


def test_a_folder_that_cannot_be_read_is_named(make_raw, monkeypatch):
    raw = make_raw("unreadable-folder")
    iterdir = Path.iterdir

    def refuse(self):
        if self.name == "repatriations":
            raise PermissionError(13, "Permission denied")
        return iterdir(self)

    monkeypatch.setattr(Path, "iterdir", refuse)
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.message) for f in result.report.findings] == [
        ("unreadable_file", "repatriations/",
         f"cannot read the folder {raw.as_posix()}/repatriations (Permission denied)")]
    assert result.report.exit_code == EXIT_UNUSABLE


def test_more_files_than_the_limit_are_refused_before_any_is_read(make_raw, tmp_path,
                                                                 monkeypatch):
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    (config / "limits.yaml").write_text("max_files: 5\n")
    monkeypatch.setenv("TOOLKIT_CONFIG", str(config))
    raw = make_raw("many", {f"detentions/extra-{i}.csv": "" for i in range(3)})
    result = validate(raw, AS_OF)
    assert [(f.rule, f.message) for f in result.report.findings] == [
        ("unreadable_file", "the raw data folder holds 8 files, more than the limit of 5 "
         "(config/limits.yaml); merge the returns of a dataset into fewer files")]
    assert validate(VALID_RAW, AS_OF).report.exit_code == EXIT_OK


def test_a_release_as_of_a_date_before_any_event_says_so(make_raw, tmp_path, monkeypatch,
                                                         capfd):
    out = tmp_path / "out"
    assert validate(make_raw(), AS_OF, out_dir=out).warehouse is not None
    # The command line as `python -m toolkit` runs it, in this process.
    monkeypatch.setattr(sys, "argv", ["toolkit", "publish", "--out", str(out),
                                      "--as-of", "2020-01-01"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == EXIT_UNUSABLE
    assert ("no event is dated on or before 2020-01-01, so a release as of that date would "
            "publish nothing (the earliest event is dated 2025-10-01)") in capfd.readouterr().err
