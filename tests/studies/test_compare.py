"""Two result tables side by side (lindblad_core.studies.compare) and the panel-(c, d) variants of the paper's
four-panel figures (studies.paper.panel_cd_points, compare_panel_cd), on hand-built tables."""

import doctest

import pandas as pd
import pytest

from lindblad_core.studies import compare, paper
from lindblad_core.studies.compare import compare_verdicts, match
from lindblad_core.studies.sweeps import four_panel_points
from lindblad_core.systems.chain import ChainSetup


def _sweep(verdicts, g=(0.001, 0.01, 0.1), status=None, quantity="tau_pop_coh", beta_right=10.0):
    """A sweep-like table: one row per g, with status, verdict and a certified upper bound."""
    n = len(verdicts)
    return pd.DataFrame({"quantity": quantity, "beta_right": beta_right, "g": list(g)[:n],
                         "status": status or ["optimal"] * n, "verdict": list(verdicts),
                         "upper": [1e-3 * (i + 1) for i in range(n)]})


def test_doctests():
    for module in (compare, paper):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_agreeing_tables():
    a = _sweep(["impossible", "possible", "impossible"])
    c = compare_verdicts(a, a.copy(), on=["quantity", "beta_right", "g"], labels=("published", "physical"))
    assert c.agree and c.changed.empty and c.complete
    assert len(c.rows) == 3 and c.excluded.empty
    assert c.summary().to_dict("records") == [
        {"quantity": "tau_pop_coh", "verdict_published": "impossible", "verdict_physical": "impossible", "points": 2},
        {"quantity": "tau_pop_coh", "verdict_published": "possible", "verdict_physical": "possible", "points": 1}]
    assert c.conclusion("the physical target") == (
        "With the physical target, the verdict is unchanged at all 3 points compared.")


def test_one_changed_verdict():
    a = _sweep(["impossible", "impossible", "impossible"])
    b = _sweep(["impossible", "possible", "impossible"])
    c = compare_verdicts(a, b, on=["beta_right", "g"], labels=("both", "left"))
    assert not c.agree
    assert c.changed[["g", "verdict_both", "verdict_left"]].to_dict("records") == [
        {"g": 0.01, "verdict_both": "impossible", "verdict_left": "possible"}]
    sentence = c.conclusion("left-only blocks")
    assert sentence.startswith("With left-only blocks, the verdict changes at 1 of 3 points compared: ")
    assert "beta_right = 10, g = 0.01: impossible (both) -> possible (left)" in sentence
    # "quantity" is not a setting column here, so the counts are by verdict only
    assert list(c.summary().columns) == ["verdict_both", "verdict_left", "points"]


def test_rows_on_one_side_only_are_reported_not_agreed():
    a = _sweep(["impossible", "impossible", "impossible"])
    b = _sweep(["impossible", "impossible"], g=(0.01, 0.1)).pipe(
        lambda t: pd.concat([t, _sweep(["possible"], g=(1.0,))], ignore_index=True))
    c = compare_verdicts(a, b, on=["g"], labels=("caption", "published"))
    assert c.changed.empty and not c.complete and not c.agree  # same verdicts where both exist, but not everywhere
    assert len(c.rows) == 2
    assert c.unmatched.to_dict("records") == [{"g": 0.001, "only in": "caption"}, {"g": 1.0, "only in": "published"}]
    assert c.conclusion("the published g").endswith("(1 only in caption; 1 only in published).")


def test_degenerate_rows_are_set_aside_on_either_side():
    a = _sweep(["impossible", "inconclusive", "impossible"], status=["optimal", "degenerate", "optimal"])
    b = _sweep(["impossible", "possible", "inconclusive"], status=["optimal", "optimal", "degenerate"])
    c = compare_verdicts(a, b, on=["g"], labels=("biased", "unbiased"))
    assert c.agree  # the two pairs that differ each have a degenerate spectrum on one side
    assert c.rows["g"].tolist() == [0.001]
    assert sorted(c.excluded["g"]) == [0.01, 0.1]
    assert "(2 with a degenerate spectrum set aside)" in c.conclusion("no bias")


def test_columns_ratio_and_side_by_side():
    a = _sweep(["impossible", "impossible"])
    b = a.assign(upper=[4e-3, 1e-3], verdict=["impossible", "possible"])
    c = compare_verdicts(a, b, on=["g"], labels=("energy", "published"))
    assert c.ratio("upper").tolist() == pytest.approx([4.0, 0.5])
    assert list(c.side_by_side("upper", "verdict").columns) == [
        "g", "upper_energy", "upper_published", "verdict_energy", "verdict_published"]
    # the other setting columns (not in on) are kept, suffixed
    assert "beta_right_energy" in c.rows and "quantity_published" in c.rows


def test_pairs_keep_the_order_of_the_first_table():
    a = _sweep(["possible", "impossible", "possible"], g=(0.1, 0.001, 0.01))
    b = _sweep(["impossible", "impossible", "impossible"], g=(0.001, 0.01, 0.1))
    c = compare_verdicts(a, b, on=["g"], labels=("first", "second"))
    assert c.rows["g"].tolist() == [0.1, 0.001, 0.01]
    assert c.changed["g"].tolist() == [0.1, 0.01]


def test_match_many_to_one_pairs_each_row_with_its_setting():
    equations = pd.DataFrame({"g": [0.1, 0.1, 0.2], "equation": ["local", "secular", "local"],
                              "tau_pop_coh": [1.0, 2.0, 3.0]})
    optimum = pd.DataFrame({"g": [0.1, 0.2], "upper": [0.5, 1.5]})
    m = match(equations, optimum, on=["g"], labels=("equation", "optimum"), validate="many_to_one")
    assert m.complete
    assert (m.column("tau_pop_coh", 0) / m.column("upper", 1)).tolist() == [2.0, 4.0, 2.0]
    with pytest.raises(ValueError, match="occurs more than once"):
        match(equations, optimum, on=["g"], labels=("equation", "optimum"))


@pytest.mark.parametrize("labels", [("a", "a"), ("a",), ("published target", "physical"), ("a", 1)])
def test_bad_labels_are_refused(labels):
    with pytest.raises(ValueError, match="labels must be two distinct identifiers"):
        match(_sweep(["possible"]), _sweep(["possible"]), on=["g"], labels=labels)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="no column \\['beta_left'\\]"):
        match(_sweep(["possible"]), _sweep(["possible"]), on=["beta_left"])
    with pytest.raises(ValueError, match="no column 'verdict'"):
        compare_verdicts(_sweep(["possible"]).drop(columns="verdict"), _sweep(["possible"]), on=["g"])


def test_panel_cd_points_share_the_points_of_the_figure_and_of_the_free_trace_sweep():
    base = ChainSetup(n_left=1, n_middle=2, n_right=1, bias=0.01)
    grids = dict(beta_right=[10.0, 0.5], g_grid=[0.001, 0.1], beta_left_fixed=1.0)
    figure = four_panel_points(base, beta_left_grid=[0.1], g_fixed=0.01, options={"target": "published"}, **grids)
    own = paper.panel_cd_points(base, **grids)
    assert [p.key() for p in own] == [p.key() for p in figure if p.tag == "vs_g"]  # one cache for both
    free = paper.free_trace_points(base, **grids)
    assert all(dict(p.options) == {"target": "published", "free_trace": True} for p in free)
    unbiased = paper.panel_cd_points(base, "no bias", **grids)
    assert {p.setup.bias for p in unbiased} == {0.0} and {p.quantity for p in unbiased} == {"tau_pop"}
    with pytest.raises(ValueError, match="variant must be one of"):
        paper.panel_cd_points(base, "physical", **grids)


def test_compare_panel_cd_uses_panels_c_d_of_the_variant_quantities():
    c_rows = _sweep(["impossible", "possible"], quantity="tau_pop")
    d_rows = _sweep(["impossible", "impossible"], quantity="tau_pop_coh")
    ab_rows = _sweep(["possible", "possible"], quantity="tau_pop").assign(tag="vs_beta_left")
    table = pd.concat([c_rows.assign(tag="vs_g"), d_rows.assign(tag="vs_g"), ab_rows], ignore_index=True)
    eigen = c_rows.assign(verdict=["impossible", "impossible"], tag="vs_g, published eigenbasis")
    c = paper.compare_panel_cd(table, eigen, "published eigenbasis")
    assert c.complete and len(c.rows) == 2  # panel (c) only: neither (d) nor (a, b)
    assert c.changed["g"].tolist() == [0.01] and c.labels == ("energy", "published")
    assert paper.panel(table, "c")["verdict"].tolist() == ["impossible", "possible"]
