"""Melting temperature (Tm) of a DNA oligo: nearest-neighbour thermodynamics or the Wallace rule.

The nearest-neighbour Tm is Biopython's :func:`Bio.SeqUtils.MeltingTemp.Tm_NN` with the SantaLucia &
Hicks (2004) DNA/DNA table (``DNA_NN4``) and Owczarzy et al. (2008) salt correction (``saltcorr=7``), the
one correction that accounts for Mg2+ and for the Mg2+ that dNTPs bind. The oligo is taken to be in
large excess over its target, as a primer is in PCR (``dnac1=oligo_nM, dnac2=0``); calculators that
assume two strands at equal concentration (primer3 uses ``dna_conc / 4``) give Tm about 1-2 °C lower.

The Wallace rule, 2 °C per A/T plus 4 °C per G/C (Wallace et al. 1979), is for short oligos only and
ignores salt and concentration. With ``method="auto"`` oligos shorter than :data:`WALLACE_BELOW` (14 nt)
get the Wallace rule, longer ones nearest-neighbour: the rule was fitted on 14-20-mers hybridised to
membranes and drifts away from measured values as oligos grow, while nearest-neighbour parameters come
from duplexes of all lengths.

Example:
    >>> r = melting_temperature("ATGCATGCATGC")
    >>> r.method, r.tm_c
    ('wallace', 36.0)
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, Field

from dnahlm.errors import UserInputError
from dnahlm.sequences import gc_content, normalize

Method = Literal["auto", "nearest-neighbour", "wallace"]

WALLACE_BELOW = 14
"""``method="auto"`` uses the Wallace rule for oligos shorter than this many nt."""
MIN_LENGTH = 4
NN_TABLE_NAME = "SantaLucia 2004"
SALT_CORRECTION = 7  # Biopython: Owczarzy et al. 2008, Mg2+ and dNTP aware
_NN_MAX_RELIABLE = 60


class MeltingResult(BaseModel):
    """Tm of one oligo, the method used and the conditions assumed."""

    oligo: str
    length: int
    gc_fraction: float = Field(description="fraction of G+C among A, C, G, T")
    tm_c: float = Field(description="melting temperature in °C")
    method: Literal["nearest-neighbour", "wallace"]
    method_detail: str = Field(description="table and salt correction, or the Wallace formula")
    na_mM: float
    mg_mM: float
    dntp_mM: float
    oligo_nM: float
    notes: list[str] = Field(default_factory=list)

    def conditions(self) -> str:
        """The conditions in words, e.g. ``"50 mM Na+, 1.5 mM Mg2+, 0.2 mM dNTPs, 250 nM oligo"``."""
        return (
            f"{_num(self.na_mM)} mM Na+, {_num(self.mg_mM)} mM Mg2+, {_num(self.dntp_mM)} mM dNTPs, "
            f"{_num(self.oligo_nM)} nM oligo"
        )

    def summary(self) -> str:
        """One sentence, Tm first."""
        if self.method == "wallace":
            how = "Wallace rule 2(A+T) + 4(G+C), which ignores salt and oligo concentration"
        else:
            how = f"nearest-neighbour, {NN_TABLE_NAME}; {self.conditions()}"
        return f"The melting temperature of this {self.length}-nt oligo is {self.tm_c:.1f} °C ({how})."


def melting_temperature(
    oligo: str,
    *,
    method: Method = "auto",
    na_mM: float = 50.0,
    mg_mM: float = 1.5,
    dntp_mM: float = 0.2,
    oligo_nM: float = 250.0,
    k_mM: float = 0.0,
    tris_mM: float = 0.0,
) -> MeltingResult:
    """Melting temperature of a DNA oligo under PCR-like conditions.

    Args:
        oligo: DNA sequence 5'->3' (A, C, G, T; case and whitespace ignored), at least 4 nt.
        method: ``"nearest-neighbour"`` (SantaLucia 2004 table, Owczarzy 2008 salt correction),
            ``"wallace"`` (2(A+T) + 4(G+C)), or ``"auto"``: Wallace below 14 nt, nearest-neighbour from 14.
        na_mM: monovalent cation (Na+) concentration, mM.
        mg_mM: Mg2+ concentration, mM.
        dntp_mM: total dNTP concentration, mM (dNTPs bind Mg2+).
        oligo_nM: oligo concentration, nM; the target strand is assumed far less concentrated.
        k_mM: K+ concentration, mM (added to the monovalent ions by the salt correction).
        tris_mM: Tris buffer concentration, mM.

    Returns:
        A :class:`MeltingResult`; ``summary()`` states the Tm, the method and the conditions.

    Raises:
        UserInputError: bad letters, N, too short, an unknown method or a negative concentration.

    Example:
        >>> melting_temperature("AGCGGATAACAATTTCACAC").summary()  # doctest: +ELLIPSIS
        'The melting temperature of this 20-nt oligo is ... °C (nearest-neighbour, SantaLucia 2004; ...'
    """
    from Bio.SeqUtils import MeltingTemp as mt

    seq = check_oligo(oligo, "oligo")
    conditions = {"na_mM": na_mM, "mg_mM": mg_mM, "dntp_mM": dntp_mM, "oligo_nM": oligo_nM}
    check_conditions(**conditions, k_mM=k_mM, tris_mM=tris_mM)
    if oligo_nM == 0:
        raise UserInputError("oligo_nM must be positive for a Tm (got 0)")
    if method not in ("auto", "nearest-neighbour", "wallace"):
        raise UserInputError(f"method must be 'auto', 'nearest-neighbour' or 'wallace', got {method!r}")
    used = method if method != "auto" else ("wallace" if len(seq) < WALLACE_BELOW else "nearest-neighbour")
    notes: list[str] = []
    if used == "wallace":
        tm = float(mt.Tm_Wallace(seq))
        detail = "Wallace rule: 2 °C x (A+T) + 4 °C x (G+C)"
        if len(seq) > 20:
            notes.append(f"the Wallace rule is meant for oligos up to about 20 nt; this one is {len(seq)} nt")
    else:
        if na_mM + k_mM + tris_mM / 2 + mg_mM == 0:
            raise UserInputError(
                "nearest-neighbour Tm needs some salt: na_mM, k_mM, tris_mM and mg_mM are all 0"
            )
        tm = nn_tm(
            seq, na_mM=na_mM, mg_mM=mg_mM, dntp_mM=dntp_mM, oligo_nM=oligo_nM, k_mM=k_mM, tris_mM=tris_mM
        )
        detail = f"Biopython Tm_NN, {NN_TABLE_NAME} (DNA_NN4), Owczarzy 2008 salt correction"
        if len(seq) > _NN_MAX_RELIABLE:
            notes.append(
                f"nearest-neighbour Tm is calibrated on oligos up to ~60 nt; this one is {len(seq)} nt"
            )
        if len(seq) < 8:
            notes.append(f"a {len(seq)}-nt duplex is barely stable; treat this Tm as a rough estimate")
    return MeltingResult(
        oligo=seq,
        length=len(seq),
        gc_fraction=round(gc_content(seq), 4),
        tm_c=round(tm, 2),
        method=used,
        method_detail=detail,
        notes=notes,
        **conditions,
    )


def nn_tm(
    seq: str,
    *,
    na_mM: float = 50.0,
    mg_mM: float = 1.5,
    dntp_mM: float = 0.2,
    oligo_nM: float = 250.0,
    k_mM: float = 0.0,
    tris_mM: float = 0.0,
) -> float:
    """Nearest-neighbour Tm (°C) of a checked, upper-case sequence; no rounding (used by :mod:`pcr`)."""
    from Bio.SeqUtils import MeltingTemp as mt

    try:
        return float(
            mt.Tm_NN(
                seq,
                nn_table=mt.DNA_NN4,
                Na=na_mM,
                K=k_mM,
                Tris=tris_mM,
                Mg=mg_mM,
                dNTPs=dntp_mM,
                dnac1=oligo_nM,
                dnac2=0,
                saltcorr=SALT_CORRECTION,
            )
        )
    except (ValueError, ZeroDivisionError) as exc:
        raise UserInputError(f"cannot compute a nearest-neighbour Tm for {seq}: {exc}") from exc


def check_oligo(oligo: str, name: str) -> str:
    """Normalise an oligo and insist on unambiguous bases and a minimal length; returns upper-case."""
    if not isinstance(oligo, str):
        raise UserInputError(f"{name} must be a DNA string, got {type(oligo).__name__}")
    seq = normalize(oligo, record_id=name)
    if len(seq) < MIN_LENGTH:
        raise UserInputError(f"{name} is {len(seq)} nt; a Tm needs at least {MIN_LENGTH} nt")
    if "N" in seq:
        raise UserInputError(f"{name} has N at position {seq.index('N') + 1}; a Tm needs A, C, G, T only")
    return seq


def check_conditions(**values: float) -> None:
    """Raise :class:`UserInputError` naming the first concentration that is negative or not a number."""
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise UserInputError(f"{key} must be a number, got {value!r}")
        if value < 0 or math.isinf(value):
            raise UserInputError(f"{key} must be a finite concentration >= 0, got {value}")


def _num(x: float) -> str:
    return f"{x:g}"
