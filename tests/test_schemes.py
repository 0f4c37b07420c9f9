"""Role schemes: the defaults load, and bad schemes are rejected with the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ProblemsError
from graders.engine.schemes import default_schemes_dir, kpi_value, load_scheme, load_schemes

DEFAULT = default_schemes_dir() / "technical_support.yaml"


def test_do_the_default_schemes_load_with_different_weights_per_family():
    """Do technical support and field service have valid, different default schemes?"""
    schemes = load_schemes()
    ts, fs = schemes["technical_support"], schemes["field_service"]
    assert ts.weights != fs.weights
    assert "key_behaviour" in fs.weights and "key_behaviour" not in ts.weights
    assert ts.weights["supervisor"] > fs.weights["supervisor"]  # monthly work-plan agreement
    assert [b.name_zh for b in ts.bands] == ["优秀", "良好", "合格", "待改进"]
    assert [b.name_en for b in fs.bands] == ["Excellent", "Good", "Pass", "Needs improvement"]
    assert len(ts.sha256) == 64 and ts.version == "2026.1"
    mg = schemes["management"]  # supervisors and managers graded on their teams (issue 14)
    assert 0.6 <= mg.result_share <= 0.7 and mg.management.targets["complaint_resolution"] == 0.8


def edited(tmp_path: Path, old: str, new: str, name: str = "bad.yaml") -> tuple[Path, int]:
    """A copy of the default scheme with one edit; returns the file and the edited line."""
    text = DEFAULT.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, line


def rejected(path: Path) -> list:
    with pytest.raises(ProblemsError) as info:
        load_scheme(path)
    return info.value.problems


@pytest.mark.parametrize("old, new, message, field", [
    ("supervisor: {weight: 0.35", "supervisor: {weight: 0.45", "must sum to 1", "components"),
    ("self:       {weight: 0.05, kind: process}",
     "selfie:     {weight: 0.05, kind: process}", "unknown component 'selfie'", "components"),
    ("min: 80, max: 90}", "min: 78, max: 90}", "overlap", "bands"),
    ("min: 60, max: 80}", "min: 65, max: 80}", "gap", "bands"),
    ("result_share: 0.55", "result_share: 0.6", "result_share", None),
    ("missing: reweight ", "missing: ignore ", "reweight", "missing"),
    ("base_coefficient: 0.7", "base_coefficient: 0.6", "must be 1", "pay"),
    ("min_band: good", "min_band: great", "unknown band 'great'", None),
    ("prior_strength: 3", "prior_strength: -1", "greater than or equal to 0",
     "team_award.prior_strength"),
])
def test_is_a_bad_scheme_rejected_with_file_and_line(tmp_path, old, new, message, field):
    """Are weights not summing to 1, unknown components, overlapping bands and other mistakes
    rejected, naming the file and the line of the mistake?"""
    path, line = edited(tmp_path, old, new)
    problems = rejected(path)
    assert len(problems) == 1, problems
    p = problems[0]
    assert message in p.message
    assert p.file == str(path)
    assert p.row is not None and p.unit == "line"
    if field is not None:
        assert p.column == field
    text = str(p)
    assert str(path) in text and f"line {p.row}" in text
    if field in ("missing", "team_award.prior_strength") or "selfie" in new or "78" in new:
        assert p.row == line  # points at the very line that is wrong


def test_is_broken_yaml_rejected_with_its_line(tmp_path):
    """Is a YAML syntax error reported with the file and line?"""
    path, line = edited(tmp_path, "name_en: Technical support", "name_en: [Technical support")
    p = rejected(path)[0]
    assert "not valid YAML" in p.message and p.row is not None and p.row >= line


def test_are_two_schemes_for_one_family_rejected(tmp_path):
    """Does a folder with two schemes for the same role family fail, naming the second file?"""
    (tmp_path / "a.yaml").write_text(DEFAULT.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(DEFAULT.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ProblemsError) as info:
        load_schemes(tmp_path)
    assert "already has a scheme" in str(info.value) and "b.yaml" in str(info.value)


def test_is_the_kpi_value_clamped_to_its_range():
    """Is the KPI value score/target, never below 0.5 nor above 5?"""
    pay = load_schemes()["technical_support"].pay
    assert kpi_value(75, pay) == 1
    assert kpi_value(10, pay) == 0.5
    assert kpi_value(90, pay) == pytest.approx(1.2)
