"""The validation suite: its cases load and validate, every defect has a clean twin, documents render
deterministically, a few pairs pass end to end, a wrong expectation fails readably, and its metrics
add up on hand-made results."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from evals.harness.model import Case, CaseResult, RunConfig
from evals.suites import validation as val
from tools.documents.model import Issue


@pytest.fixture(scope="module")
def cases() -> dict[str, val.ValidationCase]:
    return {c.id: c for c in val.load_cases()}


def test_case_file_loads_with_pairs_and_counts(cases: dict[str, val.ValidationCase]) -> None:
    roles = Counter(c.role for c in cases.values())
    assert roles["defect"] >= 60 and roles["twin"] == roles["defect"]
    assert {c.defect for c in cases.values()} == set(val.DEFECTS)
    for c in cases.values():
        if c.role == "defect":
            twin = cases[f"{c.id}-twin"]
            assert (twin.pair, twin.defect, twin.format, twin.layout) == (c.pair, c.defect,
                                                                         c.format, c.layout)
            assert twin.invoice.supplier.name == c.invoice.supplier.name
            assert c.invoice != twin.invoice or c.context != twin.context  # the defect is there
            assert set(val.DEFECTS[c.defect]) <= set(c.expected_codes) or c.format == "ubl"
    by_defect = Counter((c.defect, c.format) for c in cases.values() if c.role == "defect")
    for defect in val.DEFECTS:
        assert by_defect[(defect, "pdf")] >= 4 and by_defect[(defect, "ubl")] >= 1
    layouts = {c.layout for c in cases.values() if c.layout}
    assert layouts == {"classic", "modern", "compact", "trade", "letterhead"}


def test_case_file_is_what_the_generator_writes(cases: dict[str, val.ValidationCase]) -> None:
    from evals.data.validation import make_cases as mk

    for di, defect in enumerate(val.DEFECTS):
        if di % 4:
            continue
        made = mk.make_pair(defect, di, 1)
        for raw in made:
            again = val.ValidationCase.model_validate_json(json.dumps(raw, default=mk._json))
            assert again == cases[raw["id"]]


def test_schema_rejects_bad_cases(cases: dict[str, val.ValidationCase]) -> None:
    good = cases["gst_wrong-00"].model_dump(mode="json")
    twin = cases["gst_wrong-00-twin"].model_dump(mode="json")
    for bad in ({**good, "defect": "typo"}, {**good, "expected_codes": []},
                {**twin, "expected_codes": ["gst_mismatch"]}, {**good, "layout": None,
                                                               "format": "pdf"},
                {**good, "surprise": 1}):
        with pytest.raises(ValueError):
            val.ValidationCase.model_validate(bad)


def test_documents_render_deterministically(cases: dict[str, val.ValidationCase]) -> None:
    from tools.documents.identify import Kind, identify

    ubl = next(c for c in cases.values() if c.format == "ubl" and c.role == "defect")
    pdf = next(c for c in cases.values() if c.format == "pdf" and c.role == "defect")
    for c in (ubl, pdf, cases[f"{ubl.id}-twin"]):
        assert val.render(c) == val.render(c)
    assert identify(val.render(ubl)) is Kind.UBL and identify(val.render(pdf)) is Kind.PDF


def test_ubl_alteration_writes_only_the_variants_values(
        cases: dict[str, val.ValidationCase]) -> None:
    import xml.etree.ElementTree as ET

    from demo.documents import render_ubl_invoice

    for c in cases.values():
        if c.format == "ubl" and c.role == "twin":  # altering nothing gives the twin's document
            same = val._ubl_altered(c.invoice, c.invoice).decode()
            want = render_ubl_invoice(c.invoice.doc()).decode().split("\n", 1)[1]
            assert ET.canonicalize(same) == ET.canonicalize(want), c.id


def _run(case: val.ValidationCase) -> CaseResult:
    return val.SUITE.run_case(Case(case.id, case.provenance, case, case.format), RunConfig())


@pytest.mark.parametrize("pair", ["gst_wrong-00", "abn_invalid-00", "abn_invalid-04",
                                  "duplicate-02", "lines_off-00", "lines_off-04",
                                  "bank_details_changed-03"])
def test_pairs_pass_end_to_end(cases: dict[str, val.ValidationCase], pair: str) -> None:
    defect, twin = _run(cases[pair]), _run(cases[f"{pair}-twin"])
    assert defect.passed, defect.diff
    assert twin.passed, twin.diff
    assert set(cases[pair].expected_codes) <= set(defect.got["codes"]) and not twin.got["codes"]
    assert [j.decision for j in twin.judgements] == ["auto_post"] and twin.judgements[0].correct
    assert all(j.decision.startswith("hold:") and j.correct for j in defect.judgements)


def test_a_wrong_expectation_fails_with_a_readable_diff(
        cases: dict[str, val.ValidationCase]) -> None:
    case = cases["gst_wrong-00"]
    wrong = case.model_copy(update={"expected_codes": ("bank_details_changed",)})
    result = _run(wrong)
    assert not result.passed and result.counts["found"] == 0
    assert "bank_details_changed: want raised, got not raised (defect not found)" in result.diff
    assert any(d.startswith("gst_mismatch: want not raised, got 'GST on the invoice is")
               for d in result.diff)
    assert next(j for j in result.judgements if not j.correct).decision == "hold:gst_mismatch"


def test_judge_twin_and_defect(cases: dict[str, val.ValidationCase]) -> None:
    twin = cases["gst_wrong-00-twin"]
    alarm = val.judge(twin, [Issue(code="duplicate_suspected", message="dup")], 0.9)
    assert not alarm.passed and alarm.counts["false_alarm"] == 1
    assert [(j.decision, j.correct) for j in alarm.judgements] == [("hold:duplicate_suspected",
                                                                    False)]
    quiet = val.judge(twin, [], 0.93)
    assert quiet.passed and [(j.decision, j.confidence, j.correct)
                             for j in quiet.judgements] == [("auto_post", 0.93, True)]
    defect = cases["abn_invalid-00"]
    consequence = val.judge(defect, [Issue(code="abn_invalid", message="x"),
                                     Issue(code="supplier_abn_differs", message="y")], 0.2)
    assert consequence.passed and consequence.counts["holds_correct"] == 2
    missed = val.judge(defect, [], 0.95)
    assert not missed.passed and [(j.decision, j.correct)
                                  for j in missed.judgements] == [("auto_post", False)]


def _r(defect: str, role: str, fmt: str, *, found: bool = False, alarm: bool = False,
       extra: bool = False, holds: int = 0, right: int = 0) -> CaseResult:
    counts: dict[str, float] = {"defect": int(role == "defect"), "twin": int(role == "twin"), "found": int(found),
              "false_alarm": int(alarm), "extra_codes": int(extra), "flagged": int(holds > 0),
              "holds": holds, "holds_correct": right,
              "passed": int((found and not extra) if role == "defect" else not alarm)}
    return CaseResult("x", bool(counts["passed"]), counts=counts, split=fmt,
                      tags=(f"defect:{defect}", f"role:{role}", f"format:{fmt}"))


def test_metrics_on_hand_made_results() -> None:
    results = [
        _r("gst_wrong", "defect", "pdf", found=True, holds=1, right=1),
        _r("gst_wrong", "twin", "pdf"),
        _r("duplicate", "defect", "ubl", found=False),
        _r("duplicate", "twin", "ubl", alarm=True, holds=1),
        _r("abn_invalid", "defect", "pdf", found=True, extra=True, holds=3, right=2),
        _r("abn_invalid", "twin", "pdf"),
    ]
    m = {x.name: x for x in val.SUITE.metrics(results)}
    v = {k: x.value for k, x in m.items()}
    assert (v["cases"], v["defects"], v["twins"]) == (6, 3, 3)
    assert v["defects_found_rate"] == round(2 / 3, 4) and v["case_pass_rate"] == 0.5
    assert v["found_rate.gst_wrong"] == 1.0 and v["found_rate.duplicate"] == 0.0
    assert v["false_alarm_rate"] == round(1 / 3, 4) and not m["false_alarm_rate"].higher_is_better
    assert v["extra_code_rate"] == round(1 / 3, 4)
    assert v["precision"] == 0.6  # 3 of 5 holds were right
    assert v["found_rate.format.pdf"] == 1.0 and v["found_rate.format.ubl"] == 0.0
    assert v["false_alarm_rate.format.ubl"] == 1.0 and v["false_alarm_rate.format.pdf"] == 0.0
    assert "found_rate.date_future" not in v
