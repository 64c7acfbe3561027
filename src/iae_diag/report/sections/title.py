"""The cover of the document: title, territory, year, issuing service, dates, data status,
diffusion level (the first page of the PDF, the top of the HTML), and the place of the table
of contents (filled in by :func:`iae_diag.report.contents.add_contents` when the page is
rendered)."""

from __future__ import annotations

from IPython.display import HTML

from iae_diag import secrecy
from iae_diag.report import identity
from iae_diag.report.contents import CONTENTS_PLACEHOLDER
from iae_diag.report.context import RESTRICTED_MARK, ReportContext, extract_date
from iae_diag.report.html import esc, section


def cover_name(ctx: ReportContext) -> str:
    """The territory as the cover names it: ``Département de la Seine-Saint-Denis (93)``,
    ``Département des Yvelines (78)``, ``Région Île-de-France``."""
    t = ctx.territory
    if t.level == "dep":
        return f"Département {t.of_name()} ({t.code})"
    return t.title_name()


def cover_facts(ctx: ReportContext) -> list[tuple[str, str]]:
    """The (label, value) lines of the cover, in French."""
    stamp = extract_date(ctx.manifest)
    facts = [("Service émetteur", ctx.service)]
    if ctx.publication_date:
        facts.append(("Date de publication", identity.date_fr(ctx.publication_date)))
    facts.append(
        (
            "Données",
            "ASP, fichiers fluxIAE"
            + (f", extraction du {stamp}" if stamp else "")
            + f" ; années couvertes : {ctx.years[0]} à {ctx.years[-1]}",
        )
    )
    status = ctx.data_status
    facts.append(
        ("Statut des données", identity.DATA_STATUS_WORDS.get(status or "", "non renseigné"))
    )
    facts.append(("Niveau de diffusion", identity.DIFFUSION_WORDS[ctx.diffusion]))
    return facts


def show_title(ctx: ReportContext) -> HTML:
    """The cover: banners (synthetic data, restricted diffusion), title, territory, year,
    issuing service, publication date, data extraction, data status, diffusion level; then the
    place of the table of contents."""
    marks = []
    synthetic = identity.status_mark(ctx.data_status)
    if synthetic:
        marks.append(("status-banner", synthetic))
    if ctx.diffusion == secrecy.INTERNE:
        marks.append(("diffusion-banner", RESTRICTED_MARK))
    banners = [f'<p class="{cls}">{esc(text)}</p>' for cls, text in marks]
    # the same words in the footer of every PDF page (a running element, see report.css)
    footer = (
        [f'<p class="diffusion-footer">{esc(" · ".join(text for _, text in marks))}</p>']
        if marks
        else []
    )
    facts = "".join(
        f'<tr><th scope="row">{esc(label)}</th><td>{esc(value)}</td></tr>'
        for label, value in cover_facts(ctx)
    )
    return section(
        [
            *banners,
            *footer,
            '<header class="cover title-block">',
            "<h1>Diagnostic de l'insertion par l'activité économique</h1>",
            f'<p class="subtitle">{esc(cover_name(ctx))}</p>',
            f'<p class="cover-year">Année {ctx.year}</p>',
            '<table class="cover-facts"><caption class="visually-hidden">Identité du document'
            f"</caption><tbody>{facts}</tbody></table>",
            "</header>",
            CONTENTS_PLACEHOLDER,
        ]
    )
