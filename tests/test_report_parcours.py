"""The section "Parcours et sorties" (issue 10 item 5) rendered in-process on the contract table
of tests/report_helpers.py, with the cells of the Seine-Saint-Denis (93) in 2013 set by hand to
round figures: tables, sentences, statistical secrecy, region against département, no data."""

import re
from html import unescape as _unescape

import pandas as pd
import pytest

from iae_diag import narrative, tables_export
from iae_diag.formatting import fmt_int, fmt_pct, fmt_points
from iae_diag.report import context, sections
from iae_diag.report.sections import parcours
from report_helpers import build_tables, write_processed

NB = "\u00a0"


def _set(ind, indicator, code, year, t, value, breakdown="", num=None, den=None):
    sel = (
        (ind["indicator"] == indicator)
        & (ind["territory_code"] == code)
        & (ind["year"] == year)
        & (ind["type_siae"] == t)
        & (ind["breakdown"] == breakdown)
    )
    assert sel.sum() == 1, (indicator, code, year, t, breakdown)
    ind.loc[sel, ["value", "numerator", "denominator"]] = [value, num, den]


def hand_tables():
    """dep:93, 2013, all types: 100 sortants = 5 retrait + 10 inconnue + 15 too short + 70
    sorties examinées (21 emploi durable, 14 emploi de transition, 7 sorties positives, 28
    autres: 30 %, 20 %, 10 %, 40 %, sorties dynamiques 42 = 60 %; 52 % in 2012), AF objective
    55 %, 9.4 months on average (median 8); 400 embauches (320 in 2012), 380 entrants (400 in
    2012), 150 renewals; 1 000 salariés, 450 on average a month, 480 in December; entrants:
    50 % women (salariés 42 %), 30 % under 26 (salariés 20 %), 20 % aged 50+ (salariés
    25 %)."""
    ind, quality, siae = build_tables()
    s = lambda *a, **k: _set(ind, *a, **k)  # noqa: E731
    s("sortants", "93", 2013, "ALL", 100.0)
    s("sorties_examinees", "93", 2013, "ALL", 70.0)
    for cat, n in (
        ("emploi_durable", 21),
        ("emploi_transition", 14),
        ("sorties_positives", 7),
        ("autres_sorties", 43),
        ("retrait", 5),
        ("inconnue", 10),
    ):
        s("exits_by_category", "93", 2013, "ALL", float(n), cat)
    for cat, n in (
        ("emploi_durable", 21),
        ("emploi_transition", 14),
        ("sorties_positives", 7),
        ("autres_sorties", 28),
        ("sorties_dynamiques", 42),
    ):
        s("exit_rate", "93", 2013, "ALL", n / 70, cat, float(n), 70.0)
    s("exit_rate", "93", 2012, "ALL", 0.52, "sorties_dynamiques", 52.0, 100.0)
    s("exit_rate_objective", "93", 2013, "ALL", 0.55, "sorties_dynamiques")
    s("duree_parcours_mois_mean", "93", 2013, "ALL", 9.4)
    s("duree_parcours_mois_median", "93", 2013, "ALL", 8.0)
    for ind_name, y, v in (
        ("embauches", 2013, 400),
        ("embauches", 2012, 320),
        ("entrants", 2013, 380),
        ("entrants", 2012, 400),
        ("renouvellements", 2013, 150),
        ("salaries", 2013, 1000),
        ("salaries_moyenne_mensuelle", 2013, 450),
        ("presents_fin_annee", 2013, 480),
    ):
        s(ind_name, "93", y, "ALL", float(v))
    for key, mine, all_ in (("women", 190, 420), ("under_26", 114, 200), ("age_50_plus", 76, 250)):
        s("public_share_entrants", "93", 2013, "ALL", mine / 380, key, float(mine), 380.0)
        s("public_share", "93", 2013, "ALL", all_ / 1000, key, float(all_), 1000.0)
    return ind, quality, siae


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("parcours") / "processed", tables=hand_tables())


@pytest.fixture(scope="module")
def dep(proc):
    return context.build_context("dep:93", 2013, str(proc), "")


def _cells(html: str, label: str, nth: int = 0) -> list[str]:
    """The cells of the ``nth`` table row whose header is ``label``."""
    found = list(re.finditer(rf'<th scope="row"[^>]*>{re.escape(label)}</th>', html))
    row = html[found[nth].start() :].split("</tr>")[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", row)


def _text(html: str) -> str:
    """The sentences of the section (paragraphs), unescaped."""
    return " ".join(_unescape(p) for p in re.findall(r"<p>(.*?)</p>", html))


def test_flows_by_type_with_their_change_and_the_monthly_average(dep):
    html = sections.show_flows(dep).data
    # Ensemble: 400 hirings (+25 % on 320), 380 entrants (-5 % on 400), 150 renewals
    assert _cells(html, "Ensemble", 0) == ["400", f"+25{NB}%", "380", f"-5{NB}%", "150"]
    # 1 000 salariés, 450 a month on average (45 %), 480 in December
    assert _cells(html, "Ensemble", 1) == [f"1{NB}000", "450", f"45{NB}%", "480"]
    text = _text(html)
    assert (
        "En 2013, les SIAE ont signé 400 contrats initiaux (embauches) avec 380 personnes "
        f"(entrants), un nombre en hausse de 25{NB}% sur 2012." in text
    )
    assert "Par ailleurs, 150 contrats ont été renouvelés dans l'année." in text
    assert (
        f"Chaque mois, 450 salariés en moyenne étaient en poste, soit 45{NB}% des 1{NB}000 "
        "salariés de l'année ; 480 l'étaient en décembre." in text
    )


def test_profile_of_the_entrants_against_all_salaries_and_the_region(dep):
    html = sections.show_entrants_profile(dep).data
    # women: 190 / 380 = 50 % against 420 / 1 000 = 42 %: +8 points
    assert _cells(html, "Femmes")[:3] == [f"50{NB}%", f"42{NB}%", f"+8{NB}points"]
    assert _cells(html, "Moins de 26 ans")[:3] == [f"30{NB}%", f"20{NB}%", f"+10{NB}points"]
    assert _cells(html, "50 ans et plus")[:3] == [f"20{NB}%", f"25{NB}%", f"-5{NB}points"]
    text = _text(html)
    # the largest gaps: under 26 (+10) and 50+ (-5)
    assert (
        "Les entrants de 2013 comptent davantage de jeunes de moins de 26 ans que l'ensemble "
        f"des salariés (30{NB}% contre 20{NB}%) et moins de personnes de 50 ans ou plus "
        f"(20{NB}% contre 25{NB}%)." in text
    )
    assert "Entrants de la région Île-de-France" in html
    region_women = dep.value("public_share_entrants", 2013, "ALL", "women", dep.parent())
    assert _cells(html, "Femmes")[3] == fmt_pct(region_women)
    assert "Les entrants du département comptent davantage de " in text


def test_exits_by_category_rates_objective_and_length(dep):
    html = sections.show_exits(dep).data
    # 100 sortants: 5 retrait, 10 inconnue, 100 - 70 - 5 - 10 = 15 too short, 70 examined
    assert _cells(html, "Ensemble", 0) == ["100", "5", "10", "15", "70"]
    assert _cells(html, "Emploi durable") == ["21", f"30{NB}%"]
    assert _cells(html, "Autres sorties") == ["43", f"40{NB}%"]  # 28 examined of 70
    assert _cells(html, "dont sorties dynamiques") == ["", f"60{NB}%"]
    assert _cells(html, "Ensemble des sortants") == ["100", "–"]
    assert _cells(html, "dont sorties examinées") == ["70", f"100{NB}%"]
    # the chart's data: the shares of all types together
    main, data, rates = html.split('<details class="chart-data">')
    assert "<img alt=" in main and "sorties dynamiques : 60" in main
    assert _cells(data, "Ensemble") == [f"30{NB}%", f"20{NB}%", f"10{NB}%", f"40{NB}%", "70"]
    # rates: 60 % (+8 points on 52 %), objective 55 % (+5 points), 30 % emploi durable
    rate_row = _cells(data, "Ensemble", 1)
    assert rate_row == [
        "70",
        f"60{NB}%",
        f"+8{NB}points",
        f"55{NB}%",
        f"+5{NB}points",
        f"30{NB}%",
    ]
    # the rate chart's data, then the lengths
    assert _cells(rates, "Ensemble", 0) == [f"60{NB}%", f"55{NB}%"]
    assert "ensemble : 60" in data and "pour un objectif de 55" in data  # its alt text
    assert _cells(rates, "Ensemble", 1) == ["70", "9,4", "8,0"]
    text = _text(html)
    assert (
        "En 2013, 100 parcours en SIAE se sont terminés, dont 70 sorties examinées au sens de "
        "l'ASP ; sont écartés des sorties examinées : 5 retraits des sorties constatées, 10 "
        "sorties de catégorie inconnue et 15 parcours trop courts pour la règle de l'ASP."
    ) in text
    assert (
        f"Les sorties dynamiques représentent 60{NB}% des sorties examinées (+8{NB}points sur "
        f"2012), 5{NB}points au-dessus de l'objectif de 55{NB}% inscrit dans les annexes "
        "financières."
    ) in text
    assert f"Les autres sorties sont la première catégorie de sortie (40{NB}%" in text
    assert "Les parcours examinés ont duré 9,4 mois en moyenne (médiane : 8,0 mois)." in text


def test_the_section_tables_go_to_the_workbook(dep):
    """tables_export reads the rendered tables: every table of the section, with its
    caption, the chart's data included."""
    html = "".join(
        f(dep).data
        for f in (
            sections.show_flows,
            sections.show_entrants_profile,
            sections.show_exits,
            sections.show_exits_by_territory,
        )
    )
    tables = tables_export.tables_from_html(html)
    assert len(tables) == html.count('<table class="iae')
    captions = [t.caption for t in tables]
    for caption in (
        "Embauches, entrants et renouvellements de contrat par type de SIAE, 2013",
        "Sortants et sorties examinées par type de SIAE, 2013",
        f"Données du graphique : sorties examinées par catégorie et type de SIAE, en{NB}%, 2013",
        "Durée des parcours des sorties examinées, en mois, 2013",
        "Sorties du département comparées à la région, 2013",
    ):
        assert caption in captions, caption


def test_region_by_departement_and_departement_against_region(proc, dep):
    reg = context.build_context("region:11", 2013, str(proc), "")
    html = sections.show_exits_by_territory(reg).data
    assert _cells(html, "Seine-Saint-Denis (93)")[:4] == ["100", "70", f"60{NB}%", f"55{NB}%"]
    rates = {
        d.code: reg.value("exit_rate", 2013, "ALL", "sorties_dynamiques", d)
        for d in reg.sub_territories()
    }
    lo = min(rates, key=rates.get)
    assert max(rates, key=rates.get) == "93"  # 60 % against 56 to 58 % elsewhere
    assert (
        f"Le taux de sorties dynamiques va de {fmt_pct(rates[lo])} "
        f"({reg.sub_territories()[list(rates).index(lo)].name}, {lo}) à 60{NB}% "
        "(Seine-Saint-Denis, 93)."
    ) in _text(html)
    html = sections.show_exits_by_territory(dep).data
    parent = dep.parent()
    region = dep.value("exit_rate", 2013, "ALL", "sorties_dynamiques", parent)
    gap = fmt_points(0.6 - region)
    assert _cells(html, "Sorties dynamiques") == [f"60{NB}%", fmt_pct(region), gap]
    assert (
        f"Le taux de sorties dynamiques du département (60{NB}%) est supérieur de "
        f"{gap.lstrip('+')} à celui de la région ({fmt_pct(region)})"
    ) in _text(html)


def test_secret_exits_are_s_left_out_of_the_chart_and_of_the_sentences(tmp_path):
    """The EITI of the 93 have 3 sortants, all examined (emploi durable): their counts and
    rates are hidden (primary); no sentence ranks the types, the EITI bar is left out."""
    ind, quality, siae = hand_tables()
    s = lambda *a, **k: _set(ind, *a, **k)  # noqa: E731
    s("sortants", "93", 2013, "EITI", 3.0)
    s("sorties_examinees", "93", 2013, "EITI", 3.0)
    for cat in ("emploi_durable", "emploi_transition", "sorties_positives", "autres_sorties"):
        s("exits_by_category", "93", 2013, "EITI", 3.0 if cat == "emploi_durable" else 0.0, cat)
        n = 3.0 if cat == "emploi_durable" else 0.0
        s("exit_rate", "93", 2013, "EITI", n / 3, cat, n, 3.0)
    s("exits_by_category", "93", 2013, "EITI", 0.0, "retrait")
    s("exits_by_category", "93", 2013, "EITI", 0.0, "inconnue")
    s("exit_rate", "93", 2013, "EITI", 1.0, "sorties_dynamiques", 3.0, 3.0)
    out = write_processed(tmp_path / "processed", tables=(ind, quality, siae))
    ctx = context.build_context("dep:93", 2013, str(out), "")
    hidden = ctx.decision.hidden
    assert hidden[("sortants", "dep", "93", 2013, "EITI", "")] == "primary"
    assert hidden[("exit_rate", "dep", "93", 2013, "EITI", "sorties_dynamiques")] == "primary"
    html = sections.show_exits(ctx).data
    assert _cells(html, "EITI", 0)[0] == "s" and _cells(html, "EITI", 0)[-1] == "s"
    main, data, rates = html.split('<details class="chart-data">')
    assert _cells(data, "EITI") == ["s"] * 5
    # the EI (the smallest other type) go with them (secondary): both bars are left out
    assert hidden[("sortants", "dep", "93", 2013, "EI", "")] == "secondary"
    assert hidden[("exit_rate", "dep", "93", 2013, "EI", "sorties_dynamiques")] == "secondary"
    assert "Absents du graphique (secret statistique) : EI et EITI." in data
    assert "s : secret statistique" in html
    text = _text(html)
    assert "va de" not in text and f"100{NB}%" not in text  # never the hidden EITI rate
    # the rate table of the types: hidden cells are s, the others published
    assert _cells(data, "EITI", 1)[:2] == ["s", "s"]
    assert _cells(rates, "EITI")[0] == "s"
    assert "Absents du graphique (secret statistique) : EI et EITI." in rates
    assert _cells(data, "ACI", 1)[:2] == [
        fmt_int(ctx.value("sorties_examinees", 2013, "ACI")),
        fmt_pct(ctx.value("exit_rate", 2013, "ACI", "sorties_dynamiques")),
    ]


def test_the_hors_regle_difference_of_1_to_4_persons_is_secret(dep):
    ctx = dep
    ctx_values = dict(ctx._values)
    key = ("sorties_examinees", "dep", "93", 2013, "ALL", "")
    ctx._values[key] = 82.0  # 100 - 82 - 5 - 10 = 3 too short
    try:
        assert parcours._left_by_rule(ctx, "ALL") == "s"
        ctx._values[key] = 85.0  # 0: published
        assert parcours._left_by_rule(ctx, "ALL") == 0.0
    finally:
        ctx._values = ctx_values


def test_exits_without_reference_tables_say_the_categories_are_unknown(tmp_path):
    """The default extract without RefMotifSort/RefCategorieSort: every exit is of unknown
    category, none is examined; the section says so and why, with no chart and no rate."""
    ind, quality, siae = build_tables()
    exits = ind["indicator"].isin(["exits_by_category", "exit_rate", "sorties_examinees"])
    ind.loc[exits & (ind["indicator"] != "exit_rate"), "value"] = 0.0
    ind.loc[ind["indicator"] == "exit_rate", ["value", "numerator", "denominator"]] = [
        float("nan"),
        0.0,
        0.0,
    ]
    unknown = (ind["indicator"] == "exits_by_category") & (ind["breakdown"] == "inconnue")
    sortants = ind.loc[ind["indicator"] == "sortants"].set_index(
        ["territory_level", "territory_code", "year", "type_siae"]
    )["value"]
    keys = pd.MultiIndex.from_frame(
        ind.loc[unknown, ["territory_level", "territory_code", "year", "type_siae"]]
    )
    ind.loc[unknown, "value"] = sortants.reindex(keys).to_numpy()
    for c in ("duree_parcours_mois_mean", "duree_parcours_mois_median", "exit_rate_objective"):
        ind = ind.loc[ind["indicator"] != c]
    out = write_processed(tmp_path / "processed", tables=(ind, quality, siae))
    ctx = context.build_context("dep:93", 2013, str(out), "")
    html = sections.show_exits(ctx).data
    sortants_93 = ctx.value("sortants", 2013)
    # all sortants of unknown category, none too short, none examined
    total = fmt_int(sortants_93)
    assert _cells(html, "Ensemble") == [total, "0", total, "0", "0"]
    text = _text(html)
    assert (
        "Les tables de référence des motifs et des catégories de sortie "
        "(fluxIAE_RefMotifSort et fluxIAE_RefCategorieSort) sont absentes de l'extraction"
    ) in text
    assert "aucun n'est une sortie examinée au sens de l'ASP" in text
    assert "<img" not in html and "Taux de sorties dynamiques" not in html
    terr = _unescape(sections.show_exits_by_territory(ctx).data)
    assert "Aucune sortie n'est examinée en 2013 dans le département ni dans la région" in terr
    reg = context.build_context("region:11", 2013, str(out), "")
    by_dep = sections.show_exits_by_territory(reg).data
    assert "Taux de sorties dynamiques" not in by_dep
    assert _cells(by_dep, "Seine-Saint-Denis (93)") == [total, "0", total]
    assert "Aucune sortie n&#x27;est examinée en 2013 dans la région" in by_dep


def test_an_indicator_table_without_flows_says_so(tmp_path):
    """An indicator table older than issue 10 (no flow or exit indicator): every part of the
    section says that the indicators must be computed again."""
    ind, quality, siae = build_tables()
    old = ~ind["indicator"].isin(
        [
            "embauches",
            "entrants",
            "renouvellements",
            "salaries_moyenne_mensuelle",
            "presents_fin_annee",
            "public_share_entrants",
            "sortants",
            "sorties_examinees",
            "exits_by_category",
            "exit_rate",
            "exit_rate_objective",
            "duree_parcours_mois_mean",
            "duree_parcours_mois_median",
        ]
    )
    out = write_processed(tmp_path / "processed", tables=(ind.loc[old], quality, siae))
    ctx = context.build_context("region:11", 2013, str(out), "")
    for show in (
        sections.show_flows,
        sections.show_entrants_profile,
        sections.show_exits,
        sections.show_exits_by_territory,
    ):
        html = show(ctx).data
        assert "relancer « iae-diag indicators »" in html, show.__name__
        assert "<table" not in html


def test_no_parcours_ended_in_the_year(dep):
    ctx_values = dict(dep._values)
    dep._values[("sortants", "dep", "93", 2013, "ALL", "")] = 0.0
    try:
        html = sections.show_exits(dep).data
    finally:
        dep._values = ctx_values
    assert "Aucun parcours en SIAE ne s&#x27;est terminé en 2013." in html
    assert "<table" not in html


# sentences on plain values ----------------------------------------------------------------


def test_exits_paragraph_never_ranks_or_says_a_missing_value():
    f = {
        "sortants": 50,
        "examinees": 40,
        "retrait": None,  # hidden
        "inconnue": 0,
        "hors_regle": None,
        "rates": {"emploi_durable": 0.25, "emploi_transition": 0.4, "sorties_dynamiques": 0.7},
        "objective": 0.72,
        "dynamic_by_type": {"ACI": 0.6, "EI": 0.8, "AI": None},
        "duree_mean": None,
    }
    text = narrative.exits_paragraph(2013, f, prev_dynamic=None)
    assert text == (
        "En 2013, 50 parcours en SIAE se sont terminés, dont 40 sorties examinées au sens de "
        f"l'ASP. Les sorties dynamiques représentent 70{NB}% des sorties examinées, 2{NB}points "
        f"en dessous de l'objectif de 72{NB}% inscrit dans les annexes financières. L'emploi "
        f"de transition est la première catégorie de sortie (40{NB}% des sorties examinées). "
        f"Le taux de sorties dynamiques va de 60{NB}% dans les ACI à 80{NB}% dans les EI."
    )
    assert narrative.exits_paragraph(2013, {"sortants": 0}) == (
        "Aucun parcours en SIAE ne s'est terminé en 2013."
    )
    assert narrative.exits_paragraph(2013, {"sortants": None, "examinees": None}) == (
        "Données non disponibles : les sorties ne sont pas publiées en 2013."
    )


def test_profile_sentence_close_profiles_and_flows_without_previous_year():
    close = narrative.profile_gap_sentence(
        "les entrants du département",
        "ceux de la région",
        {"women": 0.401, "rsa": 0.3},
        {"women": 0.395, "rsa": None},
    )
    assert close == (
        "Les entrants du département et ceux de la région ont des profils très proches : "
        "aucun écart d'un point ou plus sur les publics suivis."
    )
    assert narrative.flows_paragraph(
        2013,
        {"embauches": 10, "entrants": None, "renouvellements": None},
        None,
        {"ACI": 6, "EI": 4},
    ) == (
        f"En 2013, les SIAE ont signé 10 contrats initiaux (embauches). Les ACI réalisent "
        f"60{NB}% des embauches."
    )


def test_the_methodology_page_explains_the_section():
    from iae_diag.indicators import methodology_markdown

    text = methodology_markdown()
    assert text.count("### Embauches, parcours et sorties") == 1  # one section, no duplicate
    for words in ("« Parcours et sorties »", "hors règle de durée", "points de pourcentage"):
        assert words in text, words


def test_exit_charts_draw_their_bars_and_refuse_an_empty_frame():
    from iae_diag import plots

    df = pd.DataFrame(
        {
            "type_siae": ["ALL", "ALL", "ACI"],
            "category": ["emploi_durable", "autres_sorties", "emploi_durable"],
            "label": ["Emploi durable", "Autres sorties", "Emploi durable"],
            "share": [0.3, 0.7, 1.0],
        }
    )
    fig = plots.exit_categories_by_type(df, 2013, "Source")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Ensemble", "ACI"]
    widths = sorted(round(p.get_width(), 3) for p in ax.patches)
    assert widths == [0.0, 0.3, 0.7, 1.0]  # ACI has no "autres sorties": an empty piece
    rates = pd.DataFrame(
        {"type_siae": ["AI", "ALL"], "rate": [0.5, 0.6], "objective": [float("nan"), 0.55]}
    )
    fig = plots.exit_rate_by_type(rates, 2013, "Source")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Ensemble", "AI"]
    assert [round(p.get_width(), 3) for p in ax.patches] == [0.6, 0.5]
    [marks] = ax.collections
    assert marks.get_offsets().tolist() == [[0.55, 0.0]]  # the objective of the Ensemble only
    with pytest.raises(ValueError, match="no data to draw"):
        plots.exit_categories_by_type(df.iloc[0:0], 2013, "Source")
    with pytest.raises(ValueError, match="no data to draw"):
        plots.exit_rate_by_type(rates.assign(rate=float("nan")), 2013, "Source")


def test_exits_through_real_format_files(tmp_path):
    """tests/test_secrecy.py's extract (with the two reference tables): 6 ACI exits in the 93
    (emploi durable), 7 EI exits in the 75 (5 emploi durable, 2 emploi de transition), 2 AI
    exits in the 94 (emploi durable), each parcours from 01/01 to 30/06/2013 (180 days, 5.9
    months) with 200 hours: every exit examined. Region: 15 sortants; the 2 emploi de
    transition are hidden (primary), the 13 emploi durable with them (secondary), and so is
    every figure they could be recovered from: the rate 13 / 15 too, since every exit was
    examined."""
    from tests.indicators_helpers import processed

    from iae_diag.indicators import write_tables
    from test_secrecy import exits_dataset

    processed(exits_dataset(), tmp_path)
    write_tables(tmp_path / "processed")
    reg = context.build_context("region:11", 2013, str(tmp_path / "processed"), "")
    html = sections.show_exits(reg).data
    assert _cells(html, "EI") == ["7", "0", "0", "0", "7"]
    assert _cells(html, "Ensemble") == ["15", "0", "0", "0", "15"]
    assert _cells(html, "ACI")[0] == "s" and _cells(html, "AI")[0] == "s"  # 6 with 2 in the AI
    assert _cells(html, "Emploi durable") == ["s", "s"]
    assert _cells(html, "Emploi de transition") == ["s", "s"]
    assert _cells(html, "dont sorties examinées") == ["15", f"100{NB}%"]
    assert "13" not in re.findall(r"<td[^>]*>(.*?)</td>", html)  # never the hidden count
    text = _text(html)
    assert "En 2013, 15 parcours en SIAE se sont terminés, dont 15 sorties examinées" in text
    assert f"87{NB}%" not in text
    assert "5,9 mois en moyenne" in text
    dep = context.build_context("dep:75", 2013, str(tmp_path / "processed"), "")
    html = sections.show_exits(dep).data
    # 7 EI exits: sorties dynamiques 7 / 7; the split 5 / 2 is secret
    assert _cells(html, "dont sorties dynamiques") == ["", f"100{NB}%"]
    assert _cells(html, "Emploi durable") == ["s", "s"]
    assert f"71{NB}%" not in html and f"29{NB}%" not in html
