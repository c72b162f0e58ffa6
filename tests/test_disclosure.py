"""Issue 18: the publication policy, a suppression rule that holds, and the attack on a release.

The fixtures in ``tests/fixtures/disclosure/`` are the issue's cases: three deaths whose sex and
age the open fatalities file gave (``fatalities-three-deaths.csv``), a detention of 7 people of
whom 1 woman and 1 man (``detentions-females-1-males-1-persons-7.csv``), the bulletin's note on
"a woman in her 30s" and the CSV behind a chart by sex.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.config import ConfigError, Disclosure, read_disclosure
from toolkit.contracts import load_contracts
from toolkit.periods import quarter
from toolkit.publish.audit import AuditError, audit_release, check_release
from toolkit.publish.breakdowns import (
    AGE_BANDS,
    BREAKDOWNS,
    breakdown_cells,
    breakdown_spec,
    breakdown_table,
)
from toolkit.publish.disclosure import suppress_small_counts, suppression_pattern
from toolkit.publish.policy import (
    PROFILES,
    apply,
    load_policy,
    policy_sentences,
    protects_breakdowns,
    public_spec,
)
from toolkit.publish.specs import contract_spec

FIXTURES = Path(__file__).parent / "fixtures" / "disclosure"
FATALITIES = "fatalities-three-deaths.csv"
DETENTIONS = "detentions-females-1-males-1-persons-7.csv"
QUARTERS = [quarter(2025, q) for q in (1, 2, 3, 4)]
PUBLIC = load_policy(Disclosure(threshold=3, profile="public_sources"))
ADMIN = load_policy(Disclosure(threshold=3, profile="administrative"))


def events(name: str, file: str) -> pl.DataFrame:
    spec = contract_spec(load_contracts()[name])
    frame = pl.read_csv(FIXTURES / file, schema_overrides=spec.schema)
    return frame.select(spec.columns).cast(spec.schema)


def release(policy, *, protect: bool | None = None, breakdowns=BREAKDOWNS,
            suppress=None) -> tuple[dict[str, pl.DataFrame], dict]:
    """The tables of a small release: the two event files as ``policy`` publishes them and the
    breakdowns, protected as the policy says unless ``protect`` says otherwise; ``suppress``
    replaces the suppression rule (the old one of issue 18)."""
    protect = protects_breakdowns(policy) if protect is None else protect
    con = duckdb.connect(":memory:")
    tables, specs = {}, {}
    for name, file in (("fatalities", FATALITIES), ("detentions", DETENTIONS)):
        frame = events(name, file)
        con.register(name, frame.to_arrow())
        specs[name] = public_spec(contract_spec(load_contracts()[name]), policy)
        tables[name] = apply(frame, name, policy)
    for name in breakdowns:
        spec = breakdown_spec(name, protect=protect)
        frame = breakdown_table(con, spec, QUARTERS, policy.threshold,
                                protect=protect and suppress is None)
        if suppress is not None:
            frame = suppress(frame, list(breakdown_cells(name)), policy.threshold)
        tables[name], specs[name] = frame, spec
    con.close()
    return tables, specs


def hidden_cells(tables, specs) -> set[tuple]:
    out = set()
    for name, frame in tables.items():
        for row in frame.iter_rows(named=True):
            for m in specs[name].measures:
                if "[c]" in (row.get(f"{m}_status") or ""):
                    out.add((name, (row["period"], row["country"]), m))
    return out


def recovered(recoveries) -> dict[tuple, tuple]:
    return {(r.table, tuple(v for _, v in r.key), r.column): (r.low, r.high)
            for r in recoveries}


# ------------------------------------------------------------------------------------- policy


def test_both_profiles_keep_a_deaths_exact_age_and_notes_out_of_the_open_files():
    frame = events("fatalities", FATALITIES)
    for policy in (PUBLIC, ADMIN):
        published = apply(frame, "fatalities", policy)
        assert "age" not in published.columns and "notes" not in published.columns
        spec = public_spec(contract_spec(load_contracts()["fatalities"]), policy)
        assert spec.columns == published.columns
        assert published.cast(spec.schema).schema == published.schema
    public = apply(frame, "fatalities", PUBLIC)
    assert public["age_band"].to_list() == ["18 to 29", None, None]
    assert public["sex"].to_list() == ["male", "female", "male"]
    assert public_spec(contract_spec(load_contracts()["fatalities"]), PUBLIC).field(
        "age_band").values == tuple(label for *_, label in AGE_BANDS)


def test_the_administrative_profile_publishes_no_person_level_field():
    fatal = apply(events("fatalities", FATALITIES), "fatalities", ADMIN)
    assert not {"age", "age_band", "sex", "location", "notes", "event_date"} & set(fatal.columns)
    assert fatal["event_month"].to_list() == ["2025-08", "2025-10", "2025-10"]
    detain = apply(events("detentions", DETENTIONS), "detentions", ADMIN)
    assert not {"females", "males", "minors", "location", "notes"} & set(detain.columns)
    assert {"record_id", "event_date", "country", "persons", "admin1"} <= set(detain.columns)
    spec = public_spec(contract_spec(load_contracts()["detentions"]), ADMIN)
    assert spec.columns == detain.columns
    assert protects_breakdowns(ADMIN) and not protects_breakdowns(PUBLIC)


def test_the_shipped_configuration_selects_public_sources():
    disclosure = read_disclosure(Path(__file__).parent.parent / "config" / "disclosure.yaml")
    assert disclosure.policy == PUBLIC
    assert set(PROFILES) == {"public_sources", "administrative"}


@pytest.mark.parametrize(("text", "message"), [
    ("threshold: 3\nprofle: administrative\n", r"unknown keys \['profle'\]"),
    ("profile: open\n", "profile 'open' is not one of public_sources, administrative"),
    ("fields:\n  deaths:\n    age: withhold\n", "deaths.age: no dataset 'deaths'"),
    ("fields:\n  fatalities:\n    gender: withhold\n",
     "fatalities.gender: fatalities has no published column 'gender'"),
    ("fields:\n  fatalities:\n    cause: hide\n", "'hide' is not one of publish, coarsen"),
    ("fields:\n  fatalities:\n    cause: coarsen\n", "only an age or a date can be coarsened"),
    ("fields:\n  fatalities:\n    country: withhold\n", "a required column cannot be withheld"),
    ("fields:\n  fatalities:\n    age: publish\n",
     "fatalities.age must be coarsen or withhold in every profile"),
    ("fields:\n  fatalities:\n    notes: publish\n", "fatalities.notes must be withhold"),
    ("profile: administrative\nfields:\n  fatalities:\n    sex: publish\n",
     "fatalities.sex must be withheld under profile administrative, which protects "
     "fatalities_by_sex"),
    ("fields:\n  detentions:\n    females: withhold\n",
     "profile public_sources publishes detentions_by_sex unsuppressed"),
    ("fields: [fatalities]\n", "fields must map datasets to their columns"),
])
def test_a_policy_that_breaks_a_rule_is_a_config_error_naming_it(tmp_path, text, message):
    path = tmp_path / "disclosure.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        read_disclosure(path)
    assert str(caught.value).startswith(str(path))


def test_a_field_setting_beyond_the_profile_is_applied(tmp_path):
    path = tmp_path / "disclosure.yaml"
    path.write_text("fields:\n  fatalities:\n    location: withhold\n    event_date: coarsen\n",
                    encoding="utf-8")
    policy = read_disclosure(path).policy
    published = apply(events("fatalities", FATALITIES), "fatalities", policy)
    assert "location" not in published.columns and "event_month" in published.columns


def test_the_policy_in_two_sentences():
    public, admin = policy_sentences(PUBLIC), policy_sentences(ADMIN)
    assert len(public) == len(admin) == 2
    assert "age band" in public[0] and "notes" in public[0]
    assert "not suppressed" in public[1]
    assert "from 1 to 2 suppresses every cell of its row [c]" in admin[1]
    assert "sex" in admin[0] and "females" in admin[0]


# ------------------------------------------------------------------ the rule and its proof


def test_a_row_with_a_small_count_hides_its_whole_breakdown_and_keeps_the_total():
    assert suppression_pattern([1, 1, 5], 3) == [True, True, True]
    assert suppression_pattern([2, 12, 0], 3) == [True, True, True]
    assert suppression_pattern([0, 12, 3], 3) == [False, False, False]
    assert suppression_pattern([0, 0, 0], 3) == [False, False, False]
    assert suppression_pattern([1, 1, 1], 1) == [False, False, False]
    with pytest.raises(ValueError, match="at least 3 cells"):
        suppression_pattern([1, 4], 3)
    tables, _ = release(ADMIN)
    row = tables["detentions_by_sex"].filter(pl.col("country") == "THA").row(0, named=True)
    assert (row["female"], row["male"], row["sex_unknown"], row["total"]) == (None,) * 3 + (7,)
    assert row["female_status"] == row["sex_unknown_status"] == "[c]"
    big = tables["detentions_by_sex"].filter(
        (pl.col("country") == "KHM") & (pl.col("period") == "2025-Q2")).row(0, named=True)
    assert (big["female"], big["male"], big["sex_unknown"]) == (10, 30, 0)


def attacker_who_knows_the_rule(published: list[int | None], total: int, threshold: int,
                                rule=suppression_pattern) -> dict[int, set[int]]:
    """Every value each suppressed cell can take: the breakdowns whose publication under
    ``rule`` is exactly what was published, found by trying them all."""
    hidden = [i for i, v in enumerate(published) if v is None]
    if not hidden:
        return {}
    rest = total - sum(v for v in published if v is not None)
    values: dict[int, set[int]] = {i: set() for i in hidden}
    for parts in compositions(rest, len(hidden)):
        candidate = list(published)
        for i, v in zip(hidden, parts, strict=True):
            candidate[i] = v
        shown = [None if h else v for v, h in
                 zip(candidate, rule(candidate, threshold), strict=True)]
        if shown == published:
            for i in hidden:
                values[i].add(candidate[i])
    return values


def assert_protected(values: list[int], threshold: int) -> None:
    """Published under the rule, no suppressed cell of the row is pinned nor known non-zero."""
    shown = [None if h else v for v, h in zip(values, suppression_pattern(values, threshold),
                                              strict=True)]
    for i, can_be in attacker_who_knows_the_rule(shown, sum(values), threshold).items():
        assert values[i] in can_be, (values, i)  # the attacker's model is right
        assert len(can_be) >= 2 and 0 in can_be, (values, threshold, i, sorted(can_be))


def old_pattern(values: list[int], threshold: int) -> list[bool]:
    """The rule issue 18 undid: primary, and the smallest other cell when one is alone."""
    hidden = [0 < v < threshold for v in values]
    if sum(hidden) == 1:
        others = sorted((i for i, h in enumerate(hidden) if not h),
                        key=lambda i: (values[i] == 0, values[i], i))
        hidden[others[0]] = True
    return hidden


def test_the_attacker_who_knows_the_rule_undoes_the_old_rule():
    # the enumeration is strong enough to find the issue's leak: both suppressed cells are 1
    assert attacker_who_knows_the_rule([None, None, 5], 7, 3, old_pattern) == {0: {1}, 1: {1}}
    assert attacker_who_knows_the_rule([None, None, None], 7, 3) == {
        i: set(range(7)) for i in range(3)}


def compositions(total: int, parts: int):
    """Every list of ``parts`` whole numbers >= 0 adding up to ``total``."""
    for cut in itertools.combinations(range(total + parts - 1), parts - 1):
        yield [b - a - 1 for a, b in zip((-1, *cut), (*cut, total + parts - 1), strict=True)]


@pytest.mark.parametrize("threshold", [2, 3, 5])
def test_no_row_of_three_up_to_nine_people_is_undone_by_the_attacker_who_knows_the_rule(
        threshold):
    for total in range(10):
        for values in compositions(total, 3):
            assert_protected(values, threshold)


def test_no_row_of_seven_up_to_three_people_is_undone_by_the_attacker_who_knows_the_rule():
    for total in range(4):
        for values in compositions(total, 7):
            assert_protected(values, 3)


@pytest.mark.slow
def test_no_row_of_seven_up_to_five_people_is_undone_by_the_attacker_who_knows_the_rule():
    for total in range(6):
        for values in compositions(total, 7):
            assert_protected(values, 3)


@pytest.mark.slow
@pytest.mark.parametrize("threshold", [2, 4, 6])
def test_no_row_of_three_up_to_twenty_people_is_undone_by_the_attacker_who_knows_the_rule(
        threshold):
    for total in range(21):
        for values in compositions(total, 3):
            assert_protected(values, threshold)


def _table(rows: list[list[int]], name: str, threshold: int) -> pl.DataFrame:
    spec = breakdown_spec(name)
    cells = list(breakdown_cells(name))
    records = []
    for i, values in enumerate(rows):
        record = {"period": f"{2020 + i // 4}-Q{i % 4 + 1}", "country": "KHM", "note": "",
                  "total": sum(values), "total_status": ""}
        for c, v in zip(cells, values, strict=True):
            record[c], record[f"{c}_status"] = v, ""
        records.append(record)
    frame = pl.DataFrame(records, schema=spec.schema)
    return suppress_small_counts(frame, cells, threshold).select(spec.columns)


_SEX_ROWS = st.lists(st.lists(st.one_of(st.integers(0, 3), st.integers(0, 40)), min_size=3,
                              max_size=3), min_size=1, max_size=4)
_AGE_ROWS = st.lists(st.lists(st.integers(0, 2), min_size=7, max_size=7).filter(
    lambda r: sum(r) <= 9), min_size=1, max_size=2)


def check_random_tables(sex: list[list[int]], age: list[list[int]], threshold: int) -> None:
    tables = {"detentions_by_sex": _table(sex, "detentions_by_sex", threshold),
              "fatalities_by_age": _table(age, "fatalities_by_age", threshold)}
    specs = {n: breakdown_spec(n) for n in tables}
    assert audit_release(tables, specs, threshold=threshold) == []
    for values in sex + age:
        assert_protected(values, threshold)


@settings(max_examples=15, deadline=None)
@given(sex=_SEX_ROWS, age=_AGE_ROWS, threshold=st.integers(2, 5))
def test_random_tables_under_the_rule_are_recovered_neither_by_the_audit_nor_by_enumeration(
        sex, age, threshold):
    check_random_tables(sex, age, threshold)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(sex=_SEX_ROWS, age=_AGE_ROWS, threshold=st.integers(2, 5))
def test_many_random_tables_under_the_rule_are_recovered_neither_by_audit_nor_enumeration(
        sex, age, threshold):
    check_random_tables(sex, age, threshold)


# ------------------------------------------------------------------ the issue's three attacks


def test_issue_a_the_open_fatalities_file_gives_every_suppressed_cell_away():
    # protected breakdowns beside an event file that gives each death's sex and age band
    tables, specs = release(PUBLIC, protect=True)
    hidden = {c for c in hidden_cells(tables, specs) if c[0].startswith("fatalities")}
    assert len(hidden) == 3 * (3 + 7)  # three rows of one death each
    found = audit_release(tables, specs)
    got = recovered(r for r in found if r.table.startswith("fatalities"))
    assert set(got) == hidden
    assert all(low == high for low, high in got.values())
    assert got[("fatalities_by_sex", ("2025-Q4", "VNM"), "female")] == (1, 1)
    assert got[("fatalities_by_age", ("2025-Q3", "KHM"), "age_18_29")] == (1, 1)
    assert got[("fatalities_by_age", ("2025-Q4", "VNM"), "age_unknown")] == (1, 1)
    assert got[("fatalities_by_sex", ("2025-Q3", "KHM"), "female")] == (0, 0)
    how = next(r.how for r in found if r.table == "fatalities_by_sex" and r.column == "female"
               and dict(r.key)["country"] == "VNM")
    assert "open fatalities file" in how and "FAT-2025-0002" in how and "by sex" in how


def test_issue_a_does_not_arise_when_the_policy_withholds_what_the_breakdowns_count():
    tables, specs = release(ADMIN)
    # the three deaths' rows, and the detentions of 2025-Q1 in KHM (2 women) and of THA
    assert len(hidden_cells(tables, specs)) == 3 * 10 + 2 * 3
    assert audit_release(tables, specs, threshold=3) == []


def test_issue_b_the_bulletin_quoting_a_woman_in_her_30s_gives_her_cells_away():
    tables, specs = release(ADMIN)
    text = (FIXTURES / "bulletin-woman-in-her-30s.md").read_text(encoding="utf-8")
    found = audit_release(tables, specs, {"bulletin/fatalities.md": text}, threshold=3)
    got = recovered(found)
    assert got[("fatalities_by_sex", ("2025-Q4", "VNM"), "female")] == (1, 1)
    assert got[("fatalities_by_age", ("2025-Q4", "VNM"), "age_30_39")] == (1, 1)
    assert {key for _, key, _ in got} == {("2025-Q4", "VNM")}  # no other row is touched
    how = next(r.how for r in found if r.column == "age_30_39")
    assert 'what bulletin/fatalities.md says: "- FAT-2025-0002: a woman in her 30s' in how


def test_issue_b_is_read_from_the_bulletins_html_too():
    tables, specs = release(ADMIN)
    page = ("<section><h2>Deaths</h2><ul><li><code>FAT-2025-0002</code>: a woman in her "
            "30s found on the Vietnamese side&#160;of the border</li></ul></section>")
    got = recovered(audit_release(tables, specs, {"bulletin.html": page}))
    assert got[("fatalities_by_age", ("2025-Q4", "VNM"), "age_30_39")] == (1, 1)


def test_issue_b_a_sentence_that_names_the_place_and_month_is_read_too():
    tables, specs = release(ADMIN)
    text = ("A Korean woman in her 30s was found dead on the Vietnamese side of the border in "
            "October 2025.")
    got = recovered(audit_release(tables, specs, {"bulletin.md": text}))
    assert got[("fatalities_by_sex", ("2025-Q4", "VNM"), "female")] == (1, 1)
    assert got[("fatalities_by_age", ("2025-Q4", "VNM"), "age_30_39")] == (1, 1)


def test_a_sentence_that_could_be_about_any_of_several_rows_recovers_nothing():
    tables, specs = release(ADMIN)
    text = "In 2025 a man died in Cambodia; a woman in her 30s died too."
    assert audit_release(tables, specs, {"bulletin.md": text}, threshold=3) == []


def test_the_release_describing_its_columns_gives_nothing_away():
    # the dictionary says "People who died aged 30 to 39.": it counts nobody
    tables, specs = release(ADMIN)
    described = "\n".join(f"{f.name}: {f.description}" for spec in specs.values()
                           for f in spec.fields)
    assert "People who died aged 30 to 39." in described
    assert audit_release(tables, specs, {"dictionary.md": described}, threshold=3) == []


def test_a_chart_of_a_quarter_without_its_country_is_read_as_a_lower_bound():
    tables, specs = release(ADMIN)
    chart = "period,female\n2025-Q4,1\n"  # two countries: either can hold the woman
    texts = {"bulletin-data/fatalities-by-sex.csv": chart}
    assert audit_release(tables, specs, texts, threshold=3) == []
    # a woman and a man among the quarter's two deaths: neither row has a death of unknown sex
    chart = "period,female,male\n2025-Q4,1,1\n"
    got = recovered(audit_release(tables, specs, {"bulletin-data/fatalities-by-sex.csv": chart}))
    assert got == {("fatalities_by_sex", ("2025-Q4", c), "sex_unknown"): (0, 0)
                   for c in ("KHM", "VNM")}


def test_the_csv_behind_a_chart_gives_its_values_away():
    tables, specs = release(ADMIN)
    chart = (FIXTURES / "chart-fatalities-by-sex.csv").read_text(encoding="utf-8")
    got = recovered(audit_release(tables, specs, {"bulletin-data/fatalities-by-sex.csv": chart}))
    assert got[("fatalities_by_sex", ("2025-Q4", "VNM"), "female")] == (1, 1)
    assert got[("fatalities_by_sex", ("2025-Q4", "VNM"), "sex_unknown")] == (0, 0)


def test_a_number_a_text_gives_for_exactly_one_suppressed_cell_is_reported():
    tables, specs = release(ADMIN)
    text = "Two women were detained in Thailand in 2025-Q2."
    found = audit_release(tables, specs, {"bulletin.md": text})
    assert recovered(found) == {("detentions_by_sex", ("2025-Q2", "THA"), "female"): (2, 2)}
    assert "gives 2 for this cell" in found[0].how


def _old_rule(frame: pl.DataFrame, cells: list[str], threshold: int) -> pl.DataFrame:
    """A breakdown table suppressed by the old rule, as release 2026-11-28 published it."""
    masks = [old_pattern([row[c] for c in cells], threshold)
             for row in frame.iter_rows(named=True)]
    return frame.with_columns(
        expr for j, c in enumerate(cells) for expr in (
            pl.when(pl.Series([m[j] for m in masks])).then(None).otherwise(pl.col(c)).alias(c),
            pl.when(pl.Series([m[j] for m in masks])).then(pl.lit("[c]")).otherwise(
                pl.col(f"{c}_status")).alias(f"{c}_status")))


def test_issue_c_the_old_rule_leaks_females_1_males_1_persons_7():
    tables, specs = release(ADMIN, breakdowns=("detentions_by_sex",), suppress=_old_rule)
    tha = tables["detentions_by_sex"].filter(pl.col("country") == "THA").row(0, named=True)
    assert (tha["female"], tha["male"], tha["sex_unknown"], tha["total"]) == (None, None, 5, 7)
    found = audit_release(tables, specs)
    got = recovered(found)
    assert got[("detentions_by_sex", ("2025-Q2", "THA"), "female")] == (1, 1)
    assert got[("detentions_by_sex", ("2025-Q2", "THA"), "male")] == (1, 1)
    assert "zeros beside suppressed cells" in found[0].how
    # the same row under the rule: all three suppressed, nothing recovered
    tables, specs = release(ADMIN, breakdowns=("detentions_by_sex",))
    assert audit_release(tables, specs, threshold=3) == []


def test_issue_c_a_release_that_says_it_publishes_zeros_is_read_so():
    tables, specs = release(ADMIN, breakdowns=("detentions_by_sex",), suppress=_old_rule)
    tables["detentions_by_sex"] = tables["detentions_by_sex"].filter(pl.col("country") == "THA")
    assert audit_release(tables, specs) == []  # no zero beside a [c]: floor 0, [0, 2]
    found = audit_release(tables, specs, {"notes.md": "Zeros are published."})
    assert {r.column: (r.low, r.high) for r in found} == {"female": (1, 1), "male": (1, 1)}
    assert "notes.md says that zeros are published, so each suppressed cell is at least 1" \
        in found[0].how


# --------------------------------------------------------------------- profiles end to end


def test_public_sources_end_to_end_publishes_what_the_event_files_already_say():
    tables, specs = release(PUBLIC)
    assert hidden_cells(tables, specs) == set()
    assert audit_release(tables, specs, threshold=3) == []
    sex = tables["fatalities_by_sex"].filter(pl.col("period") == "2025-Q4").sort("country")
    assert sex.select("country", "female", "male", "total").rows() == [
        ("KHM", 0, 1, 1), ("VNM", 1, 0, 1)]
    assert "[c]" not in specs["fatalities_by_sex"].description
    assert "not suppressed" in specs["fatalities_by_sex"].description
    # the published breakdown is exactly what anyone counts from the published event file
    fatal = tables["fatalities"]
    assert fatal.filter(pl.col("sex") == "female").select("country").to_series().to_list() \
        == ["VNM"]


def test_administrative_end_to_end_protects_and_survives_the_attack():
    tables, specs = release(ADMIN)
    assert {"sex", "age", "age_band", "notes"}.isdisjoint(tables["fatalities"].columns)
    d = tables["detentions_by_sex"].sort("period", "country")
    assert d.select("period", "country", "female", "male", "sex_unknown", "total").rows() == [
        ("2025-Q1", "KHM", None, None, None, 14),
        ("2025-Q2", "KHM", 10, 30, 0, 40),
        ("2025-Q2", "THA", None, None, None, 7),
    ]
    benign = "Three deaths were recorded from July to December 2025, in Cambodia and Viet Nam."
    check_release(tables, specs, {"bulletin.md": benign}, threshold=3)  # raises if not


def test_check_release_fails_naming_every_cell_and_how():
    tables, specs = release(PUBLIC, protect=True, breakdowns=("fatalities_by_sex",))
    with pytest.raises(AuditError) as caught:
        check_release(tables, specs)
    assert len(caught.value.recoveries) == 9
    message = str(caught.value)
    assert message.startswith("9 suppressed cells can be recovered from the release")
    assert "fatalities_by_sex 2025-Q4 VNM female recovered exactly: 1, by counting" in message
