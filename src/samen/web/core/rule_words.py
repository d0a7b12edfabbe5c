"""The round's rules in words for the office: the allocation method, the tie-breaking and the
distance, each with its code from round.toml (docs/allocation-rules.md) in brackets, so a
clerk reads what it means and still recognises the value in the round folder."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from samen.engine.instance import MECHANISMS, TIE_BREAKINGS

MECHANISM_WORDS: dict[str, Promise] = {
    "deferred-acceptance": gettext_lazy("deferred acceptance"),
    "immediate-acceptance": gettext_lazy("immediate acceptance (the Boston method)"),
    "top-trading-cycles": gettext_lazy("top trading cycles"),
    "serial-dictatorship": gettext_lazy("serial dictatorship"),
}
TIE_BREAKING_WORDS: dict[str, Promise] = {
    "single": gettext_lazy("one lottery number per child"),
    "multiple": gettext_lazy("a lottery number per child and school"),
}
DISTANCE_WORDS: dict[str, Promise] = {
    "euclidean": gettext_lazy("straight line on a map grid (x, y in metres)"),
    "haversine": gettext_lazy("over the earth's surface (latitude, longitude)"),
}


def _with_code(words: dict[str, Promise], code: str) -> str:
    text = words.get(code)
    return f"{text} ({code})" if text is not None else code


def mechanism(code: str) -> str:
    """``deferred acceptance (deferred-acceptance)``, in the active language."""
    return _with_code(MECHANISM_WORDS, code)


def tie_breaking(code: str) -> str:
    return _with_code(TIE_BREAKING_WORDS, code)


def distance(code: str) -> str:
    return _with_code(DISTANCE_WORDS, code)


def mechanism_choices() -> list[tuple[str, str]]:
    return [(m, mechanism(m)) for m in MECHANISMS]


def tie_breaking_choices() -> list[tuple[str, str]]:
    return [(t, tie_breaking(t)) for t in TIE_BREAKINGS]


def distance_choices() -> list[tuple[str, str]]:
    return [(d, distance(d)) for d in DISTANCE_WORDS]
