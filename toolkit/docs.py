"""The documentation pages generated from ``schemas/`` and the catalogue of rules.

``python -m toolkit.docs`` (``make docs``) writes ``docs/data-contract.md`` and
``docs/validation-rules.md`` from their templates in ``docs/_templates/``; ``--check`` exits 1
when a page is not what the contracts and rules give (CI runs it through the tests).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2

from toolkit.checks.cells import CELL_RULES, breakdowns
from toolkit.checks.rules import RULES, STAGES, UNUSABLE_RULES
from toolkit.contracts import ALL_DATASETS, EVENT_DATASETS, Column, Contract, load_contracts

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = ("data-contract.md", "validation-rules.md")
_TYPES = {"string": "text", "id": "identifier", "url": "text (address)",
          "id_list": "identifiers, `;`-separated", "date": "date",
          "iso3": "ISO3", "enum": "enum"}


def kind(col: Column) -> str:
    """``integer 0-120, optional``: the type and its bounds as the page shows them."""
    if col.type == "integer":
        text = ("integer" + (f" {col.min}-{col.max}" if col.min is not None and col.max is not None
                             else f" >= {col.min}" if col.min is not None else ""))
    else:
        text = _TYPES[col.type]
    return text + ("" if col.required else ", optional")


def meaning(contract: Contract, col: Column) -> str:
    parts = [col.description.rstrip(".") + "."]
    if col.values:
        parts.append("One of " + ", ".join(f"`{v}`" for v in col.values) + ".")
    if col.max_column:
        parts.append(f"At most {col.max_column}.")
    if col.references:
        parts.append(f"Must exist in {col.references}.")
    return " ".join(parts).replace("|", "\\|")


def _applies(contracts: dict[str, Contract]) -> dict[str, str]:
    """For each cell and row rule, the columns it checks."""
    out: dict[str, list[str]] = {}
    for name in ALL_DATASETS:
        contract = contracts[name]
        for col in contract.columns:
            if col.required:
                out.setdefault("required", []).append(f"{name}.{col.name}")
            for rule in CELL_RULES:
                if rule.applies(col):
                    out.setdefault(rule.slug, []).append(f"{name}.{col.name}")
        for b in breakdowns(contract):
            out.setdefault("breakdown_exceeds_persons", []).append(
                f"{name}: {' + '.join(b.parts)} <= persons")
    return {slug: ", ".join(f"`{c}`" for c in cols) for slug, cols in out.items()}


def render(page: str) -> str:
    contracts = load_contracts()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(DOCS / "_templates"),
                             keep_trailing_newline=True, autoescape=False,
                             undefined=jinja2.StrictUndefined)
    return env.get_template(page + ".j2").render(
        contracts=[contracts[n] for n in ALL_DATASETS],
        events=[contracts[n] for n in EVENT_DATASETS], sources=contracts["sources"],
        kind=kind, meaning=meaning, rules=list(RULES.values()), stages=STAGES,
        across=[r for r in RULES.values() if r.stage == "across"], unusable=UNUSABLE_RULES,
        applies=_applies(contracts))


def main(argv: list[str]) -> int:
    stale = []
    for page in PAGES:
        text, path = render(page), DOCS / page
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(page)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale: " + ", ".join(stale) + " (run `make docs`)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
