"""The publication policy: what of each event dataset reaches the open files, and whether the
breakdowns by sex and age are protected by suppression.

Each field of a dataset is treated one way:

* ``publish``: published as the contract describes it;
* ``coarsen``: published coarser: a death's exact ``age`` becomes ``age_band`` (the bands of
  :data:`toolkit.publish.breakdowns.AGE_BANDS`, e.g. "30 to 39"); a date such as
  ``event_date`` becomes ``event_month`` (``YYYY-MM``, text), so the quarter and month summaries
  can still be checked against the open file;
* ``withhold``: left out of the open files (the warehouse keeps it; the tables derived from it
  still count it).

Two profiles (``config/disclosure.yaml`` selects one, and may set further fields):

``public_sources``
    Records compiled from public sources (news reports, official statements). Open event-level
    data is the point, so the event files keep their fields, and the breakdowns by sex and age
    are published as counted: the event files already give each record's sex and age band, so
    suppressing the breakdowns would pretend a protection anyone can undo.
``administrative``
    Administrative returns about people. No person-level field reaches the open files: sex,
    age, the counts of females, males and minors of a detention, those arrested on arrival,
    the place below the province, a death's exact date (published as its month) and every
    note. The breakdowns are protected by the suppression of :mod:`.disclosure`.

In both, deaths are people: a death's exact age is never published (coarsened or withheld) and
the notes on a death are never published (they describe the person). A field a protected
breakdown counts (:data:`~toolkit.publish.breakdowns.SOURCE_FIELDS`) must be withheld, or anyone
could count the suppressed cells from the event file. A required field cannot be withheld: the
summaries are checked against it. :func:`load_policy` refuses a configuration that breaks any of
this, with a :class:`PolicyError` that names the field (:mod:`toolkit.config`, which checks
``disclosure.yaml`` when it reads it, reports it as a ``ConfigError``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Protocol

import polars as pl

from toolkit.contracts import ALL_DATASETS, load_contracts, schemas_dir
from toolkit.publish.breakdowns import AGE_BANDS, SOURCE_FIELDS
from toolkit.publish.specs import MONTH_PATTERN, Field, TableSpec


class PolicyError(ValueError):
    """A publication policy that cannot be enforced; the message names the field."""


class Disclosure(Protocol):
    """What ``disclosure.yaml`` says (:class:`toolkit.config.Disclosure`)."""

    threshold: int
    profile: str
    fields: tuple[tuple[str, str, str], ...]

PUBLISH, COARSEN, WITHHOLD = "publish", "coarsen", "withhold"
TREATMENTS = (PUBLISH, COARSEN, WITHHOLD)
CONFIG_FILE = "config/disclosure.yaml"


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    #: Whether the breakdowns by sex and age are protected by suppression.
    protect_breakdowns: bool
    #: (dataset, field, treatment) for every field not published as is.
    fields: tuple[tuple[str, str, str], ...]


PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile(
        "public_sources",
        "records compiled from public sources: the open event files keep their fields and the "
        "breakdowns by sex and age are published as counted, since the event files already "
        "give them",
        protect_breakdowns=False,
        fields=(("fatalities", "age", COARSEN), ("fatalities", "notes", WITHHOLD)),
    ),
    Profile(
        "administrative",
        "administrative returns: no person-level field in the open event files, and the "
        "breakdowns by sex and age protected by suppression",
        protect_breakdowns=True,
        fields=(
            ("detentions", "location", WITHHOLD),
            ("detentions", "females", WITHHOLD),
            ("detentions", "males", WITHHOLD),
            ("detentions", "minors", WITHHOLD),
            ("detentions", "notes", WITHHOLD),
            ("repatriations", "arrested_on_arrival", WITHHOLD),
            ("repatriations", "notes", WITHHOLD),
            ("fatalities", "event_date", COARSEN),
            ("fatalities", "location", WITHHOLD),
            ("fatalities", "age", WITHHOLD),
            ("fatalities", "sex", WITHHOLD),
            ("fatalities", "notes", WITHHOLD),
        ),
    ),
)}
DEFAULT_PROFILE = "public_sources"
#: Held in every profile, whatever the configuration says: (dataset, field) -> allowed.
ALWAYS = {
    ("fatalities", "age"): (COARSEN, WITHHOLD),  # a death's exact age is never published
    ("fatalities", "notes"): (WITHHOLD,),  # notes on a death describe the person
}


@dataclass(frozen=True)
class Policy:
    """The publication policy in force: a profile, the small-count threshold and every field
    that is not published as is."""

    profile: str
    threshold: int
    protect_breakdowns: bool
    #: (dataset, field, treatment) for every field not published as is, in contract order.
    fields: tuple[tuple[str, str, str], ...]

    def treatment(self, dataset: str, field: str) -> str:
        return next((t for d, f, t in self.fields if d == dataset and f == field), PUBLISH)


def protects_breakdowns(policy: Policy) -> bool:
    """Whether the breakdowns by sex and age are protected by suppression."""
    return policy.protect_breakdowns


def load_policy(disclosure: Disclosure, where: str = CONFIG_FILE) -> Policy:
    """The policy ``config/disclosure.yaml`` describes (read into ``disclosure``): its profile
    with the fields it sets, checked against the contracts. Raises :class:`PolicyError` that
    names ``where`` and the field."""
    try:
        return _load_policy(disclosure.threshold, disclosure.profile, disclosure.fields,
                            str(schemas_dir()))
    except PolicyError as exc:
        raise PolicyError(f"{where}: {exc}") from None


@cache
def _load_policy(threshold: int, profile: str, overrides: tuple[tuple[str, str, str], ...],
                 schemas: str) -> Policy:
    if profile not in PROFILES:
        raise PolicyError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    contracts = load_contracts(Path(schemas))
    treatments: dict[tuple[str, str], str] = {}
    for dataset, field, treatment in chosen.fields + overrides:
        where = f"{dataset}.{field}"
        if dataset not in contracts:
            raise PolicyError(f"{where}: no dataset {dataset!r}; the datasets are "
                              f"{', '.join(ALL_DATASETS)}")
        contract = contracts[dataset]
        if field not in contract.public_columns:
            raise PolicyError(f"{where}: {dataset} has no published column {field!r}; its "
                              f"columns are {', '.join(contract.public_columns)}")
        if treatment not in TREATMENTS:
            raise PolicyError(f"{where}: {treatment!r} is not one of {', '.join(TREATMENTS)}")
        column = contract.column(field)
        if treatment == COARSEN and _coarsened(field, column.type) is None:
            raise PolicyError(f"{where}: only an age or a date can be coarsened (to an age "
                              "band or a month)")
        if treatment == WITHHOLD and column.required:
            raise PolicyError(f"{where}: a required column cannot be withheld; the summaries "
                              "are checked against it (coarsen a date instead)")
        treatments[(dataset, field)] = treatment
    for (dataset, field), allowed in ALWAYS.items():
        if treatments.get((dataset, field), PUBLISH) not in allowed:
            raise PolicyError(f"{dataset}.{field} must be "
                              f"{' or '.join(allowed)} in every profile: deaths are people")
    if chosen.protect_breakdowns:
        for name, (dataset, fields) in SOURCE_FIELDS.items():
            for field in fields:
                if treatments.get((dataset, field), PUBLISH) != WITHHOLD:
                    raise PolicyError(
                        f"{dataset}.{field} must be withheld under profile "
                        f"{profile}, which protects {name}: from the open {dataset} file "
                        "anyone could count its suppressed cells")
    else:
        for name, (dataset, fields) in SOURCE_FIELDS.items():
            for field in fields:
                if treatments.get((dataset, field), PUBLISH) == WITHHOLD:
                    raise PolicyError(
                        f"{dataset}.{field} is withheld, but profile {profile} "
                        f"publishes {name} unsuppressed: choose a profile that protects it")
    order = list(treatments)  # then in contract order, dataset by dataset
    everywhere = [(d, c.name) for d in contracts for c in contracts[d].columns]
    order.sort(key=everywhere.index)
    fields = tuple((d, f, treatments[(d, f)]) for d, f in order if treatments[(d, f)] != PUBLISH)
    return Policy(profile, threshold, chosen.protect_breakdowns, fields)


def _coarsened(name: str, kind: str) -> Field | None:
    """The published field that replaces ``name`` when it is coarsened; None if it cannot be."""
    if name == "age" and kind == "integer":
        return Field("age_band", "string",
                     "Age band of the person ("
                     + ", ".join(label for *_, label in AGE_BANDS)
                     + "), from the age the source gave; the exact age is not published "
                       "(publication policy, config/disclosure.yaml).",
                     values=tuple(label for *_, label in AGE_BANDS))
    if kind == "date":
        month = name[: -len("date")] + "month" if name.endswith("date") else f"{name}_month"
        return Field(month, "string",
                     f"Calendar month of {name} (YYYY-MM); the day is not published "
                     "(publication policy, config/disclosure.yaml).", pattern=MONTH_PATTERN)
    return None


def public_spec(spec: TableSpec, policy: Policy) -> TableSpec:
    """The spec of an event table as published under ``policy``: withheld fields dropped,
    coarsened ones replaced in place (``age`` by ``age_band``, ``event_date`` by
    ``event_month``). Tables the policy does not name are returned unchanged."""
    fields: list[Field] = []
    dropped: set[str] = set()
    for f in spec.fields:
        treatment = policy.treatment(spec.name, f.name)
        if treatment == WITHHOLD:
            dropped.add(f.name)
        elif treatment == COARSEN:
            coarse = _coarsened(f.name, f.type)
            if coarse is None:  # load_policy refuses this; a spec not from a contract may not
                raise PolicyError(f"{CONFIG_FILE}: {spec.name}.{f.name} cannot be coarsened")
            fields.append(replace(coarse, required=f.required))
        else:
            fields.append(f)
    if len(fields) == len(spec.fields) and not dropped and fields == list(spec.fields):
        return spec
    return replace(spec, fields=tuple(fields),
                   foreign_keys=tuple(k for k in spec.foreign_keys if k[0] not in dropped))


def apply(frame: pl.DataFrame, spec_name: str, policy: Policy) -> pl.DataFrame:
    """``frame`` (an event table as the contract describes it) as published under ``policy``:
    no withheld column is left and no coarsened column is left raw."""
    out = []
    for name in frame.columns:
        treatment = policy.treatment(spec_name, name)
        if treatment == WITHHOLD:
            continue
        if treatment == COARSEN:
            dtype = frame.schema[name]
            coarse = _coarsened(name, "date" if dtype == pl.Date else "integer")
            if coarse is None:
                raise PolicyError(f"{CONFIG_FILE}: {spec_name}.{name} cannot be coarsened")
            if dtype == pl.Date:
                out.append(pl.col(name).dt.strftime("%Y-%m").alias(coarse.name))
            else:
                out.append(_band_expr(name).alias(coarse.name))
        else:
            out.append(pl.col(name))
    return frame.select(out)


def _band_expr(name: str) -> pl.Expr:
    expr = pl.lit(None, dtype=pl.String)
    for _, lo, hi, label in reversed(AGE_BANDS):
        expr = pl.when(pl.col(name).is_between(lo, hi)).then(pl.lit(label)).otherwise(expr)
    return expr


def policy_sentences(policy: Policy) -> tuple[str, str]:
    """Two sentences that state the policy, for the bulletin's methodology and the notes."""
    parts = []
    for dataset in ALL_DATASETS:
        items = [("the exact age (given as an age band)" if f == "age" else
                  f"the exact {f.replace('_', ' ')} (given as the month)") if t == COARSEN
                 else f for d, f, t in policy.fields if d == dataset]
        if items:
            who = "deaths" if dataset == "fatalities" else dataset
            parts.append(f"for {who}, {_and(items)}")
    kind = ("compiled from public sources" if policy.profile == "public_sources" else
            "administrative returns" if policy.profile == "administrative" else
            f"published under profile {policy.profile}")
    first = (f"The records are {kind}, published one row per event in the open files, with "
             f"these withheld or coarsened: {'; '.join(parts)}." if parts else
             f"The records are {kind}, published one row per event in the open files.")
    if policy.protect_breakdowns:
        second = ("In the tables by sex and age, a count from 1 to "
                  f"{policy.threshold - 1} suppresses every cell of its row [c], keeping the "
                  "total, and each release is published only if an attack on all its files "
                  "recovers no suppressed cell.")
    else:
        second = ("The tables by sex and age are not suppressed: anyone can count them from "
                  "the open event files, which give each record's sex and age band.")
    return first, second


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
