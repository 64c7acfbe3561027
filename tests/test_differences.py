"""Every printed difference is computed once, from unrounded values (issue 12, item 4)."""

import pytest

from iae_diag import differences as dif

NB = "\u00a0"


@pytest.mark.parametrize(
    ("now", "before", "text", "phrase"),
    [
        (0.33, 0.44, f"-11{NB}points", "en baisse de 11 points"),
        # the rounded difference of the unrounded shares: 35.50 - 27.96 = 7.54 -> +8, never
        # round(35.50) - round(27.96) = 36 - 28 = +8 by luck or 35 - 28 = +7 by accident
        (0.3550, 0.2796, f"+8{NB}points", "en hausse de 8 points"),
        (0.3575, 0.2821, f"+8{NB}points", "en hausse de 8 points"),
        # under one point: stable (9.66 % -> 9.41 % is not "-1 point")
        (0.0941, 0.0966, "stable", "stable"),
        (0.0499, 0.04, "stable", "stable"),
        # one point exactly is a change (0.05 - 0.04 is 0.00999... in floating point)
        (0.05, 0.04, f"+1{NB}point", "en hausse de 1 point"),
        (0.0, 0.0, "stable", "stable"),
    ],
)
def test_points(now, before, text, phrase):
    d = dif.points(now, before)
    assert d.text == text and d.phrase().replace(NB, " ") == phrase
    assert d.value == pytest.approx(now - before)


@pytest.mark.parametrize(
    ("now", "before", "text", "magnitude"),
    [
        (407, 358, f"+14{NB}%", f"14{NB}%"),
        (23, 15, f"+53{NB}%", f"53{NB}%"),
        (78, 86, f"-9{NB}%", f"9{NB}%"),
        (1003, 1000, "stable", "stable"),  # 0.3 %: under 1 %
        (1010, 1000, f"+1{NB}%", f"1{NB}%"),
    ],
)
def test_relative(now, before, text, magnitude):
    d = dif.relative(now, before)
    assert d.text == text and d.magnitude == magnitude


def test_count_and_unknown_values():
    assert dif.count(407, 358).text == "+49" and dif.count(78, 86).text == "-8"
    assert dif.count(5, 5).text == "0" and dif.count(5, 5).stable
    for d in (
        dif.points(None, 0.2),
        dif.relative(3, 0),
        dif.relative(3, None),
        dif.count(1, None),
    ):
        assert not d.known and d.text == "n.d." and d.phrase() == "non comparable" and d.sign == 0
    assert dif.relative(407, 358).sign == 1 and dif.points(0.0941, 0.0966).sign == 0
    assert dif.relative(78, 86).phrase(up="progresse", down="recule") == f"recule de 9{NB}%"
