"""Every value the synthetic generator assumes (everything that is NOT a published figure).

The published figures (structure counts, salariés, ETP, shares, publics, sectors, trends) are
read from ``targets.yaml`` (``<shared>/calibration/targets.yaml``); this module holds the rest:
the values a real export would have but no publication gives, chosen to be plausible and so
that the published figures hold. Each value says what it is and why it was chosen. Nothing
else in ``iae_diag.synth`` contains a tuning number.
"""

from __future__ import annotations

from iae_diag import vocabulary

#: SIAE types generated (EITI only exists from 2020: mesure EITI_DC opened on 01/12/2019).
TYPES = vocabulary.TYPES
EITI_FIRST_YEAR = 2020

#: Annual hours of one ETP per type (``af_duree_heure_annuel_etp_valeur``); ACI/AI/EI seen in
#: real AF rows, ETTI/EITI assumed equal to the legal 1607 h.
ANNUAL_HOURS = {"ACI": 1820.0, "AI": 1607.0, "EI": 1505.0, "ETTI": 1607.0, "EITI": 1607.0}
#: Share of AF rows whose annual-hours value is left empty (exercises the type default).
ANNUAL_HOURS_MISSING_SHARE = 0.01
#: Aide au poste per ETP and year written on the AF (illustrative, EUR; not used by indicators).
AIDE_POSTE = {"ACI": 19237.0, "AI": 1326.0, "EI": 10143.0, "ETTI": 4221.0, "EITI": 0.0}

# --- structures ------------------------------------------------------------------------------

#: Île-de-France structure counts by département x type in 2007 and 2013 (ACI, AI, EI, ETTI).
#: The type totals are the published ones (targets.yaml); the split by département is an
#: assumption: an iterative proportional fit of the real 2019 list to département totals chosen
#: so that the published trend holds (every département grew except 77; 95 and 92 grew most):
#: 2007 -> 2013 totals 75: 81->86, 77: 36->34, 78: 27->30, 91: 36->40, 92: 41->54, 93: 74->80,
#: 94: 36->40, 95: 27->43.
IDF_STRUCTURES = {
    2007: {
        "75": {"ACI": 24, "AI": 19, "EI": 35, "ETTI": 3},
        "77": {"ACI": 10, "AI": 11, "EI": 13, "ETTI": 2},
        "78": {"ACI": 5, "AI": 7, "EI": 14, "ETTI": 1},
        "91": {"ACI": 14, "AI": 10, "EI": 11, "ETTI": 1},
        "92": {"ACI": 7, "AI": 11, "EI": 21, "ETTI": 2},
        "93": {"ACI": 31, "AI": 10, "EI": 30, "ETTI": 3},
        "94": {"ACI": 15, "AI": 8, "EI": 11, "ETTI": 2},
        "95": {"ACI": 8, "AI": 10, "EI": 8, "ETTI": 1},
    },
    2013: {
        "75": {"ACI": 30, "AI": 16, "EI": 35, "ETTI": 5},
        "77": {"ACI": 12, "AI": 8, "EI": 12, "ETTI": 2},
        "78": {"ACI": 7, "AI": 6, "EI": 15, "ETTI": 2},
        "91": {"ACI": 18, "AI": 9, "EI": 11, "ETTI": 2},
        "92": {"ACI": 12, "AI": 11, "EI": 28, "ETTI": 3},
        "93": {"ACI": 39, "AI": 8, "EI": 30, "ETTI": 3},
        "94": {"ACI": 19, "AI": 7, "EI": 11, "ETTI": 3},
        "95": {"ACI": 15, "AI": 13, "EI": 12, "ETTI": 3},
    },
}
#: Yearly share of SIAE closing outside the calibrated 2008-2013 Île-de-France window
#: (144 closures over 6 years for ~380 SIAE in the published data, i.e. about 6 %).
CLOSURE_RATE = 0.063
#: Share of ETTI (resp. AI) SIAE run by a structure that also holds an EI (resp. ACI)
#: convention in the same département: two SIAE, one structure_id_siae.
SHARED_STRUCTURE_SHARE = {"ETTI": 0.30, "AI": 0.08}
#: Share of ACI (resp. EI) SIAE whose conventions are "milieu pénitentiaire" (ACI_MP, EI_MP).
MP_SHARE = {"ACI": 0.03, "EI": 0.02}
#: Share of structures holding, each year, an extra FDI_DC annex (a subsidy, not a SIAE).
FDI_SHARE = 0.06
#: Share of SIAE whose AF number has an old format without a readable département
#: (``ACI93V130012``): the indicators then use the structure's address (same département).
OLD_FORMAT_AF_NUMBER_SHARE = 0.01
#: Share of AF-years with an extra cancelled (ANNULE) annex.
ANNULE_SHARE = 0.02
#: Share of final AF rows duplicated with another af_motif_rejet code (ASP residual duplicates).
MOTIF_REJET_DUP_SHARE = 0.03
#: Modification rows per AF-year: probabilities of 1, 2, 3 rows (older ones are HISTORISE).
MODIFICATIONS_P = (0.55, 0.30, 0.15)
#: Share of current-year AF in state PROVISOIRE instead of VALIDE.
PROVISOIRE_SHARE = 0.05
#: Taux de réalisation drawn per AF (ETP conventionnés = realised / taux), uniform range.
TAUX_REALISATION_RANGE = (0.88, 1.08)

#: Outside Île-de-France (``--region france`` or another region): 2013 SIAE per département
#: drawn around this mean (log-normal spread), national type mix of the real 2019 list.
OTHER_DEP_MEAN_SIAE_2013 = 36.5
OTHER_DEP_SPREAD = 0.5
OTHER_TYPE_MIX = {"ACI": 0.503, "EI": 0.252, "AI": 0.169, "ETTI": 0.076}
#: Persons and hours per SIAE outside Île-de-France relative to the calibrated Île-de-France
#: values, per type: fitted so that ``--region france --years 2012-2013`` gives the DARES 2013
#: salariés en moyenne mensuelle (127,600) and its shares by type (AI 46 %, ACI 34 %, EI 10 %,
#: ETTI 10 %; targets.yaml ``france_2013``). The Île-de-France ETTI are large (14 % of the
#: salariés with 6 % of the SIAE): elsewhere an ETTI has fewer persons than in Île-de-France.
OTHER_ACTIVITY_FACTOR = {"ACI": 1.47, "AI": 1.30, "EI": 1.57, "ETTI": 0.70, "EITI": 1.5}

# --- persons, spells, contracts -----------------------------------------------------------

#: Mean length of a spell (one person in one SIAE, months) and its cap, per type.
SPELL_MEAN_MONTHS = {"ACI": 9.0, "AI": 7.0, "EI": 11.0, "ETTI": 7.0, "EITI": 10.0}
SPELL_MAX_MONTHS = {"ACI": 24, "AI": 36, "EI": 24, "ETTI": 24, "EITI": 36}
#: Months before the first year in which spells of already-open SIAE may start.
WARMUP_MONTHS = 24
#: Spread (sd of the log) of the SIAE size multiplier (persons per SIAE).
SIAE_SIZE_SPREAD = 0.45
#: Contract length (months) per type: contracts are renewed (contrat_type_contrat 1, 2...).
CONTRACT_MONTHS = {"ACI": (4, 6), "AI": (1, 3), "EI": (4, 12), "ETTI": (1, 2), "EITI": (6, 12)}
#: Monthly hours: (distribution, mean, spread, min, max) before the exact rescaling to the
#: published ETP and sector hours.
MONTHLY_HOURS = {
    "ACI": ("normal", 113.0, 20.0, 35.0, 151.67),
    "AI": ("gamma", 75.0, 1.6, 2.0, 190.0),
    "EI": ("normal", 135.0, 20.0, 35.0, 151.67),
    "ETTI": ("gamma", 130.0, 3.0, 7.0, 200.0),
    "EITI": ("gamma", 40.0, 2.0, 2.0, 150.0),
}
#: Share of spell months with zero hours worked (the person stays on the books).
ZERO_HOURS_SHARE = {"ACI": 0.02, "AI": 0.08, "EI": 0.01, "ETTI": 0.06, "EITI": 0.05}
#: Persons working in two SIAE (same NIR, two salarie_id): twice this share of the spells are
#: paired at random; a pair is kept when its types and structures differ (about half of them),
#: so about 0.7 % of the Salarie rows are a person's second SIAE.
TWO_SIAE_SHARE = 0.015
#: Share of persons without NIR.
NO_NIR_SHARE = 0.005
#: Share of valid NIRs written on 13 characters (without the 2-digit key).
NIR_13_SHARE = 0.1
#: Share of EMI rows resent with a second emi_sme_version (the first version keeps old hours).
EMI_VERSION_DUP_SHARE = 0.003
#: Share of renewal contracts on which RSA / ASS / job-seeker duration are re-declared
#: (drawn again from the same distribution).
REDECLARE_SHARE = 0.05
#: Exit categories written as the extract's fluxIAE_RefCategorieSort: (rcs_id, rcs_code,
#: rcs_libelle) per category key. The labels are those of fluxiae-format.md 3.7; the codes 1-5
#: follow the ASP order (rcs_code 5 = Retrait, as the DSN extraction suggests); the ids are the
#: generator's own (different from the codes, so that a join on the code instead of the id
#: shows).
EXIT_CATEGORIES = {
    "emploi_durable": (41, "1", "Emploi durable"),
    "emploi_transition": (42, "2", "Emploi de transition"),
    "sorties_positives": (43, "3", "Sorties positives"),
    "autres_sorties": (44, "4", "Autres sorties"),
    "retrait": (45, "5", "Retrait des sorties constatées"),
}
#: Exit motives written as fluxIAE_RefMotifSort: (rms_code, rms_libelle, category key, weight
#: within the category). The full ASP list is not public (fluxiae-format.md 3.7): the labels
#: paraphrase the category definitions of fluxiae-format.md 4.6 (durable = CDI, CDD or interim
#: of 6 months or more, civil service, business creation; transition = CDD or interim under 6
#: months, subsidised contract with a mainstream employer; positives = qualifying training,
#: hiring by another SIAE). The rms_id are the generator's own: 300 + 7 x rank (the project
#: never hard-codes them; the indicators join the two tables on the ids).
EXIT_MOTIVES = (
    ("11", "Embauche en CDI non aidé", "emploi_durable", 0.40),
    ("12", "Embauche en CDD de 6 mois ou plus (sans aide publique)", "emploi_durable", 0.30),
    ("13", "Mission d'intérim de 6 mois ou plus", "emploi_durable", 0.12),
    ("14", "Entrée dans la fonction publique", "emploi_durable", 0.08),
    ("15", "Création ou reprise d'entreprise", "emploi_durable", 0.10),
    ("21", "Embauche en CDD de moins de 6 mois (sans aide publique)", "emploi_transition", 0.50),
    ("22", "Mission d'intérim de moins de 6 mois", "emploi_transition", 0.25),
    ("23", "Contrat aidé chez un employeur de droit commun", "emploi_transition", 0.25),
    ("31", "Entrée en formation qualifiante ou pré-qualifiante", "sorties_positives", 0.65),
    ("32", "Embauche dans une autre structure de l'IAE", "sorties_positives", 0.35),
    ("41", "Au chômage", "autres_sorties", 0.55),
    ("42", "Inactif", "autres_sorties", 0.20),
    ("43", "Sans nouvelles", "autres_sorties", 0.25),
    ("51", "Décès", "retrait", 0.10),
    ("52", "Congé de longue maladie", "retrait", 0.50),
    ("53", "Rupture pendant la période d'essai", "retrait", 0.40),
)
#: Share of the exits whose motive is a "Retrait des sorties constatées" one (illustrative).
EXIT_RETRAIT_SHARE = 0.04
#: Category mix of the other exits per type (emploi durable, emploi de transition, sorties
#: positives, autres sorties). Assumed so that the 2013 rates fall in the ranges of targets.yaml
#: ``flows_and_exits_2013`` (sorties dynamiques 35-52 %, emploi durable 15-30 %; anchors DARES
#: 2013 and 2021, DREETS BFC 2022), with ACI the lowest sorties dynamiques of the four
#: historical types (its public is the furthest from employment) and the interim SIAE the
#: highest.
EXIT_CATEGORY_MIX = {
    "ACI": (0.15, 0.13, 0.11, 0.61),
    "AI": (0.24, 0.15, 0.07, 0.54),
    "EI": (0.23, 0.14, 0.08, 0.55),
    "ETTI": (0.26, 0.16, 0.06, 0.52),
    "EITI": (0.30, 0.10, 0.05, 0.55),
}
#: Share of the exits whose motive is written only on the EMI row of the exit month
#: (contrat_motif_sortie_id empty): the indicators fall back on the EMI row.
EXIT_MOTIVE_ONLY_ON_EMI_SHARE = 0.06
#: Hourly gross wage used to fill emi_mt_salaire_brut (EUR; SMIC 2013 = 9.43).
HOURLY_WAGE = 9.43

#: Persons per SIAE and ETP per SIAE for years outside 2013 follow the 2013 values; after
#: 2013 they move linearly to the 2023 anchor (34,000 salariés, 12,162 ETP in targets.yaml).

# --- publics (shares among persons; targets.yaml fixes some type values and the totals) -----

#: Relative women shares of the types not fixed by targets.yaml (scaled to hit the total).
WOMEN_BASE = {"ACI": 0.32, "EI": 0.30, "EITI": 0.40}
#: RSA shares of the types not fixed by targets.yaml (scaled to hit the total).
RSA_BASE = {"AI": 0.28, "EI": 0.30, "ETTI": 0.22, "EITI": 0.30}
#: Share of RSA beneficiaries with the "majoré" RSA (OUI-M) rather than OUI-NM.
RSA_MAJORE_SHARE = 0.12
#: Job seekers for 24 months or more (scaled to hit the total).
PE_24M_BASE = {"ACI": 0.48, "AI": 0.40, "EI": 0.42, "ETTI": 0.36, "EITI": 0.30}
#: Split of the other registration-duration codes 0 (none), 1 (<6 m), 2 (6-11), 3 (12-23).
PE_OTHER_CODES = {"0": 0.15, "1": 0.25, "2": 0.25, "3": 0.35}
#: Shares not published at all (by type).
ASS = {"ACI": 0.08, "AI": 0.06, "EI": 0.05, "ETTI": 0.04, "EITI": 0.03}
AAH = {"ACI": 0.04, "AI": 0.03, "EI": 0.03, "ETTI": 0.01, "EITI": 0.02}
RQTH = {"ACI": 0.07, "AI": 0.06, "EI": 0.06, "ETTI": 0.03, "EITI": 0.05}
UNDER_26 = {"ACI": 0.20, "AI": 0.14, "EI": 0.22, "ETTI": 0.24, "EITI": 0.10}
AGE_50_PLUS = {"ACI": 0.16, "AI": 0.22, "EI": 0.12, "ETTI": 0.10, "EITI": 0.18}
#: Change per year before 2013 of the shares not published (share of year Y = the 2013 value
#: above + drift x (2013 - Y), after 2013 the 2013 value): more young people and fewer seniors
#: and RQTH in 2007 than in 2013, so that the 2007-2013 series of the default dataset are not
#: flat (reader review F20). Illustrative, not calibrated.
PUBLICS_DRIFT_PER_YEAR = {
    "under_26": 0.006,
    "age_50_plus": -0.007,
    "ass": -0.003,
    "aah": -0.001,
    "rqth": -0.004,
}
#: Share of the persons below the baccalauréat by type in 2013 (not published; the mix inside
#: the levels below and above follows EDUCATION), and its change per year before 2013.
LOW_QUALIFICATION_2013 = {"ACI": 0.79, "AI": 0.66, "EI": 0.75, "ETTI": 0.71, "EITI": 0.58}
LOW_QUALIFICATION_DRIFT_PER_YEAR = 0.005
#: Education codes (contrat_niveau_de_formation_code) and probabilities; codes 00, 01, 50,
#: 51, 60, 70 are "below the baccalauréat" (about 70 %): the mix within each of the two groups.
EDUCATION = {
    "00": 0.12,
    "01": 0.05,
    "10": 0.01,
    "20": 0.02,
    "30": 0.03,
    "40": 0.12,
    "41": 0.08,
    "50": 0.20,
    "51": 0.13,
    "60": 0.04,
    "70": 0.20,
}
#: QPV residence share by département of the SIAE; 93 uses the published minimum plus a
#: margin, the others are relative levels scaled to hit the published total.
QPV_93 = 0.63
QPV_BASE = {"75": 0.30, "77": 0.22, "78": 0.24, "91": 0.30, "92": 0.28, "94": 0.36, "95": 0.36}
QPV_BASE_OTHER = 0.25
#: Share of persons whose QPV status is unknown (empty salarie_adr_qpv_type).
QPV_UNKNOWN_SHARE = 0.02
#: Share of persons living in another département of the region than their SIAE's.
OTHER_DEP_RESIDENCE_SHARE = 0.10
#: Share of persons living in a ZRR (only outside dense départements; illustrative).
ZRR_SHARE = 0.01
#: Women share change per year before 2013 is solved from the 2009 value of targets.yaml;
#: after 2013 the 2013 shares are kept.

# --- sectors (hours shares by type; targeted entries of targets.yaml override these) -------

#: Sectors the generated hours fall in: those of the published diagnostic.
SECTORS = vocabulary.PUBLISHED_SECTORS
#: 2013 hours mix by type. The values published in targets.yaml are repeated here (checked at
#: run time); the others are chosen so that the published overall shares hold given the
#: published ETP shares: EI bâtiment 19.5 %, EI nettoyage 30 % + collecte 18 % (= 48 %), ETTI
#: espaces verts 6.5 %, ...
SECTOR_MIX_2013 = {
    "AI": {
        "batiment_tp": 0.10,
        "nettoyage_hors_sap": 0.25,
        "espaces_verts": 0.05,
        "services_aux_personnes": 0.33,
        "collecte_tri_recyclage": 0.02,
        "transport_logistique": 0.06,
        "autres": 0.185,
        "non_renseigne": 0.005,
    },
    "ACI": {
        "batiment_tp": 0.17,
        "nettoyage_hors_sap": 0.02,
        "espaces_verts": 0.26,
        "services_aux_personnes": 0.03,
        "collecte_tri_recyclage": 0.09,
        "transport_logistique": 0.11,
        "autres": 0.315,
        "non_renseigne": 0.005,
    },
    "EI": {
        "batiment_tp": 0.195,
        "nettoyage_hors_sap": 0.30,
        "espaces_verts": 0.06,
        "services_aux_personnes": 0.02,
        "collecte_tri_recyclage": 0.18,
        "transport_logistique": 0.08,
        "autres": 0.16,
        "non_renseigne": 0.005,
    },
    "ETTI": {
        "batiment_tp": 0.74,
        "nettoyage_hors_sap": 0.025,
        "espaces_verts": 0.065,
        "services_aux_personnes": 0.015,
        "collecte_tri_recyclage": 0.01,
        "transport_logistique": 0.08,
        "autres": 0.06,
        "non_renseigne": 0.005,
    },
    "EITI": {
        "batiment_tp": 0.20,
        "nettoyage_hors_sap": 0.05,
        "espaces_verts": 0.05,
        "services_aux_personnes": 0.20,
        "collecte_tri_recyclage": 0.0,
        "transport_logistique": 0.20,
        "autres": 0.295,
        "non_renseigne": 0.005,
    },
}
#: Year of the second anchor of the sector mixes (its targeted values come from targets.yaml;
#: the other sectors of the type are scaled to fill the rest). Between anchors the mixes are
#: linear in the year; before the first one and after 2013 they are held.
SECTOR_ANCHOR_YEARS = (2009, 2013)
#: ROME codes written on contracts, per sector (the first one is the most frequent). Their
#: prefixes follow the ROME families of definitions.md (F = bâtiment, K22 = nettoyage,
#: A1202/A1203 = espaces verts, K13 = services aux personnes, N = transport-logistique).
ROME_BY_SECTOR = {
    "batiment_tp": ("F1703", "F1701", "F1702", "F1606", "F1604", "F1503"),
    "nettoyage_hors_sap": ("K2204", "K2201", "K2202"),
    "espaces_verts": ("A1203", "A1202"),
    "services_aux_personnes": ("K1304", "K1302", "K1303"),
    "collecte_tri_recyclage": ("K2304", "K2303"),
    "transport_logistique": ("N1103", "N1105", "N4105", "N1101"),
    "autres": ("G1603", "D1507", "G1602", "H2909", "D1106", "M1602", "I1203"),
    "non_renseigne": ("",),
}

#: EITI (from 2020): persons and ETP per SIAE per year (independent workers, few hours).
EITI_PERSONS_PER_SIAE = 20.0
EITI_ETP_PER_SIAE = 3.0

# --- calendar and technical details ----------------------------------------------------------

#: Millésime of the first AF of a SIAE already open in the first data year: that year minus
#: 0 to this many years (gives A-numbers > 0 from the start).
FIRST_AF_MAX_AGE = 5
#: First month of the AF of a SIAE created during the year (uniform, inclusive).
CREATION_START_MONTHS = (1, 10)
#: Last month of the last AF of a SIAE closing after that year (uniform, inclusive).
CLOSURE_END_MONTHS = (3, 12)
#: Posts of a HISTORISE modification relative to the current one (uniform range).
HISTORISE_POSTS_RANGE = (0.8, 1.0)
#: FDI_DC annexes run from this month of year Y to this month counted from January of Y
#: (7, 18 = 01/07/Y - 30/06/Y+1).
FDI_MONTHS = (7, 18)
#: Collective weekly hours written on the AF, weekly hours on the contracts (ACI / others).
WEEKLY_HOURS_AF = "35:00"
WEEKLY_HOURS_CONTRACT = {"ACI": "26:00", "other": "35:00"}
#: Hiring day offset in the first month of a spell (days, uniform [0, n)); exit day likewise.
HIRING_DAY_SPREAD = 10
EXIT_DAY_SPREAD = 27
#: Hours of the older (version 1) EMI row relative to the kept version 2 (uniform range).
OLD_VERSION_HOURS_RANGE = (0.5, 0.9)
#: Spread (sd of the log) of the per-person multiplier of monthly hours.
PERSON_HOURS_SPREAD = 0.15
#: Structure attributes by type: NAF code and INSEE legal category (9220 association,
#: 5499 SARL, 5710 SAS).
NAF = {"ACI": "8899B", "AI": "7830Z", "EI": "8121Z", "ETTI": "7820Z", "EITI": "8299Z"}
LEGAL_CATEGORY = {"ACI": "9220", "AI": "9220", "EI": "5499", "ETTI": "5710", "EITI": "5710"}
#: Technical ids of the AF states and of the monthly statement state (not published by ASP).
STATE_IDS = {"VALIDE": 1, "PROVISOIRE": 2, "HISTORISE": 3, "ANNULE": 4, "CLOTURE": 5}
EMI_STATE = ("2", "VALIDE")
#: Employer type codes (fluxIAE_RefTypeEmployeur) written on contracts.
EMPLOYER_TYPE = {"EI": "01", "ETTI": "02", "AI": "03", "ACI": "04", "EITI": "07"}
