"""The report's words and number formats in one language.

The words are the platform's gettext catalogues (:mod:`samen.i18n`), in the context
``report`` (``msgctxt "report"``), so a report sentence and a platform label that happen to
share their English can be translated each for its reader. Message ids are English with
``%(name)s`` placeholders; :data:`N_` marks texts chosen at run time (a mechanism's name, a
metric's label) so that they are found in the code as they are.

>>> w = Words("nl")
>>> w("How mixed is each school?"), w.pct(0.8261), w.count(12345)
('Hoe gemengd is elke school?', '82,6%', '12.345')
>>> w.n("%(n)s child", "%(n)s children", 1, n=w.count(1))
'1 kind'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from samen.analytics.report.model import check_lang
from samen.i18n import translation

CONTEXT = "report"
EN_DASH = "\u2013"
NBSP, NNBSP = "\u00a0", "\u202f"


def N_(text: str) -> str:
    """Marks a message id that is translated later (gettext's ``gettext_noop``)."""
    return text


MECHANISMS: dict[str, str] = {
    "deferred-acceptance": N_("deferred acceptance"),
    "immediate-acceptance": N_("immediate acceptance (the Boston method)"),
    "top-trading-cycles": N_("top trading cycles"),
    "serial-dictatorship": N_("serial dictatorship (children choose in lottery order)"),
}
TIE_BREAKINGS: dict[str, str] = {
    "single": N_("one lottery number per child"),
    "multiple": N_("a lottery number per child and school"),
}
#: the groups of children the report compares
GROUPS: dict[str, str] = {
    "indicator": N_("Indicator pupils"),
    "other": N_("Other children"),
    "all": N_("All children"),
}
#: where the published allocation comes from (``Allocation.source``)
SOURCES: dict[str, str] = {
    "results": N_(
        "The allocation is read from the results in the folder “%(folder)s”, which were made "
        "from these same input files."
    ),
    "missing": N_(
        "There is no results folder yet, so this report allocated the round itself with the "
        "published seed; “samen allocate” gives the same result."
    ),
    "incomplete": N_(
        "The results folder “%(folder)s” has no summary.json, so this report allocated the "
        "round itself with the published seed."
    ),
    "stale": N_(
        "Careful: the results folder “%(folder)s” was made from other input files (their "
        "fingerprints differ). This report allocated the round again from the current files; "
        "run “samen allocate” to bring the results up to date."
    ),
}
#: the indices (``INDEX_KEYS``): their name and what they measure
INDICES: dict[str, tuple[str, str]] = {
    "D": (
        N_("Dissimilarity (D)"),
        N_(
            "The share of indicator pupils who would have to change school for every school to "
            "have the city's mix. 0 = fully mixed, 1 = fully separated."
        ),
    ),
    "H": (
        N_("Entropy index (H)"),
        N_(
            "How much less varied the average school is than the city (Theil). 0 = every school "
            "as varied as the city, 1 = every school has one group only."
        ),
    ),
    "M": (
        N_("Mutual information (M)"),
        N_(
            "How much a child's school tells about its group (natural logarithm). 0 = nothing; "
            "it splits into a part between and a part within neighbourhoods."
        ),
    ),
    "isolation": (
        N_("Isolation of indicator pupils"),
        N_(
            "The share of indicator pupils in the school of the average indicator pupil. "
            "Without segregation it is the city's share, %(city)s."
        ),
    ),
    "exposure": (
        N_("Contact of indicator pupils with other children"),
        N_(
            "The share of other children in the school of the average indicator pupil "
            "(exposure). Without segregation: %(other)s."
        ),
    ),
    "exposure_other": (
        N_("Contact of other children with indicator pupils"),
        N_(
            "The share of indicator pupils in the school of the average other child. Without "
            "segregation: %(city)s."
        ),
    ),
}
#: the parts of M (``ReportData.decomposition``)
PARTS: dict[str, str] = {
    "between": N_("Between neighbourhoods"),
    "within": N_("Within neighbourhoods"),
    "total": N_("Total (M)"),
}
#: the distance of the round (round.toml), as the method section says it
DISTANCES: dict[str, str] = {
    "euclidean": N_("straight line"),
    "haversine": N_("straight line over the earth's surface"),
}
#: labels of the metrics of a scenarios file that the report knows
METRICS: dict[str, str] = {
    "first_choice": N_("First choice"),
    "top3": N_("One of the first three choices"),
    "unassigned": N_("No school"),
    "assigned": N_("A school"),
    "distance_mean": N_("Mean distance to school"),
    "distance_median": N_("Median distance to school"),
    "distance_p90": N_("Distance, 90th percentile"),
    "pledge_groups_held": N_("Pledge groups that held"),
    "pledge_groups_held_share": N_("Share of pledge groups that held"),
}


class Words:
    """The report's texts and number formats in one language (en, nl or fr)."""

    def __init__(self, lang: str = "en"):
        check_lang(lang)
        self.lang = lang
        self._t = translation(lang)

    def _typeset(self, text: str) -> str:
        if self.lang == "fr":  # French puts a no-break space before these marks
            for mark in (":", ";", "?", "!", "»"):
                text = text.replace(" " + mark, NBSP + mark)
            text = text.replace("« ", "«" + NBSP)
        return text

    def __call__(self, msgid: str, **values: object) -> str:
        """``msgid`` in the report's language, its ``%(name)s`` placeholders filled."""
        text = self._t.pgettext(CONTEXT, msgid)
        return self._typeset(text % values if values else text)

    def n(self, singular: str, plural: str, count: int, **values: object) -> str:
        """The form of ``singular``/``plural`` for ``count`` (the language's plural rule)."""
        text = self._t.npgettext(CONTEXT, singular, plural, count)
        return self._typeset(text % values if values else text)

    # numbers -------------------------------------------------------------------------
    def _sep(self, text: str) -> str:
        """Swap separators of an English-formatted number for the language's."""
        if self.lang == "en":
            return text
        thousands = "." if self.lang == "nl" else NNBSP
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", thousands)

    def count(self, value: float) -> str:
        return self._sep(f"{round(value):,}")

    def num(self, value: float | None, digits: int = 3) -> str:
        if value is None or not math.isfinite(value):
            return EN_DASH
        return self._sep(f"{value:,.{digits}f}")

    def pct(self, value: float | None, digits: int = 1) -> str:
        if value is None or not math.isfinite(value):
            return EN_DASH
        text = self._sep(f"{100 * value:.{digits}f}")
        return text + (NNBSP + "%" if self.lang == "fr" else "%")

    def metres(self, value: float | None, km: bool = True) -> str:
        """``850 m``, ``1.5 km`` (``km``: from 1000 m on), ``1,235 m`` (not ``km``)."""
        if value is None or not math.isfinite(value):
            return EN_DASH
        if km and abs(value) >= 1000:
            k = value / 1000
            return self._sep(f"{k:,.{0 if k == int(k) else 1}f}") + NBSP + "km"
        return self._sep(f"{value:,.0f}") + NBSP + "m"

    def range(self, lo: float, hi: float, kind: Callable[[float], str]) -> str:
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return EN_DASH
        return f"{kind(lo)}{EN_DASH}{kind(hi)}"

    def ordinal(self, k: int) -> str:
        if self.lang == "nl":
            return f"{k}e"
        if self.lang == "fr":
            return "1er" if k == 1 else f"{k}e"
        suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
        return f"{k}{suffix}"

    def rank_label(self, kind: str, k: int) -> str:
        """A column of the rank chart: ``1st``, ``6th or later``, ``No school``."""
        if kind == "none":
            return self("No school")
        if kind == "later":
            return self("%(k)s or later", k=self.ordinal(k))
        return self.ordinal(k)


# --------------------------------------------------------------------------- metric names

_SHARE_METRICS = {"first_choice", "top3", "top_3", "unassigned", "assigned", "no_school"}
_INDEX_METRICS = {
    "D": "D",
    "H": "H",
    "M": "M",
    "dissimilarity": "D",
    "entropy": "H",
    "mutual_information": "M",
    "isolation": "isolation",
    "exposure": "exposure",
}
#: the metrics a scenarios section draws, when the file has them
KEY_METRICS = (
    "first_choice",
    "first_choice[indicator]",
    "top3",
    "unassigned",
    "distance_mean",
    "D",
    "H",
    "M",
    "pledge_groups_held",
)


def split_metric(name: str) -> tuple[str, str]:
    """``first_choice[indicator]`` -> (``first_choice``, ``indicator``)."""
    if name.endswith("]") and "[" in name:
        base, _, rest = name.partition("[")
        return base, rest[:-1]
    return name, ""


def metric_kind(name: str) -> str:
    """``share``, ``metres``, ``index`` or ``number``, by the metric's name."""
    base, _ = split_metric(name)
    if base in _SHARE_METRICS or base.endswith("_share") or base.startswith("share"):
        return "share"
    if base.startswith("distance"):
        return "metres"
    if base in _INDEX_METRICS or base in {"gini", "hutchens", "correlation_ratio"}:
        return "index"
    return "number"


def metric_label(w: Words, name: str, info: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """What a metric of a scenarios file is called: the report's own word, else the file's
    label, else its name; a group in brackets."""
    base, group = split_metric(name)
    if base in _INDEX_METRICS:
        label = w(INDICES[_INDEX_METRICS[base]][0])
    elif base in METRICS:
        label = w(METRICS[base])
    else:
        given = (info or {}).get(name, {}).get("label") or (info or {}).get(base, {}).get("label")
        if given:
            return given
        label = base.replace("_", " ")
    if group == "indicator":
        label += f" ({w('indicator pupils')})"
    elif group in ("other", "not:indicator", "non-indicator", "not_indicator"):
        label += f" ({w('other children')})"
    elif group:
        label += f" ({group})"
    return label


def metric_format(
    w: Words, name: str, info: Mapping[str, Mapping[str, str]] | None = None
) -> Callable[[float], str]:
    """How a metric's values are written: a share, metres, an index or a plain number."""
    unit = (info or {}).get(name, {}).get("unit")
    kind = unit if unit in ("share", "metres", "index") else metric_kind(name)
    if kind == "share":
        return lambda v: w.pct(v)
    if kind == "metres":
        return lambda v: w.metres(v, km=False)
    if kind == "index":
        return lambda v: w.num(v, 3)

    def generic(v: float) -> str:
        if not math.isfinite(v):
            return w.num(v)
        a = abs(v)
        digits = 0 if a >= 100 or float(v).is_integer() else 1 if a >= 1 else 2
        return w.num(v, digits)

    return generic


__all__ = [
    "CONTEXT",
    "DISTANCES",
    "GROUPS",
    "INDICES",
    "KEY_METRICS",
    "MECHANISMS",
    "METRICS",
    "N_",
    "PARTS",
    "SOURCES",
    "TIE_BREAKINGS",
    "Words",
    "metric_format",
    "metric_kind",
    "metric_label",
    "split_metric",
]
