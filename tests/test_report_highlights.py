""" "À retenir" on the contract table of report_helpers (values derived by hand from its
per-département weights): the candidates, their ranking, the count, and statistical secrecy."""

import re

import pytest

from iae_diag.formatting import fmt_int
from iae_diag.narrative import approx_count
from iae_diag.report import context
from iae_diag.report.narrative import name_types, of_territory
from iae_diag.report.sections import highlights
from iae_diag.territories import Territory
from report_helpers import write_processed

NB = "\u00a0"


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("highlights") / "processed")


def test_region_messages_ranked_by_score(proc):
    ctx = context.build_context("region:11", 2013, str(proc), "")
    messages = highlights.rules.select(highlights.candidates(ctx))
    # by hand (report_helpers._dep_counts, 8 départements, index 0-7): ETTI = 3 + i % 3 - 1
    # structures per département in 2011, +1 a year where i is even: 23 -> 31; EITI = i % 3,
    # +1 a year where i is odd: 7 -> 15 (+114 %, score 57: the first after the level)
    assert [m.text for m in messages[:3]] == [
        f"En 2013, les SIAE franciliennes ont salarié plus de 25{NB}000 personnes, soit "
        f"6{NB}474 équivalents temps plein (ETP), dans 443 structures.",
        f"Le nombre des EITI est passé de 7 en 2011 à 15 en 2013 (+114{NB}%, +8).",
        f"Le nombre des ETTI est passé de 23 en 2011 à 31 en 2013 (+35{NB}%, +8).",
    ]
    assert 5 <= len(messages) <= 7
    scores = [m.score for m in messages[1:]]
    assert scores == sorted(scores, reverse=True)
    families = [m.family for m in messages]
    assert all(families.count(f) <= highlights.rules.PER_FAMILY for f in set(families))
    # the AI's +8 (score 5.6) is left out: the types have their two messages
    assert not any("AI est passé" in m.text for m in messages)


def test_the_section_has_five_to_seven_messages_and_the_year_first(proc):
    for terr in ("region:11", "dep:93", "dep:77"):
        ctx = context.build_context(terr, 2013, str(proc), "")
        html = highlights.show_highlights(ctx).data
        items = re.findall(r"<li>(.*?)</li>", html)
        assert 5 <= len(items) <= 7, terr
        assert items[0].startswith("En 2013, "), terr


def test_no_hidden_value_in_the_messages(proc):
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    salaries = ctx.value("salaries", 2013)
    before = " ".join(m.text for m in highlights.candidates(ctx))
    assert "part des" in before and "des heures" in before
    assert approx_count(salaries) in before  # "plus de 3 300"
    # the run's decision hides the département's salariés, every share of its publics and
    # every share of its hours by sector: no message quotes or ranks them any more
    hide = {
        k
        for k in ctx._values
        if k[1:3] == ("dep", "93")
        and (
            (k[0] == "salaries" and k[4] == "ALL")
            or k[0] in ("public_share", "hours_share_by_sector")
        )
    }
    ctx._secret |= hide
    messages = highlights.rules.select(highlights.candidates(ctx))
    text = " ".join(m.text for m in messages)
    # "le département Seine-Saint-Denis (93)", or "la Seine-Saint-Denis (93)" with the INSEE
    # list of a geography folder
    assert re.fullmatch(
        r"En 2013, (le département |la )Seine-Saint-Denis \(93\) comptait 62 SIAE ; le nombre "
        r"de leurs salariés n'est pas publié \(secret statistique\)\.",
        messages[0].text,
    )
    assert fmt_int(salaries) not in text and approx_count(salaries) not in text
    assert "part des" not in text and "des heures" not in text
    assert 5 <= len(messages) <= 7


def test_exits_and_taux_de_realisation_outside_the_range_become_messages(proc):
    from iae_diag.report.sections import offer

    ctx = context.build_context("region:11", 2013, str(proc), "")
    # without the exit indicators (a table older than them): no exit message
    ctx._values = {
        k: v for k, v in ctx._values.items() if k[0] not in ("exit_rate", "sorties_examinees")
    }
    assert not any(m.family == "exits" for m in highlights.candidates(ctx))
    # every taux of the contract table is 1 / 1.08 (93 %): inside [85 %, 105 %]
    assert offer.realisation_outliers(ctx) == []
    assert "tous les taux de réalisation publiés sont compris" in offer.show_etp(ctx).data
    ctx._values[("exit_rate", "region", "11", 2013, "ALL", "sorties_dynamiques")] = 0.42
    ctx._values[("sorties_examinees", "region", "11", 2013, "ALL", "")] = 1234.0
    ctx._values[("taux_realisation", "dep", "77", 2013, "ETTI", "")] = 1.07
    ctx._values[("taux_realisation", "region", "11", 2013, "AI", "")] = 0.8
    # "du département Seine-et-Marne", or its name with the INSEE list of a geography folder
    of77 = of_territory(Territory("dep", "77"), name_types(ctx.geo_dir).get(("dep", "77")))
    assert offer.realisation_outliers(ctx) == [("les AI", 0.8), (f"les ETTI {of77}", 1.07)]
    texts = {m.family: m.text for m in highlights.candidates(ctx)}
    assert texts["exits"] == (
        f"En 2013, 42{NB}% des sorties examinées (sur 1{NB}234 sorties examinées) sont des "
        "sorties dynamiques (emploi durable, emploi de transition ou sortie positive)."
    )
    realisation = [m for m in highlights.candidates(ctx) if m.family == "realisation"]
    assert [round(m.score, 1) for m in realisation] == [15.0, 12.0]  # 10 + 5 and 10 + 2 points
    assert realisation[1].text == (
        f"En 2013, le taux de réalisation des ETP conventionnés atteint 107{NB}% pour les ETTI "
        f"{of77}, au-dessus de 105{NB}%."
    )
    etp = offer.show_etp(ctx).data
    assert f"les ETTI {of77} (107" in etp.replace("&#x27;", "'")
    # hidden by the run's decision: neither quoted nor commented
    ctx._secret |= {
        ("exit_rate", "region", "11", 2013, "ALL", "sorties_dynamiques"),
        ("taux_realisation", "dep", "77", 2013, "ETTI", ""),
    }
    families = [m.family for m in highlights.candidates(ctx)]
    assert "exits" not in families and families.count("realisation") == 1


def test_one_year_of_data_gives_the_levels_it_has(tmp_path):
    one = write_processed(tmp_path / "processed", years=(2013,))
    ctx = context.build_context("region:11", 2013, str(one), "")
    # a geography folder configured in the environment adds the thinly covered communes
    cands = [m for m in highlights.candidates(ctx) if m.family != "coverage"]
    # no change can be measured: the level, the type mix, the first sector, the long-term job
    # seekers; fewer than five candidates: all of them, by score
    assert sorted(m.family for m in cands) == ["exits", "level", "mix", "publics", "sectors"]
    assert highlights.rules.select(cands) == sorted(cands, key=lambda m: -m.score)
    texts = {m.family: m.text for m in cands}
    # by hand: 0.42 + 0.01 * ((0 + 7 + 0) % 5) = 44 % (region index 0, key index 7)
    assert texts["publics"] == (
        f"En 2013, 44{NB}% des salariés en insertion étaient demandeurs d'emploi depuis 24 "
        "mois ou plus lors de leur embauche."
    )
    # the published AI contrast: AI 11 556 of the 22 506 salariés counted by type (51.3 %),
    # 1 782 of the 5 768.75 ETP (30.9 %): 20.4 points x 0.3
    assert texts["mix"] == (
        f"En 2013, les AI emploient 51{NB}% des salariés en insertion mais réalisent 31{NB}% "
        "des ETP."
    )
    assert round(next(m.score for m in cands if m.family == "mix"), 1) == 6.1
