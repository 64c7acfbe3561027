"""Benchmark of ``iae-diag ingest`` against the floor ``pyarrow.csv.read_csv``.

Writes a synthetic raw folder whose EtatMensuelIndiv file has ``BENCH_INGEST_ROWS`` rows
(default 2 000 000) in the real header layout (``iae_diag.config.headers_dir()``), plus small
valid files for the four other tables. Then, each in a fresh process (so that the peak resident
memory is the measurement's own), it times:

- ``floor``: ``pyarrow.csv.read_csv`` parsing the EtatMensuelIndiv file (``|`` separator, no
  quoting, types inferred, DEB and FIN lines skipped);
- ``ingest``: :func:`iae_diag.ingest.ingest` of the whole folder (five tables, checks,
  quarantine, parquet and manifest written).

Each is run ``BENCH_INGEST_REPEAT`` times (default 3), alternating; the best time of each is
kept (the machine may be shared). Last line:
``bench ingest: ratio=<ingest/floor> ingest_s=.. pyarrow_s=.. peak_mib=.. rows=..``
(peak_mib = peak resident memory of the ingest process). Target: ratio <= 2.5, peak < 3 GiB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from iae_diag.config import headers_dir

ROWS = int(os.environ.get("BENCH_INGEST_ROWS", "2000000"))
REPEAT = int(os.environ.get("BENCH_INGEST_REPEAT", "3"))
STAMP = "15012014_060000"
N_AF = 3000
CHUNK = 500_000


def _header(table: str) -> list[str]:
    text = (headers_dir() / f"fluxIAE_{table}.header").read_text(encoding="utf-8")
    return text.strip("\ufeff\n").split("|")


def _write_small(folder: Path, table: str, rows: list[dict]) -> None:
    cols = _header(table)
    lines = [f"DEB{table}{STAMP}" + "|" * (len(cols) - 1), "|".join(cols)]
    lines += ["|".join(str(r.get(c, "")) for c in cols) for r in rows]
    lines.append(f"FIN{len(rows)}")
    (folder / f"fluxIAE_{table}_{STAMP}.csv").write_text("\n".join(lines) + "\n", "utf-8")


def _dates(rng: np.random.Generator, n: int, years: np.ndarray, time: bool) -> np.ndarray:
    day = rng.integers(1, 29, n)
    month = rng.integers(1, 13, n)
    s = np.char.add(np.char.zfill(day.astype(str), 2), "/")
    s = np.char.add(s, np.char.zfill(month.astype(str), 2))
    s = np.char.add(np.char.add(s, "/"), years.astype(str))
    if time:
        s = np.char.add(s, " 10:12:34")
    return s


def write_raw(folder: Path, rows: int, seed: int = 2013) -> Path:
    """The synthetic raw folder; returns the EtatMensuelIndiv file."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    af_ids = np.arange(500_001, 500_001 + N_AF)
    _write_small(
        folder,
        "Structure",
        [
            {
                "structure_id_siae": 1000 + i,
                "structure_siret_signature": f"{i:014d}",
                "structure_denomination": f"SIAE {i}",
                "structure_adresse_admin_code_insee": "93066",
                "structure_date_creation": "01/02/2006",
            }
            for i in range(N_AF // 3)
        ],
    )
    _write_small(
        folder,
        "AnnexeFinanciere",
        [
            {
                "af_id_structure": 1000 + i // 3,
                "af_mesure_dispositif_code": ["ACI_DC", "AI_DC", "EI_DC"][i % 3],
                "af_numero_annexe_financiere": f"ACI093{i:06d}",
                "af_numero_avenant_renouvellement": 0,
                "af_numero_avenant_modification": 0,
                "af_id_annexe_financiere": int(a),
                "af_id_avenant_modification": 800_000 + i,
                "af_etat_annexe_financiere_code": "VALIDE",
                "af_date_debut_effet": "01/01/2013",
                "af_date_fin_effet": "31/12/2013",
                "af_etp_postes_insertion": "10.50",
                "af_duree_heure_annuel_etp_valeur": "1820.00",
            }
            for i, a in enumerate(af_ids)
        ],
    )
    _write_small(
        folder,
        "ContratMission",
        [
            {
                "contrat_id_ctr": 10 + i,
                "contrat_id_pph": 10 + i,
                "contrat_id_structure": 1000,
                "contrat_mesure_disp_code": "ACI_DC",
                "contrat_date_embauche": "01/01/2013",
            }
            for i in range(1000)
        ],
    )
    _write_small(
        folder,
        "Salarie",
        [
            {"salarie_id": 10 + i, "salarie_nir": f"1840575{i:06d}", "salarie_rci_libelle": "M."}
            for i in range(1000)
        ],
    )
    # EtatMensuelIndiv: built column by column in chunks, written by pyarrow without quoting
    header = _header("EtatMensuelIndiv")
    path = folder / f"fluxIAE_EtatMensuelIndiv_{STAMP}.csv"
    with path.open("wb") as f:
        f.write(("DEBEtatMensuelIndiv" + STAMP + "|" * (len(header) - 1) + "\n").encode())
        f.write(("|".join(header) + "\n").encode())
        for first in range(0, rows, CHUNK):
            n = min(CHUNK, rows - first)
            cols = _emi_chunk(rng, n, first, af_ids)
            table = pa.table(
                {c: pa.array(cols.get(c, np.full(n, "")), pa.string()) for c in header}
            )
            pacsv.write_csv(
                table,
                f,
                pacsv.WriteOptions(include_header=False, delimiter="|", quoting_style="none"),
            )
        f.write(f"FIN{rows}\n".encode())
    return path


def _emi_chunk(rng: np.random.Generator, n: int, first: int, af_ids: np.ndarray) -> dict:
    years = rng.integers(2007, 2014, n)
    hours = np.round(rng.uniform(0, 170, n), 2)
    exit_mask = rng.random(n) < 0.03
    return {
        "emi_date_creation": _dates(rng, n, years, True),
        "emi_date_modification": _dates(rng, n, years, True),
        "emi_afi_id": rng.choice(af_ids, n).astype(str),
        "emi_sme_mois": rng.integers(1, 13, n).astype(str),
        "emi_sme_annee": years.astype(str),
        "emi_esm_etat_id": np.full(n, "3"),
        "emi_esm_etat_code": np.full(n, "VALIDE"),
        "emi_sme_version": np.full(n, "1"),
        "emi_date_validation": _dates(rng, n, years, False),
        "emi_pph_id": rng.integers(1, 400_000, n).astype(str),
        "emi_ctr_id": rng.integers(1, 600_000, n).astype(str),
        "emi_nb_heures_travail": np.char.mod("%.2f", hours),
        "emi_nb_mission": np.full(n, "0"),
        "emi_nb_heures_facturees": np.full(n, ""),
        "emi_mt_salaire_brut": np.char.mod("%.2f", hours * 9.43),
        "emi_salarie_tjs_accomp": np.where(rng.random(n) < 0.1, "true", "false"),
        "emi_part_etp": np.char.mod("%.4f", hours / 151.67),
        "emi_date_fin_reelle": np.where(exit_mask, _dates(rng, n, years, False), ""),
        "emi_motif_sortie_id": np.where(exit_mask, "12", ""),
        "emi_motif_sortie_code": np.where(exit_mask, "12", ""),
        "emi_dsm_id": np.arange(10_000_000 + first, 10_000_000 + first + n).astype(str),
    }


_CHILD = r"""
import json, sys, time
mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "floor":
    import pyarrow.csv as pacsv
    t0 = time.perf_counter()
    t = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(skip_rows=1),
        parse_options=pacsv.ParseOptions(
            delimiter="|", quote_char=False, invalid_row_handler=lambda row: "skip"
        ),
    )
    rows = t.num_rows
else:
    from iae_diag.ingest import ingest
    t0 = time.perf_counter()
    m = ingest(path, out, salt="bench-key-of-the-nir-hash-0123456789abcdef")
    rows = m["tables"]["EtatMensuelIndiv"]["rows_kept"]
dt = time.perf_counter() - t0
# VmHWM: peak resident set of this process image (ru_maxrss would include the parent's
# peak, inherited across fork/exec)
with open("/proc/self/status") as f:
    peak = next(int(x.split()[1]) for x in f if x.startswith("VmHWM:")) / 1024
print(json.dumps({"seconds": dt, "peak_mib": peak, "rows": rows}))
"""


def _run(mode: str, path: Path, out: Path) -> dict:
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(path), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        raw = Path(tmp) / "raw"
        emi = write_raw(raw, ROWS)
        size_mib = emi.stat().st_size / 2**20
        print(f"EtatMensuelIndiv: {ROWS} rows, {size_mib:.0f} MiB", flush=True)
        floors, ingests = [], []
        for _ in range(REPEAT):
            floors.append(_run("floor", emi, Path(tmp) / "unused"))
            ingests.append(_run("ingest", raw, Path(tmp) / "out"))
            print(
                f"  floor {floors[-1]['seconds']:.2f} s ({floors[-1]['peak_mib']:.0f} MiB), "
                f"ingest {ingests[-1]['seconds']:.2f} s ({ingests[-1]['peak_mib']:.0f} MiB)",
                flush=True,
            )
    floor = min(f["seconds"] for f in floors)
    ing = min(i["seconds"] for i in ingests)
    peak = max(i["peak_mib"] for i in ingests)
    rows = ingests[0]["rows"]
    print(
        f"bench ingest: ratio={ing / floor:.2f} ingest_s={ing:.2f} pyarrow_s={floor:.2f} "
        f"peak_mib={peak:.0f} rows={rows}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
