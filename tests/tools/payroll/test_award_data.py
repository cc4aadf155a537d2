"""The award data files: the rates of the facts file, their provenance and uncertainty flags, and the
loader's checks. Adding an award or a financial year is adding a file."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.tools.payroll.helpers import MON, one, shift
from tools.payroll.awards import DATA_DIR, AwardLibrary, default_library, load_award
from tools.payroll.errors import PayrollError
from tools.payroll.interpret import interpret

D = Decimal
RETAIL_FACTS = {  # facts-2025-26.md section 2.1: weekly, hourly
    "L1": ("1008.90", "26.55"), "L2": ("1032.00", "27.16"), "L3": ("1048.00", "27.58"),
    "L4": ("1068.40", "28.12"), "L5": ("1112.30", "29.27"), "L6": ("1128.50", "29.70"),
    "L7": ("1185.10", "31.19"), "L8": ("1233.20", "32.45")}
CLERKS_FACTS = {  # section 3.1
    "L1Y1": ("978.20", "25.74"), "L1Y2": ("1024.40", "26.96"), "L1Y3": ("1056.00", "27.79"),
    "L2Y1": ("1068.40", "28.12"), "L2Y2": ("1088.20", "28.64"), "L3": ("1128.50", "29.70"),
    "CCPCS": ("1136.40", "29.91"), "L4": ("1185.10", "31.19"), "L5": ("1233.20", "32.45"),
    "CCTA": ("1350.90", "35.55")}


def test_the_minimum_rates_are_the_facts_files() -> None:
    lib = default_library()
    retail, clerks = lib.resolve("MA000004", MON), lib.resolve("MA000002", MON)
    assert {c: (str(v.weekly), str(v.hourly)) for c, v in retail.classifications.items()} == RETAIL_FACTS
    assert {c: (str(v.weekly), str(v.hourly)) for c, v in clerks.classifications.items()} == CLERKS_FACTS
    assert retail.effective_from == clerks.effective_from == date(2025, 7, 1)
    assert retail.effective_to == clerks.effective_to == date(2026, 6, 30)
    for award in (retail, clerks):
        for c in award.classifications.values():
            assert c.figure.clause and c.figure.source and c.figure.tag in ("COMPUTED", "SECONDARY")


def test_penalty_rates_match_the_facts_file_dollar_table() -> None:
    """facts 2.2's worked dollar table, reproduced from base x multiplier half up."""
    table = {"L1": ("33.19", "39.83", "59.74", "39.83", "46.46", "66.38"),
             "L5": ("36.59", "43.91", "65.86", "43.91", "51.22", "73.18"),
             "L8": ("40.56", "48.68", "73.01", "48.68", "56.79", "81.13")}
    award = default_library().resolve("MA000004", MON)
    from tools.payroll.awards import round_cents

    for cls, want in table.items():
        base = award.classifications[cls].hourly
        ft = [award.penalties[k].multipliers["full_time"] for k in ("saturday", "sunday", "public_holiday")]
        cas = [award.penalties[k].multipliers["casual"] for k in ("saturday", "sunday", "public_holiday")]
        assert tuple(str(round_cents(base * m)) for m in ft + cas) == want


def test_uncertain_figures_are_the_ones_the_facts_file_tags() -> None:
    lib = default_library()
    retail, clerks = lib.resolve("MA000004", MON), lib.resolve("MA000002", MON)
    assert retail.penalties["public_holiday"].figures["casual"].uncertain            # UNCERTAIN in facts
    assert not retail.penalties["public_holiday"].figures["full_time"].uncertain     # PRIMARY
    assert not retail.penalties["sunday"].figures["casual"].uncertain
    for key in ("saturday", "sunday", "public_holiday"):
        assert all(f.uncertain for f in clerks.penalties[key].figures.values())
    assert all(f.uncertain and f.tag == "UNCERTAIN" for f in clerks.minimum_engagement.figures.values())
    assert not any(f.uncertain for f in clerks.overtime.rates["mon_sat_first"].figures.values())  # PRIMARY
    assert retail.juniors is not None and retail.juniors.figure.uncertain           # outcome of AM2024/24
    assert clerks.juniors is not None and not clerks.juniors.figure.uncertain       # Rippling, SECONDARY


def test_results_that_use_an_uncertain_figure_say_so() -> None:
    casual_ph = one(shift(day=date(2025, 12, 25)))
    assert any(w.code == "uncertain_figure" and "Public holiday, casual 250 %" in w.message
               for w in casual_ph.warnings)
    assert all(ln.uncertain for ln in casual_ph.lines)
    assert one(shift(kind="full_time", day=date(2025, 12, 25))).warnings == ()
    assert one(shift()).warnings == ()


def _copy(tmp: Path, name: str, edit=lambda s: s) -> Path:  # type: ignore[no-untyped-def]
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    target = tmp / name
    target.write_text(edit(text), encoding="utf-8")
    return target


def test_a_new_financial_year_is_a_new_data_file(tmp_path: Path) -> None:
    for name in ("MA000004-2025-07-01.toml", "public-holidays-2025-26.toml", "super-guarantee.toml"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    _copy(tmp_path, "MA000004-2025-07-01.toml", lambda s: s.replace("effective_from = 2025-07-01",
                                                                    "effective_from = 2026-07-01")
          .replace("effective_to = 2026-06-30", "effective_to = 2027-06-30")
          .replace('version = "2025-07-01"', 'version = "2026-07-01"')
          .replace("weekly = 1008.90\nhourly = 26.55", "weekly = 1044.20\nhourly = 27.48"))
    (tmp_path / "MA000004-2025-07-01.toml").rename(tmp_path / "MA000004-2026-07-01.toml")
    shutil.copy(DATA_DIR / "MA000004-2025-07-01.toml", tmp_path / "MA000004-2025-07-01.toml")
    lib = AwardLibrary.load(tmp_path)
    assert [a.version for a in lib.versions("MA000004")] == ["2025-07-01", "2026-07-01"]
    assert lib.resolve("MA000004", date(2026, 6, 30)).classifications["L1"].hourly == D("26.55")
    assert lib.resolve("MA000004", date(2026, 7, 1)).classifications["L1"].hourly == D("27.48")


def test_a_new_award_is_a_new_data_file(tmp_path: Path) -> None:
    _copy(tmp_path, "MA000002-2025-07-01.toml", lambda s: s.replace('award = "MA000002"', 'award = "MA000999"')
          .replace('name = "Clerks—Private Sector Award 2020"', 'name = "Test Award 2020"'))
    lib = AwardLibrary.load(tmp_path)
    assert lib.codes == ("MA000999",)
    result = interpret([shift(award="MA000999", cls="L3", kind="full_time")], library=lib)[0]
    assert result.total == D("8") * D("29.70") and result.award_file == "MA000002-2025-07-01.toml"


def test_overlapping_versions_of_one_award_are_refused(tmp_path: Path) -> None:
    shutil.copy(DATA_DIR / "MA000004-2025-07-01.toml", tmp_path / "a.toml")
    shutil.copy(DATA_DIR / "MA000004-2025-07-01.toml", tmp_path / "b.toml")
    with pytest.raises(PayrollError, match="both cover 2025-07-01"):
        AwardLibrary.load(tmp_path)


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace("hourly = 26.55", "hourly = 26.56"), "classifications.L1.hourly: 26.56 is not the weekly"),
    (lambda s: s.replace('from = "18:00"\nto = "24:00"', 'from = "18:30"\nto = "24:00"'), "mon_fri is not covered"),
    (lambda s: s.replace('casual = { multiplier = 2.50, tag = "UNCERTAIN", uncertain = true,',
                         'casual = { multiplier = 2.50, tag = "UNCERTAIN",'), "must say uncertain = true"),
    (lambda s: s.replace('rate = "weekday_evening"', 'rate = "evening"'), "names no penalty rate 'evening'"),
    (lambda s: s.replace("schema = 1", "schema = 2"), "schema"),
])
def test_bad_data_is_refused_naming_file_and_key(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = _copy(tmp_path, "MA000004-2025-07-01.toml", edit)
    with pytest.raises(PayrollError) as info:
        load_award(path)
    assert message in str(info.value) and "MA000004-2025-07-01.toml" in str(info.value)
