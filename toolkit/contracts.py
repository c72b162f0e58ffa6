"""Dataset contracts, read from ``schemas/``: the one place each dataset is described.

Validation (Pandera), the DuckDB tables, the data dictionary and ``datapackage.json`` are all
derived from the :class:`Contract` objects this module builds.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

#: Logical types a contract column can have.
TYPES = ("string", "id", "date", "integer", "enum", "iso3", "url", "id_list")

#: The ICAO Doc 9303 code the contract allows for several or unknown nationalities.
UNSPECIFIED_NATIONALITY = "XXX"

#: Datasets in the order they are validated, loaded and published.
EVENT_DATASETS = ("detentions", "repatriations", "fatalities")
#: Figures the authorities themselves report: published beside the counts of the events.
REPORTED = "reported_figures"
ALL_DATASETS = ("sources", *EVENT_DATASETS, REPORTED)

#: Column names that suggest personal data: a raw column so named is refused, and no published
#: table may have one. The contracts record counts of people, never people.
PERSONAL_DATA_COLUMN = re.compile(
    r"(^|_)(name|names|fullname|surname|forename|passport|passport_no|phone|mobile|tel|email|"
    r"e_mail|address|birth|dob|birthdate|national_id|id_number|id_no|resident|rrn|photo)(_|$)"
    r"|성명|이름|여권|주민등록|전화|휴대폰|이메일|주소|생년월일"
)


class ContractError(Exception):
    """A file in ``schemas/`` is malformed."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    description: str
    values: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    max_column: str | None = None
    references: str | None = None
    example: str | None = None
    public: bool = True
    #: Free text that reaches the open files only once reviewed (toolkit.checks.review).
    review: bool = False

    @property
    def duckdb_type(self) -> str:
        return {"date": "DATE", "integer": "BIGINT"}.get(self.type, "VARCHAR")

    @property
    def frictionless_type(self) -> str:
        return {"date": "date", "integer": "integer"}.get(self.type, "string")


@dataclass(frozen=True)
class RowRule:
    name: str
    columns: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Contract:
    name: str
    title: str
    description: str
    raw_path: str
    record_label: str
    primary_key: str
    columns: tuple[Column, ...]
    row_rules: tuple[RowRule, ...] = field(default_factory=tuple)
    #: A dataset a raw folder may leave out (its tables are then empty).
    optional: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def public_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.public]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def is_folder(self) -> bool:
        return self.raw_path.endswith("/")


def schemas_dir() -> Path:
    """The ``schemas/`` folder: ``$TOOLKIT_SCHEMAS`` or the one beside the package."""
    env = os.environ.get("TOOLKIT_SCHEMAS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "schemas"


def _column(spec: dict, where: str) -> Column:
    unknown = set(spec) - {
        "name", "type", "required", "description", "values", "min", "max",
        "max_column", "references", "example", "public", "review",
    }
    if unknown:
        raise ContractError(f"{where}: unknown keys {sorted(unknown)}")
    if spec.get("type") not in TYPES:
        raise ContractError(f"{where}: type must be one of {TYPES}, not {spec.get('type')!r}")
    if spec["type"] == "enum" and not spec.get("values"):
        raise ContractError(f"{where}: an enum needs values")
    return Column(
        name=spec["name"],
        type=spec["type"],
        required=bool(spec.get("required", False)),
        description=" ".join(str(spec.get("description", "")).split()),
        values=tuple(str(v) for v in spec.get("values", ())),
        min=spec.get("min"),
        max=spec.get("max"),
        max_column=spec.get("max_column"),
        references=spec.get("references"),
        example=spec.get("example"),
        public=bool(spec.get("public", True)),
        review=bool(spec.get("review", False)),
    )


#: PyYAML's safe loader in C (libyaml) where it is built in: every command reads the contracts,
#: and the pure-Python loader takes 38 ms over them against 4 ms.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (safe)


def _load(path: Path, common: dict) -> Contract:
    doc = _read_yaml(path)
    columns = []
    for i, item in enumerate(doc["columns"]):
        if isinstance(item, str):
            if item not in common:
                raise ContractError(f"{path.name}: column {item!r} is not in _common.yaml")
            item = {"name": item, **common[item]}
        columns.append(_column(item, f"{path.name} column {i + 1}"))
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ContractError(f"{path.name}: a column is listed twice")
    if doc["primary_key"] not in names:
        raise ContractError(f"{path.name}: primary_key {doc['primary_key']!r} is not a column")
    rules = tuple(
        RowRule(r["name"], tuple(r["columns"]), r["description"]) for r in doc.get("row_rules", ())
    )
    return Contract(
        name=doc["name"],
        title=doc["title"],
        description=" ".join(doc["description"].split()),
        raw_path=doc["raw_path"],
        record_label=doc["record_label"],
        primary_key=doc["primary_key"],
        columns=tuple(columns),
        row_rules=rules,
        optional=bool(doc.get("optional", False)),
    )


@cache
def _load_all(folder: str) -> dict[str, Contract]:
    base = Path(folder)
    common_path = base / "_common.yaml"
    common = _read_yaml(common_path)["columns"]
    contracts = {}
    for name in ALL_DATASETS:
        contract = _load(base / f"{name}.yaml", common)
        if contract.name != name:
            raise ContractError(f"{name}.yaml names itself {contract.name!r}")
        contracts[name] = contract
    return contracts


def load_contracts(folder: Path | None = None) -> dict[str, Contract]:
    """All four contracts, keyed by dataset name, in :data:`ALL_DATASETS` order."""
    return _load_all(str(folder or schemas_dir()))


def get_contract(name: str) -> Contract:
    return load_contracts()[name]
