"""What changed since the previous release: revised cells of the summary and breakdown tables,
and records added, removed or changed in the event datasets and the source register.

Both are computed from the tables of this release and the previous release's published
Parquet files, never from an older warehouse.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from toolkit.contracts import ALL_DATASETS
from toolkit.publish.specs import CHANGELOG, REVISIONS, STATUS_ORDER, TableSpec


def add_flag(status: str | None, token: str) -> str:
    """``status`` with ``token`` added, in the canonical order of :data:`STATUS_ORDER`."""
    tokens = set((status or "").split()) | {token}
    return " ".join(t for t in STATUS_ORDER if t in tokens)


def add_note(note: str | None, text: str) -> str:
    return f"{note}; {text}" if note else text


def flag_revisions(frame: pl.DataFrame, spec: TableSpec, previous: pl.DataFrame | None,
                   previous_release: str | None, provisional: set[str]
                   ) -> tuple[pl.DataFrame, list[dict]]:
    """Flag ``[r]`` on cells changed since the previous release and ``[p]`` on the periods of
    ``provisional``; return the flagged frame and the rows of the revisions table.

    Only periods the previous release published are compared. A row missing from one of the two
    releases counts as the table's defaults (:attr:`TableSpec.absent`).
    """
    keys = list(spec.primary_key)
    rows = frame.to_dicts()
    revisions: list[dict] = []
    if previous is not None and previous_release is not None:
        prev_rows = {tuple(r.get(k) for k in keys): r for r in previous.to_dicts()}
        prev_periods = set(previous["period"].to_list()) if "period" in previous.columns else set()
        current_periods = {r["period"] for r in rows}
        current_keys = set()
        for row in rows:
            key = tuple(row[k] for k in keys)
            current_keys.add(key)
            if row["period"] not in prev_periods:
                continue
            old = prev_rows.get(key)
            revised = False
            for m in spec.measures:
                old_value = old.get(m) if old is not None else spec.absent.get(m)
                if old_value != row[m]:
                    revised = True
                    row[f"{m}_status"] = add_flag(row[f"{m}_status"], "[r]")
                    revisions.append(_revision(spec, row, m, old, old_value, row[m],
                                               previous_release, None if old is not None else
                                               "no row in the previous release"))
            if revised:
                row["note"] = add_note(row["note"], f"revised since release {previous_release}")
        for key, old in prev_rows.items():
            if key in current_keys or old["period"] not in current_periods:
                continue
            for m in spec.measures:
                new_value = spec.absent.get(m)
                if old.get(m) != new_value:
                    revisions.append(_revision(spec, old, m, old, old.get(m), new_value,
                                               previous_release, "no row in this release",
                                               status=""))
    for row in rows:
        if row["period"] in provisional:
            for m in spec.measures:
                row[f"{m}_status"] = add_flag(row[f"{m}_status"], "[p]")
    # the revision rows carry the final status, [p] included
    final = {tuple(r[k] for k in keys): r for r in rows}
    for rev in revisions:
        row = final.get(tuple(rev.pop("_key")))
        if row is not None and rev["status"] is None:
            rev["status"] = row[f"{rev['measure']}_status"]
        rev["status"] = rev["status"] or None
        rev["previous_status"] = rev["previous_status"] or None
    out = pl.DataFrame(rows, schema=spec.schema) if rows else spec.empty()
    return out, revisions


def _revision(spec: TableSpec, row: dict, measure: str, old: dict | None, old_value, new_value,
              previous_release: str, note: str | None, status: str | None = None) -> dict:
    return {
        "_key": [row.get(k) for k in spec.primary_key],
        "table": spec.name, "period": row["period"], "country": row["country"],
        "nationality": row.get("nationality"), "measure": measure,
        "previous_value": old_value,
        "previous_status": (old or {}).get(f"{measure}_status"),
        "value": new_value, "status": status,
        "previous_release": previous_release, "note": note,
    }


def revisions_table(revisions: list[dict]) -> pl.DataFrame:
    spec = REVISIONS
    if not revisions:
        return spec.empty()
    order = {m: i for i, m in enumerate(("detained", "repatriated", "died", "not_returned_at_end"))}
    rows = sorted(revisions, key=lambda r: (r["table"], r["period"], r["country"],
                                            r["nationality"] or "",
                                            order.get(r["measure"], 99), r["measure"]))
    return pl.DataFrame(rows, schema=spec.schema)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def changelog_table(current: dict[str, pl.DataFrame], previous: dict[str, pl.DataFrame],
                    specs: dict[str, TableSpec], previous_release: str | None) -> pl.DataFrame:
    """Records added, removed and changed (one row per changed column) since the previous
    release, by primary key, for the event datasets and the source register."""
    spec = CHANGELOG
    if previous_release is None:
        return spec.empty()
    rows = []
    for name in ALL_DATASETS:
        if name not in previous:
            continue
        key = specs[name].primary_key[0]
        cols = [c for c in specs[name].columns if c in previous[name].columns]
        new = {r[key]: r for r in current[name].to_dicts()}
        old = {r[key]: r for r in previous[name].to_dicts()}
        for rid in sorted(set(new) | set(old)):
            base = {"dataset": name, "record_id": rid, "column": None, "previous_value": None,
                    "value": None, "previous_release": previous_release}
            if rid not in old:
                rows.append(base | {"change": "added"})
            elif rid not in new:
                rows.append(base | {"change": "removed"})
            else:
                for col in cols:
                    a, b = _text(old[rid].get(col)), _text(new[rid].get(col))
                    if a != b:
                        rows.append(base | {"change": "changed", "column": col,
                                            "previous_value": a, "value": b})
    return pl.DataFrame(rows, schema=spec.schema).select(spec.columns) if rows else spec.empty()
