""" "À retenir": right after the title, the 5 to 7 messages of the report chosen from the
figures (candidates built here from the context's published values, ranked by
:mod:`iae_diag.report.narrative.highlights`)."""

from __future__ import annotations

import math

from IPython.display import HTML

from iae_diag import differences
from iae_diag.formatting import fmt_int, fmt_pct
from iae_diag.narrative import approx_count, lower_first, subject, territory_noun
from iae_diag.report.context import ReportContext
from iae_diag.report.html import esc, note, section
from iae_diag.report.narrative import highlights as rules
from iae_diag.report.narrative import name_types, of_territory, the_name
from iae_diag.report.narrative import offer as offer_text
from iae_diag.report.narrative import publics as publics_text
from iae_diag.report.narrative import territories as territories_text
from iae_diag.report.sections.offer import realisation_outliers
from iae_diag.report.sections.sectors import UNRANKED_SECTORS
from iae_diag.vocabulary import PUBLIC_KEYS, PUBLIC_LABELS

#: a type's change in number is a candidate from this many structures (not 1 -> 2: +100 %)
TYPE_CHANGE_MIN = 3
#: the publics whose change over the years is a candidate
TREND_PUBLICS = tuple(k for k in PUBLIC_KEYS if k not in publics_text.UNRANKED_PUBLICS)
#: exit categories of the indicator ``exit_rate`` (branch of the flows indicators) quoted
EXIT_RATE = ("exit_rate", "sorties_dynamiques")


def show_highlights(ctx: ReportContext) -> HTML:
    """The "À retenir" box: one sentence per message, the year in the first."""
    messages = rules.select(candidates(ctx))
    if not messages:
        return section([note(f"Aucune donnée n'est disponible pour ce territoire en {ctx.year}.")])
    items = "".join(f"<li>{esc(m.text)}</li>" for m in messages)
    return section([f'<div class="highlights"><ul>{items}</ul></div>'])


def candidates(ctx: ReportContext) -> list[rules.Message]:
    """Every candidate message of the report (published values only)."""
    out: list[rules.Message] = []
    for build in (
        _level,
        _changes,
        _types,
        _publics,
        _territories,
        _sectors,
        _realisation,
        _thin_offer,
        _exits,
    ):
        out += build(ctx)
    return out


def _names(ctx: ReportContext) -> dict[tuple[str, str], int]:
    return name_types(ctx.geo_dir)


def _level(ctx: ReportContext) -> list[rules.Message]:
    y = ctx.year
    n, sal, etp = (ctx.value(i, y) for i in ("structures", "salaries", "etp_realises"))
    if not n:
        return []
    tncc = _names(ctx).get((ctx.territory.level, ctx.territory.code))
    who = subject(ctx.territory, tncc)
    if sal is None:
        text = (
            f"En {y}, {lower_first(territory_noun(ctx.territory, tncc))} comptait "
            f"{fmt_int(n)} SIAE ; le nombre de leurs salariés n'est pas publié (secret "
            "statistique)."
        )
    else:
        text = f"En {y}, {who} ont salarié {approx_count(sal)} personnes"
        text += f", soit {fmt_int(etp)} équivalents temps plein (ETP)," if etp is not None else ""
        text += f" dans {fmt_int(n)} structure{'s' if n > 1 else ''}."
    return [rules.Message("level", math.inf, text)]


#: indicator -> (subject, the same after "et celui")
_WHAT = {
    "structures": ("le nombre de SIAE", "des SIAE"),
    "salaries": ("le nombre de salariés en insertion", "des salariés en insertion"),
    "etp_realises": ("le nombre d'ETP réalisés", "des ETP réalisés"),
}


def _changes(ctx: ReportContext) -> list[rules.Message]:
    """Year on year (against the region's for a département), and over the whole period."""
    y, p = ctx.year, ctx.year - 1
    out = []
    parent = ctx.parent()
    if p in ctx.years:
        said: dict[tuple[str, str], tuple[list[str], float]] = {}
        for ind, what in _WHAT.items():
            d = differences.relative(ctx.value(ind, y), ctx.value(ind, p))
            if not d.known or d.stable:
                continue
            score = abs(d.value or 0.0) * 100 * rules.WEIGHT_RELATIVE
            region = ""
            if parent is not None:
                r = differences.relative(
                    ctx.value(ind, y, terr=parent), ctx.value(ind, p, terr=parent)
                )
                if r.known:
                    region = r.phrase()
                    score = abs((d.value or 0.0) - (r.value or 0.0)) * 100 * rules.WEIGHT_RELATIVE
                    score += 5 if d.sign != r.sign else 0
            # equal changes are one message ("le nombre de salariés et celui des ETP ...")
            whats, best = said.get((d.phrase(), region), ([], 0.0))
            said[(d.phrase(), region)] = ([*whats, what], max(best, score))
        for (phrase, region), (whats, score) in said.items():
            names = whats[0][0] + "".join(f" et celui {w[1]}" for w in whats[1:])
            verb = "sont" if len(whats) > 1 else "est"
            text = f"Par rapport à {p}, {names} {verb} {phrase} en {y}"
            if region:
                text += f", quand {'ceux' if len(whats) > 1 else 'celui'} de la région "
                text += f"{'sont' if len(whats) > 1 else 'est'} {region}"
            out.append(rules.Message("change", score, text + "."))
    y0 = ctx.years[0]
    if y0 < y:
        n0, n1 = ctx.value("structures", y0), ctx.value("structures", y)
        d = differences.relative(n1, n0)
        if d.known and not d.stable:
            text = offer_text.structures_evolution_sentence(
                y0, y, n0 or 0.0, n1 or 0.0, None, None
            )
            out.append(
                rules.Message("change", abs(d.value or 0.0) * 100 * rules.WEIGHT_PERIOD, text)
            )
    return out


def _types(ctx: ReportContext) -> list[rules.Message]:
    """The type employing most salariés against its share of the ETP (the AI contrast of the
    published diagnostic); the change of each type's number since the first year, and of its
    share of the SIAE (type mix)."""
    y, y0 = ctx.year, ctx.years[0]
    out = []
    shares = [
        (t, ctx.value("salaries_share", y, t), ctx.value("etp_share", y, t))
        for t in ctx.report_types
    ]
    shares = [(t, s, e) for t, s, e in shares if s is not None and e is not None]
    if len(shares) > 1:
        t, s, e = max(shares, key=lambda x: (x[1], x[0]))
        d = differences.points(e, s)
        if d.known and abs(d.value or 0.0) >= rules.CONTRAST_MIN - 1e-9:
            out.append(
                rules.Message(
                    "mix",
                    abs(d.value or 0.0) * 100 * rules.WEIGHT_CONTRAST,
                    f"En {y}, les {t} emploient {fmt_pct(s)} des salariés en insertion mais "
                    f"réalisent {fmt_pct(e)} des ETP.",
                )
            )
    if y0 >= y:
        return out
    n0_all, n_all = ctx.value("structures", y0) or 0.0, ctx.value("structures", y) or 0.0
    for t in ctx.report_types:
        a, b = ctx.value("structures", y0, t) or 0.0, ctx.value("structures", y, t) or 0.0
        cnt, rel = differences.count(b, a), differences.relative(b, a)
        if rel.known and not rel.stable and abs(cnt.value or 0) >= TYPE_CHANGE_MIN:
            out.append(
                rules.Message(
                    "types",
                    abs(rel.value or 0.0) * 100 * rules.WEIGHT_PERIOD,
                    f"Le nombre des {t} est passé de {fmt_int(a)} en {y0} à {fmt_int(b)} en {y} "
                    f"({rel.text}, {cnt.text}).",
                )
            )
        if n0_all and n_all:
            d = differences.points(b / n_all, a / n0_all)
            if d.known and not d.stable:
                out.append(
                    rules.Message(
                        "types",
                        abs(d.value or 0.0) * 100 * rules.WEIGHT_POINTS,
                        f"Les {t} représentent {fmt_pct(b / n_all)} des SIAE en {y}, contre "
                        f"{fmt_pct(a / n0_all)} en {y0} ({d.text}).",
                    )
                )
    return out


def _publics(ctx: ReportContext) -> list[rules.Message]:
    """The trend of each public since the first year; a département's gaps to its region."""
    y, y0 = ctx.year, ctx.years[0]
    years = [v for v in ctx.years if v <= y]
    out = []
    v = ctx.value("public_share", y, "ALL", "job_seeker_24m_plus")
    if v is not None:  # the public the IAE is for: a message when few others are found
        out.append(
            rules.Message(
                "publics",
                rules.LEVEL_FILL_SCORE,
                f"En {y}, {fmt_pct(v)} des salariés en insertion étaient demandeurs d'emploi "
                "depuis 24 mois ou plus lors de leur embauche.",
            )
        )
    for k in TREND_PUBLICS if y0 < y else ():
        if any(ctx.secret("public_share", yr, "ALL", k) for yr in years):
            continue
        vals = [ctx.value("public_share", yr, "ALL", k) for yr in years]
        d = differences.points(vals[-1], vals[0])
        if not d.known or d.stable:
            continue
        run = publics_text.constant_since(years, vals)
        of = publics_text.of_public(k, PUBLIC_LABELS[k])
        lead = (
            f"{'En hausse' if (d.value or 0) > 0 else 'En baisse'} constante depuis {run[0]}, la"
            if run
            else "La"
        )
        out.append(
            rules.Message(
                "publics",
                abs(d.value or 0.0) * 100 * rules.WEIGHT_POINTS,
                f"{lead} part {of} parmi les salariés en insertion s'établit à "
                f"{fmt_pct(vals[-1])} en {y} ({d.text} depuis {y0}).",
            )
        )
    parent = ctx.parent()
    if parent is not None:
        who = the_name(ctx.territory, _names(ctx).get(("dep", ctx.territory.code)))
        for k in TREND_PUBLICS:
            if ctx.secret("public_share", y, "ALL", k) or ctx.secret(
                "public_share", y, "ALL", k, parent
            ):
                continue
            a = ctx.value("public_share", y, "ALL", k)
            b = ctx.value("public_share", y, "ALL", k, parent)
            d = differences.points(a, b)
            if not d.known or abs(d.value or 0.0) < publics_text.DEP_GAP_MIN - 1e-9:
                continue
            out.append(
                rules.Message(
                    "publics",
                    abs(d.value or 0.0) * 100 * rules.WEIGHT_POINTS,
                    f"En {y}, la part {publics_text.of_public(k, PUBLIC_LABELS[k])} atteint "
                    f"{fmt_pct(a)} des salariés en insertion {of_territory_after(who)}, contre "
                    f"{fmt_pct(b)} dans la région ({d.text}).",
                )
            )
    return out


def of_territory_after(the: str) -> str:
    """``de la Seine-Saint-Denis`` from ``la Seine-Saint-Denis`` (a name with its article)."""
    if the.startswith("le "):
        return "du " + the[3:]
    if the.startswith("les "):
        return "des " + the[4:]
    return "de " + the


def _territories(ctx: ReportContext) -> list[rules.Message]:
    """Region: the département farthest from the region for a public, the départements whose
    number of SIAE did not grow, the offer per inhabitant. Département: its change in number
    of SIAE against the region's."""
    y, y0 = ctx.year, ctx.years[0]
    names = _names(ctx)
    out = []
    subs = ctx.sub_territories()
    if subs:
        named = {d.code: the_name(d, names.get(("dep", d.code))) for d in subs}
        for k in TREND_PUBLICS:
            if any(ctx.secret("public_share", y, "ALL", k, t) for t in (ctx.territory, *subs)):
                continue
            reg = ctx.value("public_share", y, "ALL", k)
            gaps = [
                (d.code, v, v - reg)
                for d in subs
                if reg is not None
                and (v := ctx.value("public_share", y, "ALL", k, terr=d)) is not None
            ]
            if not gaps:
                continue
            code, v, gap = max(gaps, key=lambda g: (abs(g[2]), g[0]))
            if abs(gap) < publics_text.PUBLIC_GAP_MIN - 1e-9:
                continue
            most = "la plus forte" if gap > 0 else "la plus faible"
            out.append(
                rules.Message(
                    "territories",
                    abs(gap) * 100 * rules.WEIGHT_POINTS,
                    f"En {y}, {named[code]} compte {most} part "
                    f"{publics_text.of_public(k, PUBLIC_LABELS[k])} : {fmt_pct(v)} de ses "
                    f"salariés en insertion, contre {fmt_pct(reg)} dans la région.",
                )
            )
        if y0 < y:
            growth = [
                (
                    named[d.code],
                    differences.count(
                        ctx.value("structures", y, terr=d) or 0,
                        ctx.value("structures", y0, terr=d) or 0,
                    ),
                )
                for d in subs
            ]
            said = territories_text.growth_sentences(y0, growth)
            exceptions = [d for _, d in growth if d.known and (d.value or 0) <= 0]
            if said:
                out.append(
                    rules.Message(
                        "territories", 12.0 if exceptions and len(exceptions) < 3 else 4.0, said[0]
                    )
                )
    parent = ctx.parent()
    if parent is not None and y0 < y:
        mine = differences.relative(ctx.value("structures", y), ctx.value("structures", y0))
        reg = differences.relative(
            ctx.value("structures", y, terr=parent), ctx.value("structures", y0, terr=parent)
        )
        s = territories_text.departement_change_sentence(
            of_territory(ctx.territory, names.get(("dep", ctx.territory.code))),
            y0,
            mine,
            reg,
            differences.count(ctx.value("structures", y), ctx.value("structures", y0)),
        )
        if s and mine.known and reg.known:
            score = abs((mine.value or 0.0) - (reg.value or 0.0)) * 100 * rules.WEIGHT_PERIOD
            out.append(rules.Message("territories", score, s))
    return out


def _sectors(ctx: ReportContext) -> list[rules.Message]:
    """The first sector of the hours, and the largest change of a type's sector share over
    four years."""
    y = ctx.year
    labels = ctx.sector_labels
    codes = [c for c in ctx.sectors["sector_code"] if c not in UNRANKED_SECTORS]
    out = []
    if not any(
        ctx.secret("hours_share_by_sector", y, "ALL", c) for c in ctx.sectors["sector_code"]
    ):
        shares = [(c, ctx.value("hours_share_by_sector", y, "ALL", c)) for c in codes]
        shares = [(c, v) for c, v in shares if v]
        if shares:
            c, v = max(shares, key=lambda cv: (cv[1], cv[0]))
            out.append(
                rules.Message(
                    "sectors",
                    v * 100 * rules.WEIGHT_SECTOR_SHARE,
                    f"En {y}, {fmt_pct(v)} des heures travaillées en insertion relèvent du "
                    f"premier secteur, {lower_first(labels[c])}.",
                )
            )
    y0 = max(ctx.years[0], y - 4)
    if y0 >= y:
        return out
    for t in ctx.report_types:
        if any(
            ctx.secret("hours_share_by_sector", yr, t, c)
            for yr in (y0, y)
            for c in ctx.sectors["sector_code"]
        ):
            continue
        if not (ctx.value("hours", y, t) and ctx.value("hours", y0, t)):
            continue
        moves = [
            (
                c,
                ctx.value("hours_share_by_sector", y, t, c) or 0.0,
                differences.points(
                    ctx.value("hours_share_by_sector", y, t, c) or 0.0,
                    ctx.value("hours_share_by_sector", y0, t, c) or 0.0,
                ),
            )
            for c in codes
        ]
        moves = [m for m in moves if m[2].known and not m[2].stable]
        if not moves:
            continue
        c, now, d = max(moves, key=lambda m: (abs(m[2].value or 0.0), m[0]))
        out.append(
            rules.Message(
                "sectors",
                abs(d.value or 0.0) * 100 * rules.WEIGHT_SECTOR_POINTS,
                f"Dans les {t}, {lower_first(labels[c])} représente {fmt_pct(now)} des heures "
                f"en {y} ({d.text} depuis {y0}).",
            )
        )
    return out


def _realisation(ctx: ReportContext) -> list[rules.Message]:
    out = []
    for who, v in realisation_outliers(ctx):
        dist = (
            v - offer_text.REALISATION_HIGH
            if v > offer_text.REALISATION_HIGH
            else offer_text.REALISATION_LOW - v
        )
        bound = (
            f"au-dessus de {fmt_pct(offer_text.REALISATION_HIGH)}"
            if v > offer_text.REALISATION_HIGH
            else f"en dessous de {fmt_pct(offer_text.REALISATION_LOW)}"
        )
        out.append(
            rules.Message(
                "realisation",
                rules.REALISATION_BASE + dist * 100,
                f"En {ctx.year}, le taux de réalisation des ETP conventionnés atteint "
                f"{fmt_pct(v)} pour {who}, {bound}.",
            )
        )
    return out


def _thin_offer(ctx: ReportContext) -> list[rules.Message]:
    if ctx.siae is None or not ctx.geo_dir:
        return []
    from iae_diag.geo.distances import THIN_OFFER_KM, thin_offer_table

    low = thin_offer_table(ctx.territory, ctx.year, ctx.siae, ctx.geo_dir)
    if isinstance(low, str) or low.empty:
        return []
    first = low.iloc[0]
    n = len(low)
    verb = "n'ont" if n > 1 else "n'a"
    return [
        rules.Message(
            "coverage",
            rules.THIN_OFFER_SCORE,
            f"En {ctx.year}, {fmt_int(n)} commune{'s' if n > 1 else ''} ayant des besoins "
            f"(foyers allocataires du RSA ou quartier prioritaire) "
            f"{verb} aucune SIAE à moins de {fmt_int(THIN_OFFER_KM)}\u00a0km"
            + (" ; la première est" if n > 1 else " :")
            + f" {first['Commune']} ({first['Département']}).",
        )
    ]


def _exits(ctx: ReportContext) -> list[rules.Message]:
    """Exits, once the indicators hold them (``exit_rate`` by category): none before."""
    v = ctx.value(EXIT_RATE[0], ctx.year, "ALL", EXIT_RATE[1])
    if v is None:
        return []
    n = ctx.value("sorties_examinees", ctx.year)
    over = f" (sur {fmt_int(n)} sorties examinées)" if n else ""
    return [
        rules.Message(
            "exits",
            rules.EXITS_SCORE,
            f"En {ctx.year}, {fmt_pct(v)} des sorties examinées{over} sont des sorties "
            "dynamiques (emploi durable, emploi de transition ou sortie positive).",
        )
    ]
