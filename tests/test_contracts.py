"""schemas/ is the machine-readable form of the contract page; these tests fail when they drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toolkit.contracts import ALL_DATASETS, load_contracts
from toolkit.warehouse import table_ddl

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "data-contract.md"
SHARED_PAGE = ROOT.parent / "shared" / "docs" / "data-contract.md"
SECTIONS = {
    "Common columns (all three datasets)": "common",
    "detentions": "detentions",
    "repatriations": "repatriations",
    "fatalities": "fatalities",
    "sources.csv": "sources",
}


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
            spec["values"] = re.findall(r"`([a-z_]+)`", meaning)
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


TYPE_MAP = {"text": {"string", "id_list", "url"}, "date": {"date"}, "enum": {"enum"},
            "ISO3": {"iso3"}, "integer": {"integer"}}


def expected_columns(page: dict, dataset: str) -> dict[str, dict]:
    cols = dict(page[dataset])
    if dataset != "sources":
        cols = {**page["common"], **cols}
    return cols


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
    assert page["common"]["notes"]["optional"] is True


@pytest.mark.skipif(not SHARED_PAGE.is_file(), reason="no shared/ beside the checkout")
def test_the_repo_copy_of_the_contract_page_is_current():
    assert PAGE.read_text(encoding="utf-8") == SHARED_PAGE.read_text(encoding="utf-8")


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
