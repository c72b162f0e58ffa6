"""Synthetic raw data: contract-valid, reproducible, marked synthetic, never mixed with real."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import polars as pl
import pytest

from toolkit import synth
from toolkit.checks import validate
from toolkit.synth import SyntheticDataError, write_synthetic

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "raw"
ROWS = 2_000
SEED = 7
AS_OF = dt.date(2025, 6, 30)


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_all(folder: Path, dataset: str) -> pl.DataFrame:
    files = sorted((folder / dataset).glob("*.csv"))
    return pl.concat([pl.read_csv(f, infer_schema=False) for f in files])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "raw"
    paths = write_synthetic(out, ROWS, SEED, as_of=AS_OF)
    assert paths == {"sources": out / "sources.csv", "detentions": out / "detentions",
                     "repatriations": out / "repatriations", "fatalities": out / "fatalities"}
    return out


@pytest.fixture(scope="module")
def validated(folder):
    return validate(folder, AS_OF)


def test_synthetic_data_passes_every_rule_without_warnings(validated):
    assert [f.rule for f in validated.report.findings] == []
    rows = {name: len(frame) for name, frame in validated.tables.items()}
    assert rows == {"sources": synth.SOURCES, "detentions": ROWS,
                    "repatriations": ROWS // 2, "fatalities": ROWS // 100}


def test_dates_lie_between_2020_and_as_of(validated):
    for name in ("detentions", "repatriations", "fatalities"):
        dates = validated.tables[name]["event_date"]
        assert dates.min() >= dt.date(2020, 1, 1), name
        assert dates.max() <= AS_OF, name


def test_repatriations_return_whole_earlier_detentions(folder):
    dets = read_all(folder, "detentions")
    reps = read_all(folder, "repatriations").filter(pl.col("detention_ids").is_not_null())
    linked = reps.join(dets, left_on="detention_ids", right_on="record_id", how="left",
                       suffix="_det")
    assert linked["event_date_det"].null_count() == 0
    assert (linked["event_date_det"] <= linked["event_date"]).all()
    assert (linked["from_country"] == linked["country"]).all()
    assert (linked["nationality"] == linked["nationality_det"]).all()
    assert reps["detention_ids"].is_unique().all()


def test_same_seed_writes_identical_bytes(folder, tmp_path):
    again = tmp_path / "again"
    write_synthetic(again, ROWS, SEED, as_of=AS_OF)
    assert digests(again) == digests(folder)


def test_another_seed_writes_other_data(folder, tmp_path):
    other = tmp_path / "other"
    write_synthetic(other, ROWS, SEED + 1, as_of=AS_OF)
    mine, theirs = digests(folder), digests(other)
    assert mine.keys() == theirs.keys()
    assert all(mine[k] != theirs[k] for k in mine if k.endswith(".csv"))


def test_every_record_says_it_is_synthetic(folder):
    sources = pl.read_csv(folder / "sources.csv", infer_schema=False)
    assert sources["source_id"].str.starts_with("SYN-SRC-").all()
    assert (sources["publisher"] == "Synthetic data generator").all()
    for name, prefix in (("detentions", "SYN-DET-"), ("repatriations", "SYN-REP-"),
                         ("fatalities", "SYN-FAT-")):
        frame = read_all(folder, name)
        assert frame["record_id"].str.starts_with(prefix).all(), name
        assert (frame["notes"] == f"synthetic record, seed {SEED}").all(), name
        assert frame["source_id"].str.starts_with("SYN-SRC-").all(), name


def test_refuses_a_folder_of_real_returns(tmp_path):
    real = tmp_path / "raw"
    shutil.copytree(SHIPPED, real)
    before = digests(real)
    with pytest.raises(SyntheticDataError, match="not synthetic"):
        write_synthetic(real, 100, 1)
    with pytest.raises(SyntheticDataError, match="is inside"):
        write_synthetic(real / "detentions" / "more", 100, 1)
    assert digests(real) == before
    assert not (real / "detentions" / "more").exists()


def test_refuses_a_real_file_among_synthetic_ones(folder, tmp_path):
    mixed = tmp_path / "mixed"
    shutil.copytree(folder, mixed)
    shutil.copy(SHIPPED / "fatalities" / "fatalities-2025.csv", mixed / "fatalities")
    with pytest.raises(SyntheticDataError, match="fatalities-2025.csv"):
        write_synthetic(mixed, 100, 1)


def test_rewrites_its_own_folder(tmp_path, monkeypatch):
    out = tmp_path / "raw"
    monkeypatch.setattr(synth, "CHUNK_ROWS", 700)
    write_synthetic(out, ROWS, SEED, as_of=AS_OF)
    assert len(list((out / "detentions").glob("*.csv"))) == 3
    monkeypatch.setattr(synth, "CHUNK_ROWS", 1_000)
    write_synthetic(out, 500, SEED, as_of=AS_OF)  # fewer files: the old ones must go
    assert [p.name for p in (out / "detentions").iterdir()] == ["synthetic-detentions-001.csv"]
    assert len(read_all(out, "detentions")) == 500


def test_files_in_chunks_stay_valid_across_files(tmp_path, monkeypatch):
    out = tmp_path / "raw"
    monkeypatch.setattr(synth, "CHUNK_ROWS", 700)
    write_synthetic(out, ROWS, SEED, as_of=AS_OF)
    result = validate(out, AS_OF)
    assert [f.rule for f in result.report.findings] == []
    assert result.tables["detentions"]["record_id"].is_unique().all()
    assert len(result.tables["detentions"]) == ROWS


@pytest.mark.parametrize("rows, seed, as_of, message", [
    (0, 1, None, "rows must be at least 1"),
    (10, -1, None, "seed must be 0 or more"),
    (10, 1, dt.date(2020, 2, 1), "too few days"),
])
def test_refuses_bad_arguments(tmp_path, rows, seed, as_of, message):
    with pytest.raises(SyntheticDataError, match=message):
        write_synthetic(tmp_path / "raw", rows, seed, as_of=as_of)
