"""The report sections rendered in-process (no kernel) on the contract table: sections without
data say so in a sentence, parameters are validated, data text is escaped."""

import importlib.util

import pytest

from iae_diag import context
from iae_diag.errors import ParameterError
from report_helpers import write_processed

NB = "\u00a0"


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    return write_processed(tmp_path_factory.mktemp("sections") / "processed")


def test_year_zero_is_the_latest_and_unknown_year_fails(proc):
    assert context.build_context("region:11", 0, str(proc), "").year == 2013
    with pytest.raises(ParameterError, match=r"Year 2020 is not in the data .* 2011, 2012, 2013"):
        context.build_context("dep:93", 2020, str(proc), "")
    with pytest.raises(ParameterError, match="No indicator for Bouches-du-Rhône"):
        context.build_context("dep:13", 2013, str(proc), "")


def test_first_year_sections_say_there_is_no_change(proc):
    ctx = context.build_context("dep:93", 2011, str(proc), "")
    assert ctx.previous_key_figures is None
    kf = context.show_key_figures(ctx).data
    assert "L&#x27;année 2010 n&#x27;est pas couverte par les données" in kf
    assert "<th>Évolution</th>" not in kf
    evo = context.show_structures_evolution(ctx).data
    assert "Les données ne couvrent que 2011 : pas de courbe d&#x27;évolution." in evo
    assert "data:image/png" not in evo  # never an empty chart
    sec = context.show_sectors_change(ctx).data
    assert "Les données ne couvrent que 2011" in sec


def test_departement_against_region_and_region_by_departement(proc):
    dep = context.build_context("dep:93", 2013, str(proc), "")
    pub = context.show_publics_by_territory(dep).data
    assert "Région Île-de-France" in pub and "Écart" in pub
    reg = context.build_context("region:11", 2013, str(proc), "")
    pub = context.show_publics_by_territory(reg).data
    assert "<th>75</th>" in pub and "<th>95</th>" in pub
    terr = context.show_territories(reg).data
    assert "Seine-Saint-Denis (93)" in terr and "Ensemble de la région" in terr


def test_missing_optional_inputs_are_said(proc, monkeypatch):
    ctx = context.build_context("dep:93", 2013, str(proc), "")
    ctx.quality = None
    assert "quality.parquet) est absent" in context.show_quality(ctx).data
    real = importlib.util.find_spec

    def no_maps(name, *a, **k):
        return None if name == "iae_diag.maps" else real(name, *a, **k)

    monkeypatch.setattr(context.importlib.util, "find_spec", no_maps)
    assert "Les cartes ne sont pas disponibles" in context.show_maps(ctx).data


def test_sector_labels_are_escaped(proc):
    ctx = context.build_context("region:11", 2013, str(proc), "")
    ctx.sectors.loc[ctx.sectors["sector_code"] == "autres", "label_fr"] = "Autres <b>&</b>"
    html = context.show_sectors(ctx).data
    assert "Autres &lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>&</b>" not in html


def test_provenance_lists_files_checksums_and_parameters(proc):
    ctx = context.build_context("region:11", 0, str(proc), "")
    html = context.show_provenance(ctx).data
    assert "fluxIAE_Salarie_15012014_060000.csv.gz" in html
    assert "3" * 64 in html  # sha256 of the 4th table of the contract manifest
    assert "2013 (dernière année des données)" in html
    assert "iae-diag 0.1.0 (révision git" in html
