"""What the commands print: one readable line per τ result, a short block for ``ness``, progress on stderr."""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from contextlib import contextmanager

import numpy as np
from lindblad_core.cli.errors import _one_line

# A computation that runs longer than this notes on stderr what it solves, then its elapsed time.
PROGRESS_AFTER_S = 1.0



def _stderr(line: str) -> None:
    """One line on stderr, if there is a stderr to write to."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass



@contextmanager
def _progress(what: str):
    """Note "solving …" on stderr once the block has run ``PROGRESS_AFTER_S``, and then "done in …" at its end."""
    t0 = time.perf_counter()
    noted = threading.Event()

    def note():
        _stderr(f"solving {what} …")
        noted.set()

    timer = threading.Timer(PROGRESS_AFTER_S, note)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
    if noted.is_set():
        _stderr(f"done in {_seconds(time.perf_counter() - t0)} s")



def _sci(x: float) -> str:
    """3 significant digits in exponent notation without padding: 8.02e-2, 1.50e0; 0, inf, nan as words."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(float(x))
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"



def _g3(x: float) -> str:
    """3 significant digits, fixed or exponent notation as shorter (0.88, 3.1e-8)."""
    text = f"{x:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text



def _seconds(t: float) -> str:
    return f"{t:.2f}" if t < 1 else f"{t:.1f}" if t < 100 else f"{t:.0f}"



def format_tau_line(res, elapsed_s: float) -> str:
    """One readable line for a TauResult: ``tau_pop_coh ∈ [8.02e-2, 8.02e-2] impossible (certified, relative
    0.88) 0.12 s``; an inconclusive result ends with the reason (``TauResult.explain``)."""
    notes = ["certified" if res.certified else f"not certified, {res.status}"]
    rel = [float(r) for r in res.relative]
    if all(math.isfinite(r) for r in rel):
        a, b = _g3(rel[0]), _g3(rel[1])
        notes.append(f"relative {a}" if a == b else f"relative [{a}, {b}]")
    verdict = res.verdict()
    line = (f"{res.quantity} ∈ [{_sci(res.lower)}, {_sci(res.upper)}] {verdict} ({', '.join(notes)}) "
            f"{_seconds(elapsed_s)} s")
    if verdict == "inconclusive":
        line += f": {_one_line(res.explain().removeprefix('inconclusive: '))}"
    return line



def _listed(values, limit: int = 12) -> str:
    shown = " ".join(_g3(float(v)) for v in values[:limit])
    return shown + (f" … ({len(values)} values; --json for all)" if len(values) > limit else "")



def _ness_block(out: dict, r0: np.ndarray, l2_r0: np.ndarray, rho2: np.ndarray, elapsed_s: float) -> str:
    d = len(out["populations"])
    off = r0 - np.diag(np.diag(r0))
    return "\n".join([
        f"ness: zeroth-order NESS rho0 of the Redfield equation, d = {d}, {_seconds(elapsed_s)} s",
        f"energies (ascending): {_listed(out['energies'])}",
        f"populations of rho0:  {_listed(out['populations'])}",
        f"rho0: largest coherence {_g3(float(np.max(np.abs(off), initial=0.0)))} (computational basis; "
        "diagonal in the energy basis)",
        f"second-order coherences (Eq. 15, energy basis): largest |rho2| {_g3(float(np.max(np.abs(rho2))))} "
        "(times the coupling eps^2)",
        f"L2(rho0): spectral norm {_g3(float(np.linalg.norm(l2_r0, 2)))}, largest element "
        f"{_g3(float(np.max(np.abs(l2_r0))))} (--json prints rho0 and L2_rho0 in full)",
    ]) + "\n"



_ASCII = str.maketrans({"∈": "in", "…": "...", "‖": "||"})



def strict_json(value) -> str:
    """``value`` as standard JSON (RFC 8259): the non-finite floats Python would write as ``NaN`` or
    ``Infinity`` (an unbounded ``upper``, an undecided ``value``) become ``null``, which every JSON reader
    accepts."""
    def finite(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [finite(x) for x in v]
        return v
    return json.dumps(finite(value), allow_nan=False)


def _encodable(text: str, stream) -> str:
    """``text`` as ``stream`` can encode it: ASCII stand-ins for the few symbols used (an ASCII locale)."""
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        text = text.translate(_ASCII).encode("ascii", "replace").decode("ascii")
    return text
