"""Free text reaches the open files only once reviewed (issue 22): the register of reviewed
notes, the withheld texts, and `toolkit review`."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import polars as pl
import pytest
from conftest import AS_OF, base_rows, to_csv
from typer.testing import CliRunner

from toolkit.checks import validate
from toolkit.cli import app
from toolkit.publish import publish_release

NOTE = "raid on a compound, second wave"  # DET-002's note in the valid set
SECRET = "Kim Min-jun and Lee Seo-yeon were among those held"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def register(rows: list[tuple[str, str, str, str]]) -> str:
    """reviews/notes.csv with (dataset, record_id, text, decision) rows."""
    lines = ["dataset,record_id,column,sha256,decision,reviewed_on"]
    lines += [f"{d},{r},notes,{sha(t)},{decision},2026-12-07" for d, r, t, decision in rows]
    return "\n".join(lines) + "\n"


def with_notes(make_raw, name: str, notes: dict[str, str], reviews: str | None):
    header, rows = base_rows("detentions")
    for row in rows:
        row["notes"] = notes.get(row["record_id"], "")
    files = {"detentions/detentions.csv": to_csv(header, rows)}
    if reviews is not None:
        files["reviews/notes.csv"] = reviews
    return make_raw(name, files)


def published_text(release_dir: Path) -> str:
    """Every byte of text the release publishes: CSVs, the workbook's XML, Parquet values."""
    parts = [p.read_text(encoding="utf-8", errors="replace")
             for p in release_dir.rglob("*") if p.suffix in (".csv", ".md", ".html", ".json")]
    for book in release_dir.glob("*.xlsx"):
        with zipfile.ZipFile(book) as z:
            parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    for parquet in release_dir.rglob("*.parquet"):
        frame = pl.read_parquet(parquet)
        parts += [str(v) for c in frame.columns if frame[c].dtype == pl.String
                  for v in frame[c].drop_nulls().to_list()]
    return "\n".join(parts)


def publish(raw: Path, out: Path):
    """The raw data loaded into ``out`` and published: the validation and the release."""
    result = validate(raw, AS_OF, out_dir=out)
    assert result.report.exit_code == 0, result.report.summary()
    return result, publish_release(out, as_of=AS_OF)


def test_an_unreviewed_note_stays_in_the_warehouse_and_out_of_every_published_file(
        make_raw, tmp_path):
    raw = with_notes(make_raw, "unreviewed", {"DET-001": SECRET, "DET-002": NOTE},
                     register([("detentions", "DET-002", NOTE, "publish")]))
    loaded, release = publish(raw, tmp_path / "out")
    text = published_text(release.dir)
    assert "Kim Min-jun" not in text and sha(SECRET) not in text
    assert NOTE in text
    detentions = pl.read_csv(release.dir / "data" / "detentions.csv")
    assert detentions.select("record_id", "notes").rows() == [("DET-001", None),
                                                               ("DET-002", NOTE)]
    # the warehouse keeps it, to review
    assert loaded.table("detentions")["notes"].to_list() == [SECRET, NOTE]


def test_a_withheld_note_and_a_changed_note_are_not_published(make_raw, tmp_path):
    changed = NOTE + ", corrected"
    raw = with_notes(make_raw, "withheld", {"DET-001": SECRET, "DET-002": changed},
                     register([("detentions", "DET-001", SECRET, "withhold"),
                               ("detentions", "DET-002", NOTE, "publish")]))
    _, release = publish(raw, tmp_path / "out")
    detentions = pl.read_csv(release.dir / "data" / "detentions.csv")
    assert detentions["notes"].to_list() == [None, None]


def test_toolkit_review_lists_the_texts_awaiting_review_with_their_hashes(make_raw, tmp_path):
    raw = with_notes(make_raw, "pending", {"DET-001": SECRET, "DET-002": NOTE},
                     register([("detentions", "DET-001", SECRET, "withhold")]))
    out = tmp_path / "pending.csv"
    result = CliRunner().invoke(app, ["review", "--raw", str(raw), "--as-of",
                                      AS_OF.isoformat(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 texts await review" in result.stdout
    pending = pl.read_csv(out)
    assert pending.columns == ["dataset", "record_id", "column", "sha256", "decision",
                               "reviewed_on", "text"]
    assert pending.select("dataset", "record_id", "column", "sha256", "text").rows() == [
        ("detentions", "DET-002", "notes", sha(NOTE), NOTE)]


def test_a_register_row_without_a_decision_is_an_error(make_raw):
    raw = with_notes(make_raw, "bad-register", {"DET-002": NOTE},
                     register([("detentions", "DET-002", NOTE, "maybe")]))
    result = validate(raw, AS_OF)
    assert [(f.rule, f.file, f.row, f.column, f.value) for f in result.report.errors] == [
        ("review_register", "reviews/notes.csv", 2, "decision", "maybe")]


@pytest.mark.slow
def test_the_build_says_how_many_notes_it_withheld_and_the_bulletin_holds_none(
        make_raw, tmp_path):
    raw = with_notes(make_raw, "build", {"DET-001": SECRET, "DET-002": NOTE}, None)
    result = CliRunner().invoke(app, ["build", "--raw", str(raw), "--out", str(tmp_path / "o"),
                                      "--as-of", AS_OF.isoformat(), "--period", "2025-Q4"])
    assert result.exit_code == 0, result.output
    assert ("Withheld from the open files: 1 note not yet reviewed for publication "
            "(`toolkit review` lists them).") in result.stdout
    release = next((tmp_path / "o" / "releases").iterdir())
    assert "Kim Min-jun" not in published_text(release)
    assert "Kim Min-jun" not in (release / "bulletin.html").read_text(encoding="utf-8")
