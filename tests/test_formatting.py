import math

from iae_diag.formatting import fmt_int, fmt_number, fmt_pct, fmt_points, fmt_signed

NB = "\u00a0"


def test_numbers():
    assert fmt_int(7055) == f"7{NB}055"
    assert fmt_int(28213.6) == f"28{NB}214"
    assert fmt_number(7055.44, 1) == f"7{NB}055,4"
    assert fmt_int(-1234) == f"-1{NB}234"
    assert fmt_int(-0.2) == "0"
    assert fmt_int(None) == "n.d." and fmt_int(math.nan) == "n.d."


def test_percent_and_changes():
    assert fmt_pct(0.42) == f"42{NB}%"
    assert fmt_pct(0.4249, 1) == f"42,5{NB}%"
    assert fmt_pct(None) == "n.d."
    assert fmt_signed(49) == "+49" and fmt_signed(-8) == "-8" and fmt_signed(0) == "0"
    assert fmt_points(-0.11) == f"-11{NB}points"
    assert fmt_points(0.01) == f"+1{NB}point"
    # a change that rounds to zero carries no sign
    assert fmt_signed(0.2) == "0" and fmt_signed(-0.3) == "0"
    assert fmt_points(0.002) == f"0{NB}point" and fmt_points(-0.004) == f"0{NB}point"
