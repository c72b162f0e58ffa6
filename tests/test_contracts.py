"""schemas/ drive everything: the contract page is generated from them, the warehouse tables
derive from them, and a new optional column is one edit to a YAML file."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from conftest import base_rows, to_csv

from toolkit.checks import validate
from toolkit.contracts import ALL_DATASETS, load_contracts
from toolkit.docs import main, render
from toolkit.warehouse import table_ddl

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "data-contract.md"
SECTIONS = {name: name for name in ALL_DATASETS}


def parse_page(text: str) -> dict[str, dict[str, dict]]:
    """{section: {column: {"type": ..., "optional": bool, "values": [...], "min":, "max":}}}"""
    out: dict[str, dict[str, dict]] = {}
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = SECTIONS.get(line[3:].strip())
            if section:
                out[section] = {}
            continue
        if not section or not line.startswith("|") or "---" in line:
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == "column":
            continue
        names, kind, meaning = cells[0], cells[1], cells[2]
        spec = {"type": kind.split(",")[0].split(" ")[0], "optional": "optional" in kind}
        if spec["type"] == "enum":
            spec["values"] = re.findall(r"`([a-z_]+)`", meaning.split("One of", 1)[1])
        bounds = re.search(r"integer (?:>= (\d+)|(\d+)-(\d+))", kind)
        if bounds:
            spec["min"] = int(bounds[1] or bounds[2])
            spec["max"] = int(bounds[3]) if bounds[3] else None
        for name in names.split(","):
            out[section][name.strip()] = spec
    return out


@pytest.fixture(scope="module")
def page() -> dict:
    return parse_page(PAGE.read_text(encoding="utf-8"))


TYPE_MAP = {"text": {"string", "url"}, "identifier": {"id"}, "identifiers": {"id_list"},
            "date": {"date"}, "enum": {"enum"}, "ISO3": {"iso3"}, "integer": {"integer"}}


def expected_columns(page: dict, dataset: str) -> dict[str, dict]:
    return dict(page[dataset])


@pytest.mark.parametrize("dataset", ALL_DATASETS)
def test_schema_columns_match_the_contract_page(page, dataset):
    contract = load_contracts()[dataset]
    assert set(contract.column_names) == set(expected_columns(page, dataset))


@pytest.mark.parametrize("dataset", ALL_DATASETS)
def test_schema_types_enums_and_bounds_match_the_contract_page(page, dataset):
    contract = load_contracts()[dataset]
    for name, spec in expected_columns(page, dataset).items():
        col = contract.column(name)
        assert col.type in TYPE_MAP[spec["type"]], (dataset, name, col.type, spec["type"])
        assert col.required is not spec["optional"], (dataset, name)
        if spec["type"] == "enum":
            assert list(col.values) == spec["values"], (dataset, name)
        if "min" in spec:
            assert (col.min, col.max) == (spec["min"], spec["max"]), (dataset, name)


def test_the_parser_sees_every_section_and_the_enums(page):
    # Guards the guard: a page the parser misreads would make the tests above vacuous.
    assert set(page) == set(SECTIONS.values())
    assert page["detentions"]["reason"]["values"] == [
        "suspected_scam_involvement", "immigration_violation", "rescued_victim", "other"]
    assert page["fatalities"]["age"] == {"type": "integer", "optional": True, "min": 0,
                                         "max": 120}
    assert page["detentions"]["notes"]["optional"] is True


def test_warehouse_tables_are_derived_from_the_contracts():
    contract = load_contracts()["fatalities"]
    ddl = table_ddl(contract)
    for column in contract.columns:
        assert f'"{column.name}" {column.duckdb_type},' in ddl
    assert '"age" BIGINT,' in ddl and '"event_date" DATE,' in ddl
    assert '"__file" VARCHAR,\n  "__row" BIGINT,\n  "__line" BIGINT\n)' in ddl
    # The rules are Pandera's and the SQL rules', each written once: no CHECK repeats them.
    assert "CHECK" not in ddl and "PRIMARY KEY" not in ddl


def test_the_c_yaml_loader_reads_the_contracts_as_the_python_one_does(monkeypatch):
    """The contracts are read with libyaml's loader where PyYAML has it (every command reads
    them): it must give exactly what PyYAML's own safe loader gives."""
    import yaml

    from toolkit import contracts

    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML is built without libyaml here")
    assert contracts._LOADER is yaml.CSafeLoader
    fast = contracts._load_all.__wrapped__(str(contracts.schemas_dir()))
    monkeypatch.setattr(contracts, "_LOADER", yaml.SafeLoader)
    assert contracts._load_all.__wrapped__(str(contracts.schemas_dir())) == fast


def _with_optional_column(tmp_path: Path) -> Path:
    """A copy of schemas/ with one optional column added to the detentions contract."""
    folder = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", folder)
    path = folder / "detentions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  - source_id\n", "  - name: operation_name\n    type: string\n    required: false\n"
        "    description: Name of the police operation, where reported.\n  - source_id\n", 1),
        encoding="utf-8")
    return folder


def test_an_optional_column_is_one_edit_to_the_yaml(tmp_path, monkeypatch, make_raw):
    """Adding an optional column to a contract: returns without it stay valid, a return with
    it is checked (its text is unsafe-text checked like every text column) and loaded, and the
    contract page shows it; nothing else changes."""
    monkeypatch.setenv("TOOLKIT_SCHEMAS", str(_with_optional_column(tmp_path)))
    contract = load_contracts()["detentions"]
    assert "operation_name" in contract.column_names
    without = validate(make_raw("without"), dt.date(2025, 12, 31), out_dir=tmp_path / "a")
    assert without.report.findings == [] and without.warehouse is not None
    assert without.table("detentions")["operation_name"].null_count() == 2
    header, rows = base_rows("detentions")
    rows[0]["operation_name"] = "Operation Sky Net"
    rows[1]["operation_name"] = "=HYPERLINK(1)"
    with_column = validate(make_raw("with", {"detentions/detentions.csv": to_csv(
        [*header, "operation_name"], rows)}), dt.date(2025, 12, 31))
    assert [(f.rule, f.row, f.column) for f in with_column.report.findings] == [
        ("unsafe_text", 3, "operation_name")]
    assert with_column.table("detentions")["operation_name"].to_list() == [
        "Operation Sky Net", "=HYPERLINK(1)"]
    assert "| operation_name | text, optional | Name of the police operation" in render(
        "data-contract.md")


def test_the_generated_pages_are_current():
    assert main(["--check"]) == 0, "run `make docs`"


def test_synthetic_data_follows_a_contract_with_a_new_optional_column(tmp_path, monkeypatch):
    from toolkit.synth import write_synthetic

    monkeypatch.setenv("TOOLKIT_SCHEMAS", str(_with_optional_column(tmp_path)))
    raw = tmp_path / "synthetic"
    write_synthetic(raw, 200, 3)
    header = (raw / "detentions" / "synthetic-detentions-001.csv").read_text().splitlines()[0]
    assert header.split(",") == load_contracts()["detentions"].column_names
    result = validate(raw, dt.date(2025, 12, 31))
    assert result.report.exit_code == 0, result.report.summary()
