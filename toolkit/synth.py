"""Synthetic raw returns for benchmarks and tests: contract-valid, marked synthetic, reproducible.

``write_synthetic(out_dir, rows, seed)`` writes the layout of ``data/raw`` (``sources.csv`` and
one folder per dataset) with ``rows`` detentions, half as many repatriations and a hundredth as
many fatalities. Every record says what it is: identifiers start ``SYN-``, every note reads
``synthetic record, seed S`` and every source is published by the ``Synthetic data generator``.
A folder that already holds raw data that is not synthetic is refused, so synthetic records
never mix with real returns.

The data passes every error rule and, by construction, raises no warning either:

- no possible duplicates: rows of one (place, nationality, persons) key get distinct 12-day
  blocks of the calendar, so two of them are always more than
  :data:`toolkit.checks.across.DUPLICATE_WINDOW_DAYS` days apart;
- no negative stock: each repatriation returns the whole group of one earlier detention (same
  country, nationality and persons), and no detention is returned twice.

Generation is vectorised (numpy draws, polars string building) and chunked: at most
:data:`CHUNK_ROWS` rows per file, each chunk drawn from its own random stream, so memory stays
flat as ``rows`` grows and the files of a seed are byte-identical from run to run. Chunks of a
dataset partition the nationalities, so the no-duplicate guarantee holds across files too.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl

from toolkit.contracts import EVENT_DATASETS, load_contracts

#: The as-of date used when none is given: fixed, so that output never depends on the clock.
DEFAULT_AS_OF = dt.date(2025, 12, 31)
FIRST_DATE = dt.date(2020, 1, 1)
#: At most this many rows in one file.
CHUNK_ROWS = 1_000_000
PUBLISHER = "Synthetic data generator"
SOURCES = 50
FILE_PREFIX = "synthetic-"
MARKER = "SYNTHETIC.md"

#: Rows of one duplicate key fall in distinct blocks of this many days, at day 0-3 of a block
#: (detentions, fatalities) or 0-3 + the key's delay + 0-4 (repatriations): two rows of a key
#: are then at least 12 - 7 = 5 days apart, more than the 3-day duplicate window.
BLOCK_DAYS = 12
OFFSET_DAYS = 4
MAX_KEY_DELAY = 48
JITTER_DAYS = 5
MAX_DELAY = MAX_KEY_DELAY + JITTER_DAYS - 1

#: Countries where the synthetic events happen (scam-centre hubs and their neighbours).
COUNTRIES = ("KHM", "MMR", "LAO", "THA", "PHL", "VNM", "MYS", "IDN", "CHN", "ARE", "GEO", "TLS")
PRECISIONS = (("day", 0.85), ("week", 0.08), ("month", 0.05), ("quarter", 0.015), ("year", 0.005))
REASONS = (("suspected_scam_involvement", 0.55), ("immigration_violation", 0.25),
           ("rescued_victim", 0.15), ("other", 0.05))
MODES = (("charter_flight", 0.35), ("commercial_flight", 0.2), ("military_flight", 0.03),
         ("land", 0.3), ("sea", 0.02), ("other", 0.03), ("unknown", 0.07))
DATE_BASES = (("death", 0.4), ("found", 0.4), ("reported", 0.2))
CAUSES = (("violence", 0.3), ("medical", 0.25), ("suicide", 0.1), ("accident", 0.15),
          ("undetermined", 0.2))
SCAM_LINKS = (("confirmed", 0.3), ("suspected", 0.35), ("under_investigation", 0.2),
              ("none_known", 0.15))
SEXES = ("female", "male", "unknown")
SOURCE_TYPES = ("official", "media", "ngo", "international_org")
#: Stream numbers of the per-chunk random generators.
_STREAM = {"sources": 0, "detentions": 1, "repatriations": 2, "fatalities": 3}
_EPOCH = dt.date(1970, 1, 1)


class SyntheticDataError(Exception):
    """Synthetic data cannot be written there (real raw data present, or bad arguments)."""


# --------------------------------------------------------------------------- helpers


def nationalities() -> tuple[str, ...]:
    """ISO 3166-1 alpha-3 codes (pycountry) and ``XXX``, sorted: the nationalities drawn."""
    import pycountry

    from toolkit.contracts import UNSPECIFIED_NATIONALITY

    return tuple(sorted({c.alpha_3 for c in pycountry.countries} | {UNSPECIFIED_NATIONALITY}))


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (i < extra) for i in range(parts)]


def _choice(rng: np.random.Generator, options, n: int) -> pl.Series:
    """``n`` draws from ``options`` (values, or (value, weight) pairs) as a String series."""
    if options and isinstance(options[0], tuple):
        values = [v for v, _ in options]
        weights = np.array([w for _, w in options], dtype=float)
        idx = rng.choice(len(values), size=n, p=weights / weights.sum())
    else:
        values = list(options)
        idx = rng.integers(0, len(values), size=n)
    return pl.Series(values, dtype=pl.String).gather(idx)


def _mix(x: np.ndarray, seed: int) -> np.ndarray:
    """A deterministic 64-bit hash (splitmix64 finaliser) of each element."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _rank_within(keys: np.ndarray) -> np.ndarray:
    """For each element, how many equal keys come before it (0, 1, 2, ... per key)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    pos = np.arange(len(keys))
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    first = np.maximum.accumulate(np.where(starts, pos, 0))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = pos - first
    return rank


def _spread_keys(rng: np.random.Generator, place: np.ndarray, nat: np.ndarray,
                 persons: np.ndarray, blocks: int, redraw_max: int, seed: int) -> np.ndarray:
    """Give each row a calendar block so that no two rows of one key share a block.

    A key holds at most ``blocks`` rows; rows beyond that get a new ``persons`` (in place)
    until every key fits. Returns the block of each row.
    """
    nat_span = 1000  # more than the number of nationalities
    for _ in range(100):
        key = (place.astype(np.int64) * nat_span + nat) * 1_000_000 + persons
        rank = _rank_within(key)
        over = rank >= blocks
        if not over.any():
            start = (_mix(key, seed) % np.uint64(blocks)).astype(np.int64)
            return (start + rank) % blocks
        persons[over] = rng.integers(1, redraw_max + 1, size=int(over.sum()))
    raise SyntheticDataError("too many rows for the date range: use a later as_of or fewer rows")


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _ids(prefix: str, start: int) -> pl.Expr:
    """``prefix`` and a 10-digit number counting from ``start``, one per row."""
    return pl.format(prefix + "{}", (pl.int_range(pl.len(), dtype=pl.Int64) + start)
                     .cast(pl.String).str.zfill(10))


def _maybe(mask: np.ndarray, expr: pl.Expr | pl.Series) -> pl.Expr:
    """``expr`` where ``mask`` holds, else empty."""
    value = pl.lit(expr) if isinstance(expr, pl.Series) else expr
    return pl.when(pl.lit(pl.Series(mask))).then(value)


# --------------------------------------------------------------------------- datasets


def _sources(seed: int, as_of: dt.date) -> pl.DataFrame:
    rng = np.random.default_rng([seed, _STREAM["sources"], 0])
    n = SOURCES
    first = (FIRST_DATE - _EPOCH).days
    span = (as_of - FIRST_DATE).days + 1
    published = first + rng.integers(0, span, size=n)
    has_date = rng.random(n) < 0.8
    frame = pl.DataFrame({"i": np.arange(1, n + 1)}).select(
        pl.format("SYN-SRC-{}", pl.col("i").cast(pl.String).str.zfill(3)).alias("source_id"),
        pl.lit(PUBLISHER).alias("publisher"),
        pl.format("Synthetic source {} (seed {})", pl.col("i"), pl.lit(seed)).alias("title"),
        pl.format("https://example.org/synthetic/{}", pl.col("i")).alias("url"),
        _maybe(has_date, _dates(published)).alias("published_date"),
        _choice(rng, SOURCE_TYPES, n).alias("source_type"),
        pl.lit(pl.Series(rng.integers(1, 6, size=n))).alias("reliability"),
    )
    return frame


def _source_ids(rng: np.random.Generator, n: int) -> pl.Series:
    idx = rng.integers(1, SOURCES + 1, size=n)
    return pl.Series([f"SYN-SRC-{i:03d}" for i in range(SOURCES + 1)], dtype=pl.String).gather(idx)


def _note(seed: int) -> pl.Expr:
    return pl.lit(f"synthetic record, seed {seed}")


def _detention_chunk(seed: int, k: int, n: int, start_id: int, nats: np.ndarray,
                     first_day: int, blocks: int) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    rng = np.random.default_rng([seed, _STREAM["detentions"], k])
    country = rng.integers(0, len(COUNTRIES), size=n)
    nat = nats[rng.integers(0, len(nats), size=n)]
    persons = np.clip(np.rint(rng.lognormal(3.5, 1.0, size=n)), 1, 5000).astype(np.int64)
    block = _spread_keys(rng, country, nat, persons, blocks, 300, seed)
    day = first_day + BLOCK_DAYS * block + rng.integers(0, OFFSET_DAYS, size=n)
    order = np.lexsort((persons, nat, country, day))  # chronological files
    country, nat, persons, day = country[order], nat[order], persons[order], day[order]

    has_sex = rng.random(n) < 0.4
    females = rng.binomial(persons, 0.3)
    males = rng.binomial(persons - females, 0.9)
    has_minors = rng.random(n) < 0.25
    minors = rng.binomial(persons, 0.05)
    codes = pl.Series(nationalities(), dtype=pl.String)
    frame = pl.DataFrame({"_": np.zeros(n, dtype=np.int8)}).select(
        _ids("SYN-DET-", start_id).alias("record_id"),
        pl.lit(_dates(day)).alias("event_date"),
        pl.lit(_choice(rng, PRECISIONS, n)).alias("date_precision"),
        pl.lit(pl.Series(COUNTRIES, dtype=pl.String).gather(country)).alias("country"),
        _maybe(rng.random(n) < 0.7, pl.format(
            "Synthetic province {}", pl.lit(pl.Series(rng.integers(1, 30, size=n))))
        ).alias("admin1"),
        _maybe(rng.random(n) < 0.5, pl.format(
            "Synthetic site {}", pl.lit(pl.Series(rng.integers(1, 2000, size=n))))
        ).alias("location"),
        pl.lit(codes.gather(nat)).alias("nationality"),
        pl.lit(pl.Series(persons)).alias("persons"),
        _maybe(has_sex, pl.Series(females)).alias("females"),
        _maybe(has_sex, pl.Series(males)).alias("males"),
        _maybe(has_minors, pl.Series(minors)).alias("minors"),
        _maybe(rng.random(n) < 0.6, pl.format(
            "Synthetic authority {}", pl.lit(pl.Series(rng.integers(1, 40, size=n))))
        ).alias("detaining_authority"),
        pl.lit(_choice(rng, REASONS, n)).alias("reason"),
        pl.lit(_source_ids(rng, n)).alias("source_id"),
        _note(seed).alias("notes"),
    )
    keys = {"country": country, "nat": nat, "persons": persons, "day": day}
    return frame, keys


def _repatriation_chunk(seed: int, k: int, n: int, start_id: int, dets: pl.DataFrame,
                        keys: dict[str, np.ndarray]) -> pl.DataFrame:
    """``n`` repatriations, each returning the whole group of a distinct detention of ``dets``."""
    rng = np.random.default_rng([seed, _STREAM["repatriations"], k])
    pick = np.sort(rng.choice(len(dets), size=n, replace=False))
    country, nat, persons = keys["country"][pick], keys["nat"][pick], keys["persons"][pick]
    key = (country.astype(np.int64) * 1000 + nat) * 1_000_000 + persons
    # One delay per key (so two returns of a key stay as far apart as their detentions), plus
    # a little jitter.
    delay = (_mix(key, seed + 1) % np.uint64(MAX_KEY_DELAY + 1)).astype(np.int64)
    day = keys["day"][pick] + delay + rng.integers(0, JITTER_DAYS, size=n)
    order = np.lexsort((pick, day))
    pick, country, nat, persons, day = pick[order], country[order], nat[order], \
        persons[order], day[order]
    has_arrests = rng.random(n) < 0.3
    arrested = rng.binomial(persons, 0.2)
    det_ids = dets["record_id"].gather(pick)
    codes = pl.Series(nationalities(), dtype=pl.String)
    return pl.DataFrame({"_": np.zeros(n, dtype=np.int8)}).select(
        _ids("SYN-REP-", start_id).alias("record_id"),
        pl.lit(_dates(day)).alias("event_date"),
        pl.lit(_choice(rng, PRECISIONS, n)).alias("date_precision"),
        pl.lit(pl.Series(COUNTRIES, dtype=pl.String).gather(country)).alias("from_country"),
        pl.lit(codes.gather(nat)).alias("nationality"),
        pl.lit(pl.Series(persons)).alias("persons"),
        _maybe(has_arrests, pl.Series(arrested)).alias("arrested_on_arrival"),
        pl.lit(_choice(rng, MODES, n)).alias("mode"),
        _maybe(rng.random(n) < 0.9, det_ids).alias("detention_ids"),
        pl.lit(_source_ids(rng, n)).alias("source_id"),
        _note(seed).alias("notes"),
    )


def _fatality_chunk(seed: int, k: int, n: int, start_id: int, nats: np.ndarray,
                    first_day: int, blocks: int) -> pl.DataFrame:
    rng = np.random.default_rng([seed, _STREAM["fatalities"], k])
    country = rng.integers(0, len(COUNTRIES), size=n)
    nat = nats[rng.integers(0, len(nats), size=n)]
    persons = np.where(rng.random(n) < 0.9, 1, rng.integers(2, 6, size=n)).astype(np.int64)
    block = _spread_keys(rng, country, nat, persons, blocks, 20, seed)
    day = first_day + BLOCK_DAYS * block + rng.integers(0, OFFSET_DAYS, size=n)
    order = np.lexsort((persons, nat, country, day))
    country, nat, persons, day = country[order], nat[order], persons[order], day[order]
    single = persons == 1
    codes = pl.Series(nationalities(), dtype=pl.String)
    return pl.DataFrame({"_": np.zeros(n, dtype=np.int8)}).select(
        _ids("SYN-FAT-", start_id).alias("record_id"),
        pl.lit(_dates(day)).alias("event_date"),
        pl.lit(_choice(rng, DATE_BASES, n)).alias("date_basis"),
        pl.lit(_choice(rng, PRECISIONS, n)).alias("date_precision"),
        pl.lit(pl.Series(COUNTRIES, dtype=pl.String).gather(country)).alias("country"),
        _maybe(rng.random(n) < 0.7, pl.format(
            "Synthetic province {}", pl.lit(pl.Series(rng.integers(1, 30, size=n))))
        ).alias("admin1"),
        _maybe(rng.random(n) < 0.5, pl.format(
            "Synthetic place {}", pl.lit(pl.Series(rng.integers(1, 500, size=n))))
        ).alias("location"),
        pl.lit(codes.gather(nat)).alias("nationality"),
        pl.lit(pl.Series(persons)).alias("persons"),
        _maybe(single & (rng.random(n) < 0.6), pl.Series(rng.integers(16, 71, size=n)))
        .alias("age"),
        _maybe(single & (rng.random(n) < 0.8), _choice(rng, SEXES, n)).alias("sex"),
        pl.lit(_choice(rng, CAUSES, n)).alias("cause"),
        pl.lit(_choice(rng, SCAM_LINKS, n)).alias("scam_link"),
        pl.lit(_source_ids(rng, n)).alias("source_id"),
        _note(seed).alias("notes"),
    )


# --------------------------------------------------------------------------- the folder


def _is_synthetic_file(path: Path) -> bool:
    """A file this module wrote: its first record's identifier starts ``SYN-``."""
    try:
        with path.open("rb") as fh:
            fh.readline()
            first = fh.readline()
    except OSError:
        return False
    return first.startswith(b"SYN-")


def _raw_files(folder: Path) -> list[Path]:
    """Files in ``folder`` that the toolkit would read as raw data."""
    found = []
    if (folder / "sources.csv").is_file():
        found.append(folder / "sources.csv")
    for name in EVENT_DATASETS:
        sub = folder / name
        if sub.is_dir():
            found.extend(sorted(p for p in sub.iterdir()
                                if p.is_file() and not p.name.startswith((".", "~$"))))
    return found


def check_target(out_dir: Path) -> None:
    """Refuse a folder (or a folder inside one) that holds raw data that is not synthetic."""
    out_dir = out_dir.resolve()
    for path in _raw_files(out_dir):
        named = path.name == "sources.csv" or path.name.startswith(FILE_PREFIX)
        if not (named and _is_synthetic_file(path)):
            raise SyntheticDataError(
                f"{out_dir} already holds raw data that is not synthetic ({path.name} in "
                f"{path.parent}); synthetic records must never mix with real returns: "
                "choose an empty folder")
    for parent in out_dir.parents:
        sources = parent / "sources.csv"
        if sources.is_file() and not _is_synthetic_file(sources):
            raise SyntheticDataError(
                f"{out_dir} is inside {parent}, a folder of raw data that is not synthetic; "
                "choose a folder outside it")


def _write(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path, line_terminator="\n", date_format="%Y-%m-%d")
    return path


def write_synthetic(out_dir: Path, rows: int, seed: int, *,
                    as_of: dt.date | None = None) -> dict[str, Path]:
    """Write synthetic raw data into ``out_dir``; return {dataset: file or folder}.

    ``rows`` detentions, ``max(1, rows // 2)`` repatriations, ``max(1, rows // 100)``
    fatalities, dated 2020-01-01 to ``as_of`` (default :data:`DEFAULT_AS_OF`), in files of at
    most :data:`CHUNK_ROWS` rows named ``synthetic-<dataset>-NNN.csv``. Synthetic files already
    in ``out_dir`` are replaced; any other raw data there raises :class:`SyntheticDataError`.
    """
    as_of = as_of or DEFAULT_AS_OF
    if rows < 1:
        raise SyntheticDataError(f"rows must be at least 1, not {rows}")
    if seed < 0:
        raise SyntheticDataError(f"seed must be 0 or more, not {seed}")
    span = (as_of - FIRST_DATE).days + 1
    det_blocks = (span - OFFSET_DAYS - MAX_DELAY) // BLOCK_DAYS
    if det_blocks < 2:
        raise SyntheticDataError(f"as_of {as_of} leaves too few days after {FIRST_DATE}")
    fat_blocks = (span - OFFSET_DAYS) // BLOCK_DAYS
    first_day = (FIRST_DATE - _EPOCH).days
    out_dir = Path(out_dir)
    check_target(out_dir)

    contracts = load_contracts()
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in EVENT_DATASETS:
        folder = out_dir / name
        if folder.is_dir():
            for old in folder.glob(f"{FILE_PREFIX}*.csv"):
                old.unlink()
        folder.mkdir(exist_ok=True)

    def columns_ok(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        """The columns of the contract, in its order: an optional column the generator does
        not know is left empty, a column the contract no longer has is dropped."""
        contract = contracts[name]
        unknown = [c for c in contract.required_columns if c not in frame.columns]
        if unknown:
            raise SyntheticDataError(f"the {name} contract requires {', '.join(unknown)}, "
                                     "which the synthetic data generator does not make")
        return frame.select(pl.col(c) if c in frame.columns else pl.lit(None, pl.String)
                            .alias(c) for c in contract.column_names)

    _write(columns_ok(_sources(seed, as_of), "sources"), out_dir / "sources.csv")
    all_nats = np.arange(len(nationalities()))

    parts = math.ceil(rows / CHUNK_ROWS)
    det_sizes = _split(rows, parts)
    rep_sizes = _split(max(1, rows // 2), parts)
    det_start = rep_start = 1
    for k in range(parts):
        # Chunks share no nationality, so no duplicate key spans two files.
        dets, keys = _detention_chunk(seed, k, det_sizes[k], det_start, all_nats[k::parts],
                                      first_day, det_blocks)
        _write(columns_ok(dets, "detentions"),
               out_dir / "detentions" / f"{FILE_PREFIX}detentions-{k + 1:03d}.csv")
        if rep_sizes[k]:
            reps = _repatriation_chunk(seed, k, rep_sizes[k], rep_start, dets, keys)
            _write(columns_ok(reps, "repatriations"),
                   out_dir / "repatriations" / f"{FILE_PREFIX}repatriations-{k + 1:03d}.csv")
        det_start += det_sizes[k]
        rep_start += rep_sizes[k]
        del dets, keys

    fatalities = max(1, rows // 100)
    fat_parts = math.ceil(fatalities / CHUNK_ROWS)
    fat_start = 1
    for k, size in enumerate(_split(fatalities, fat_parts)):
        fats = _fatality_chunk(seed, k, size, fat_start, all_nats[k::fat_parts], first_day,
                               fat_blocks)
        _write(columns_ok(fats, "fatalities"),
               out_dir / "fatalities" / f"{FILE_PREFIX}fatalities-{k + 1:03d}.csv")
        fat_start += size

    (out_dir / MARKER).write_text(
        "# Synthetic data\n\n"
        f"Written by `toolkit synth --rows {rows} --seed {seed}` (as of {as_of}). Every record "
        "is invented: identifiers start `SYN-`, notes say `synthetic record`, sources are "
        f"published by the `{PUBLISHER}`. Never copy these files into data/raw.\n",
        encoding="utf-8")
    return {"sources": out_dir / "sources.csv",
            **{name: out_dir / name for name in EVENT_DATASETS}}

