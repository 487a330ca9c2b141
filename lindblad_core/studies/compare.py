"""Two result tables side by side: the same settings computed two ways (the paper's formulation and a
published variant, Tr Γ = 1 and a free trace, a master equation and the certified optimum).

:func:`match` pairs the rows of two tables on their setting; :func:`compare_verdicts` does that for two sweep
tables (:func:`~lindblad_core.studies.sweeps.run_sweep`) and says where the verdict (Eqs. (30), (34)) differs.
Rows of a degenerate spectrum (status ``"degenerate"``: outside the theory of Sec. II.B, verdict
"inconclusive" by construction) are set aside, never compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Matched", "match", "VerdictComparison", "compare_verdicts", "DEGENERATE"]

DEGENERATE = "degenerate"  # the sweeps' status of a degenerate H_S (studies.sweeps.DEGENERATE)


@dataclass(frozen=True, eq=False)
class Matched:
    """Rows of two tables paired on their setting (:func:`match`).

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per pair, in the order of the first table: the ``on`` columns, then every other column of
        each table with the suffix ``_<label>`` (``upper_published``, ``verdict_physical``).
    unmatched : pandas.DataFrame
        The settings (``on`` columns) found in one table only, with a column ``only in`` naming its label.
    on : tuple of str
        The columns that identify a setting.
    labels : tuple of str
        The names of the two tables, used as column suffixes.
    """

    rows: pd.DataFrame
    unmatched: pd.DataFrame
    on: tuple
    labels: tuple

    @property
    def complete(self) -> bool:
        """Whether every setting of either table found its partner."""
        return self.unmatched.empty

    def column(self, name: str, side: int) -> pd.Series:
        """Column ``name`` of table ``side`` (0 or 1) in the paired rows."""
        return self.rows[f"{name}_{self.labels[side]}"]

    def ratio(self, name: str = "upper") -> pd.Series:
        """Column ``name`` of the second table divided by that of the first, pair by pair."""
        return self.column(name, 1) / self.column(name, 0)

    def side_by_side(self, *names: str) -> pd.DataFrame:
        """The ``on`` columns and, for each of ``names``, its two columns next to each other."""
        return self.rows[[*self.on, *(f"{n}_{label}" for n in names for label in self.labels)]]


def _check_labels(labels) -> tuple:
    labels = tuple(labels)
    if len(labels) != 2 or labels[0] == labels[1] or not all(isinstance(x, str) and x.isidentifier()
                                                           for x in labels):
        raise ValueError(f"labels must be two distinct identifiers (column suffixes), got labels={labels!r}")
    return labels


def match(a: pd.DataFrame, b: pd.DataFrame, on, labels=("a", "b"), *, validate: str = "one_to_one") -> Matched:
    """Pair the rows of ``a`` and ``b`` that have the same setting.

    Parameters
    ----------
    a, b : pandas.DataFrame
        The two tables; both have the columns ``on``.
    on : sequence of str
        The columns that identify a setting (e.g. ``["quantity", "beta_right", "g"]``).
    labels : (str, str)
        Names of ``a`` and ``b``: identifiers, used as the suffixes of their other columns.
    validate : str
        As in :meth:`pandas.DataFrame.merge`: "one_to_one" (default: a setting occurs at most once in each table)
        or "many_to_one" (several rows of ``a``, e.g. one per master equation, share one row of ``b``).

    Returns
    -------
    Matched
        The pairs and the settings found in one table only.

    Raises
    ------
    ValueError
        If ``labels`` are not two distinct identifiers, a column of ``on`` is missing, or a setting occurs
        more often than ``validate`` allows.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"g": [0.1, 0.2, 0.3], "upper": [1.0, 2.0, 3.0]})
    >>> b = pd.DataFrame({"g": [0.1, 0.2], "upper": [2.0, 2.0]})
    >>> m = match(a, b, on=["g"], labels=("fixed", "free"))
    >>> m.ratio("upper").tolist()
    [2.0, 1.0]
    >>> m.unmatched
         g only in
    0  0.3   fixed
    """
    labels = _check_labels(labels)
    on = list(on)
    for name, table in zip(labels, (a, b)):
        missing = [c for c in on if c not in table.columns]
        if missing:
            raise ValueError(f"table {name!r} has no column {missing} of on={on}")
    order = ("_order_a", "_order_b")  # row positions: the pairs keep the order of a, then b's unmatched rows
    a = a.rename(columns={c: f"{c}_{labels[0]}" for c in a.columns if c not in on}).assign(_order_a=range(len(a)))
    b = b.rename(columns={c: f"{c}_{labels[1]}" for c in b.columns if c not in on}).assign(_order_b=range(len(b)))
    try:
        both = a.merge(b, on=on, how="outer", validate=validate, indicator="_side")
    except pd.errors.MergeError as err:
        raise ValueError(f"a setting (columns {on}) occurs more than once where validate={validate!r} allows "
                         f"one: {err}") from None
    both = both.sort_values(list(order), na_position="last", kind="stable").drop(columns=list(order))
    side = both.pop("_side").astype(str)
    rows = both[(side == "both").to_numpy()].reset_index(drop=True)
    unmatched = both.loc[(side != "both").to_numpy(), on].reset_index(drop=True)
    unmatched["only in"] = np.where(side[side != "both"] == "left_only", labels[0], labels[1])
    return Matched(rows, unmatched.drop_duplicates(ignore_index=True), tuple(on), labels)


@dataclass(frozen=True, eq=False)
class VerdictComparison(Matched):
    """The verdicts of two sweep tables at the same settings (:func:`compare_verdicts`).

    Attributes
    ----------
    rows, unmatched, on, labels
        As in :class:`Matched`; ``rows`` holds the pairs compared (no degenerate spectrum).
    excluded : pandas.DataFrame
        The pairs set aside because either side has a degenerate spectrum (outside Sec. II.B).
    """

    excluded: pd.DataFrame

    @property
    def changed(self) -> pd.DataFrame:
        """The compared pairs whose verdicts differ."""
        return self.rows[(self.column("verdict", 0) != self.column("verdict", 1)).to_numpy()]

    @property
    def agree(self) -> bool:
        """Same verdict at every compared pair, and every setting found in both tables."""
        return self.changed.empty and self.complete

    def summary(self) -> pd.DataFrame:
        """How many pairs have each combination of verdicts (per quantity when ``quantity`` is a setting column),
        in the column ``points``."""
        by = [c for c in ("quantity",) if c in self.on] + [f"verdict_{x}" for x in self.labels]
        return self.rows.groupby(by, sort=True).size().rename("points").reset_index()

    def conclusion(self, what: str) -> str:
        """One sentence: with ``what`` (what distinguishes the second table from the first), is the verdict
        unchanged at every compared point, or where does it change; settings set aside or unmatched are
        counted."""
        a, b = self.labels
        n = len(self.rows)
        if self.changed.empty:
            text = f"With {what}, the verdict is unchanged at all {n} points compared"
        else:
            where = "; ".join(f"{_setting(r, self.on)}: {r[f'verdict_{a}']} ({a}) -> {r[f'verdict_{b}']} ({b})"
                              for r in self.changed.to_dict("records"))
            text = f"With {what}, the verdict changes at {len(self.changed)} of {n} points compared: {where}"
        notes = []
        if len(self.excluded):
            notes.append(f"{len(self.excluded)} with a degenerate spectrum set aside")
        for label in self.labels:
            k = int((self.unmatched["only in"] == label).sum())
            if k:
                notes.append(f"{k} only in {label}")
        return text + (f" ({'; '.join(notes)})" if notes else "") + "."


def _setting(row: dict, on) -> str:
    return ", ".join(f"{c} = {row[c]:.3g}" if isinstance(row[c], float) else f"{c} = {row[c]}" for c in on)


def compare_verdicts(a: pd.DataFrame, b: pd.DataFrame, on, labels=("a", "b")) -> VerdictComparison:
    """The verdicts of two sweep tables, setting by setting.

    Pairs the rows of ``a`` and ``b`` on the columns ``on`` (:func:`match`), sets aside the pairs where either
    side has a degenerate spectrum (status "degenerate"), and compares the column ``verdict`` of the others.

    Parameters
    ----------
    a, b : pandas.DataFrame
        Sweep tables (:func:`~lindblad_core.studies.sweeps.run_sweep`) with the columns ``on``, ``status`` and
        ``verdict``; each setting at most once per table.
    on : sequence of str
        The columns that identify a setting, e.g. ``["quantity", "beta_right", "g"]``.
    labels : (str, str)
        Names of the two formulations (identifiers), e.g. ``("published", "physical")``: the suffixes of
        their columns and the words of :meth:`VerdictComparison.conclusion`.

    Returns
    -------
    VerdictComparison
        The compared pairs, the changed ones, the pairs set aside, the unmatched settings; ``agree``,
        ``summary()`` and ``conclusion(what)``.

    Raises
    ------
    ValueError
        As :func:`match`, or if a table has no ``status`` or ``verdict`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> published = pd.DataFrame({"g": [0.001, 0.01, 0.1, 1.0],
    ...                           "status": ["optimal", "optimal", "optimal", "degenerate"],
    ...                           "verdict": ["impossible", "impossible", "possible", "inconclusive"]})
    >>> physical = published.assign(verdict=["impossible", "possible", "possible", "inconclusive"])
    >>> c = compare_verdicts(published, physical, on=["g"], labels=("published", "physical"))
    >>> c.agree
    False
    >>> c.summary()
      verdict_published verdict_physical  points
    0        impossible       impossible       1
    1        impossible         possible       1
    2          possible         possible       1
    >>> print(c.conclusion("the physical target"))
    With the physical target, the verdict changes at 1 of 3 points compared: g = 0.01: impossible (published) -> possible (physical) (1 with a degenerate spectrum set aside).
    """
    for name, table in zip(labels, (a, b)):
        for column in ("status", "verdict"):
            if column not in table.columns:
                raise ValueError(f"table {name!r} has no column {column!r} (a sweep table is needed)")
    m = match(a, b, on, labels)
    degenerate = ((m.column("status", 0) == DEGENERATE) | (m.column("status", 1) == DEGENERATE)).to_numpy()
    return VerdictComparison(m.rows[~degenerate].reset_index(drop=True), m.unmatched, m.on, m.labels,
                             excluded=m.rows[degenerate].reset_index(drop=True))
