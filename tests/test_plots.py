"""House-style figures: a Figure is returned (never shown), titles state unit and year,
French formats on labels, the source line, fixed colours per type; empty data is an error."""

import matplotlib
import matplotlib.colors
import matplotlib.patches
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from iae_diag import plots

NB = "\u00a0"
SRC = plots.source_line("15/01/2014")


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_source_line():
    assert SRC == f"Source{NB}: ASP, fluxIAE (extraction du 15/01/2014){NB}; traitement iae-diag"
    assert plots.source_line(None) == f"Source{NB}: ASP, fluxIAE{NB}; traitement iae-diag"


def test_shares_by_type_leaves_a_secret_share_out():
    df = pd.DataFrame(
        {
            "type_siae": ["ACI", "EITI"],
            "salaries_share": [0.25, float("nan")],
            "etp_share": [0.6, 0.4],
        }
    )
    fig = plots.shares_by_type(df, 2013, SRC)
    t = texts(fig)
    assert "s" in t and f"25{NB}%" in t and f"40{NB}%" in t
    ax = fig.axes[0]
    widths = [b.get_width() for b in ax.patches]
    assert widths[:2] == [0.25, 0.0]  # salariés: the EITI bar is not drawn
    plt.close(fig)


def test_shares_by_type():
    df = pd.DataFrame(
        {
            "type_siae": ["AI", "ACI", "EI"],
            "salaries_share": [0.55, 0.25, 0.2],
            "etp_share": [0.32, 0.4, 0.28],
        }
    )
    fig = plots.shares_by_type(df, 2013, SRC)
    assert isinstance(fig, Figure)
    t = texts(fig)
    assert "Salariés et ETP d'insertion par type de SIAE, en % du total, 2013" in t
    assert SRC in t
    assert f"55{NB}%" in t and f"32{NB}%" in t
    ax = fig.axes[0]
    assert [lab.get_text() for lab in ax.get_yticklabels()] == ["ACI", "AI", "EI"]
    # bars of a type carry the type's colour
    first = ax.patches[0]
    assert first.get_facecolor()[:3] == pytest.approx(
        tuple(int(plots.TYPE_COLORS["ACI"][i : i + 2], 16) / 255 for i in (1, 3, 5))
    )
    plt.close(fig)


def test_etp_conventionnes_realises_rates_and_int_axis():
    df = pd.DataFrame(
        {
            "type_siae": ["ACI", "AI"],
            "etp_conventionnes": [2000.0, 1000.0],
            "etp_realises": [1900.0, 1100.0],
        }
    )
    fig = plots.etp_conventionnes_realises(df, 2012, SRC)
    t = texts(fig)
    assert "ETP conventionnés et réalisés par type de SIAE, en ETP, 2012" in t
    assert f"95{NB}%" in t and f"110{NB}%" in t
    fig.canvas.draw()
    ticks = [lab.get_text() for lab in fig.axes[0].get_yticklabels()]
    assert f"2{NB}000" in ticks
    plt.close(fig)


def test_structures_over_time():
    df = pd.DataFrame(
        {
            "year": [2011, 2012, 2013] * 2,
            "type_siae": ["ACI"] * 3 + ["ETTI"] * 3,
            "structures": [10, 12, 13, 2, 3, 3],
        }
    )
    fig = plots.structures_over_time(df, SRC)
    assert "Nombre de SIAE par type, en nombre de structures, 2011-2013" in texts(fig)
    lines = fig.axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == ["ACI", "ETTI"]
    assert list(lines[0].get_ydata()) == [10, 12, 13]
    plt.close(fig)


def test_publics_and_sectors():
    pub = pd.DataFrame({"label": ["Femmes", "RSA"], "share": [0.42, None]})
    fig = plots.publics_shares(pub, 2013, SRC)
    assert len(fig.axes[0].patches) == 1  # the missing share is not drawn as 0
    assert f"42{NB}%" in texts(fig)
    plt.close(fig)
    over = pd.DataFrame(
        {
            "year": [2012, 2013, 2012, 2013],
            "label": ["F", "F", "R", "R"],
            "share": [0.4, 0.42, 0.3, 0.33],
        }
    )
    fig = plots.publics_over_time(over, SRC)
    # the title says how many publics are drawn; each line has its own colour and marker
    assert "Évolution de 2 publics, en % des salariés en insertion, 2012-2013" in texts(fig)
    lines = fig.axes[0].get_lines()
    assert len({ln.get_color() for ln in lines}) == 2
    assert len({ln.get_marker() for ln in lines}) == 2
    plt.close(fig)
    sec = pd.DataFrame(
        {
            "type_siae": ["ALL", "ALL", "AI", "AI"],
            "label": ["BTP", "Nettoyage", "BTP", "Nettoyage"],
            "share": [0.6, 0.4, 0.1, 0.9],
        }
    )
    fig = plots.sector_shares_by_type(sec, 2013, SRC)
    t = texts(fig)
    assert "Répartition des heures travaillées par secteur, en % des heures, 2013" in t
    assert f"60{NB}%" in t and f"90{NB}%" in t
    # value labels read on their segment: dark text on a light colour, white on a dark one
    fig2 = plots.sector_shares_by_type(sec, 2013, SRC, {"BTP": "#e9c46a", "Nettoyage": "#1b4965"})
    colours = {tx.get_text(): tx.get_color() for tx in fig2.axes[0].texts}
    assert colours[f"60{NB}%"] == "black" and colours[f"40{NB}%"] == "white"
    plt.close(fig2)
    assert [lab.get_text() for lab in fig.axes[0].get_yticklabels()] == ["Ensemble", "AI"]
    plt.close(fig)


@pytest.mark.parametrize(
    ("func", "cols"),
    [
        (plots.shares_by_type, ["type_siae", "salaries_share", "etp_share"]),
        (plots.publics_shares, ["label", "share"]),
    ],
)
def test_empty_frame_is_an_error_not_an_empty_chart(func, cols):
    with pytest.raises(ValueError, match="no data"):
        func(pd.DataFrame(columns=cols), 2013, SRC)


def test_png_is_deterministic_and_closes_the_figure():
    df = pd.DataFrame({"label": ["Femmes"], "share": [0.42]})
    a = plots.figure_png(plots.publics_shares(df, 2013, SRC))
    b = plots.figure_png(plots.publics_shares(df, 2013, SRC))
    assert a == b and a[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == []


def test_a_sector_keeps_its_colour_when_another_is_absent():
    from iae_diag.indicators.sectors import load_sectors

    reference = list(load_sectors()["label_fr"])
    colors = plots.sector_colors(reference)
    assert len(set(colors.values())) == len(reference)  # no two sectors share a colour
    sec = pd.DataFrame(  # the first sector of the reference is absent
        {"type_siae": ["ALL", "ALL"], "label": [reference[2], reference[-1]], "share": [0.3, 0.7]}
    )
    fig = plots.sector_shares_by_type(sec, 2013, SRC, colors)
    bars = fig.axes[0].patches
    hexa = tuple(int(colors[reference[2]][i : i + 2], 16) / 255 for i in (1, 3, 5))
    assert bars[0].get_facecolor()[:3] == pytest.approx(hexa)
    plt.close(fig)


def test_text_color_on_follows_luminance():
    assert plots.text_color_on("#e9c46a") == "black"  # light yellow (transport-logistique)
    assert plots.text_color_on("#1b4965") == "white"
    assert plots.text_color_on("#ffffff") == "black" and plots.text_color_on("#000000") == "white"


def test_type_legends_show_the_type_colours():
    """The legend swatches of the charts coloured by type carry the colours of the types drawn
    (reader review F15: grey swatches beside coloured bars)."""
    df = pd.DataFrame(
        {
            "type_siae": ["ACI", "AI"],
            "salaries_share": [0.6, 0.4],
            "etp_share": [0.7, 0.3],
            "etp_conventionnes": [10.0, 5.0],
            "etp_realises": [9.0, 5.5],
        }
    )
    for fig in (
        plots.shares_by_type(df, 2013, SRC),
        plots.etp_conventionnes_realises(df, 2013, SRC),
    ):
        leg = fig.axes[0].get_legend()
        faces = {
            matplotlib.colors.to_hex(p.get_facecolor())
            for p in leg.findobj(matplotlib.patches.Rectangle)
        }
        assert {plots.TYPE_COLORS["ACI"], plots.TYPE_COLORS["AI"]} <= faces
        plt.close(fig)


def test_long_legends_sit_below_the_plot():
    """Reader check of the 2013 region report: the ETP legend hid the tallest bars and the
    publics legend was cut at the right edge. Both sit below the axes, inside the figure."""
    df = pd.DataFrame(
        {
            "type_siae": ["ACI", "AI"],
            "etp_conventionnes": [2040.0, 2327.0],
            "etp_realises": [1995.0, 2280.0],
        }
    )
    long = "Demandeurs d'emploi de très longue durée (24 mois ou plus)"
    over = pd.DataFrame(
        {
            "year": [2012, 2013, 2012, 2013],
            "label": ["Femmes", "Femmes", long, long],
            "share": [0.4, 0.42, 0.4, 0.41],
        }
    )
    for fig in (
        plots.etp_conventionnes_realises(df, 2013, SRC),
        plots.publics_over_time(over, SRC),
    ):
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        ax = fig.axes[0]
        leg = ax.get_legend().get_window_extent(r)
        assert leg.y1 <= ax.get_window_extent(r).y0  # below the plot area
        assert leg.x0 >= 0 and leg.x1 <= fig.bbox.x1  # not cut at either edge
        plt.close(fig)
