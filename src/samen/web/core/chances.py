"""Hook for live admission chances on a child's ranking page.

:func:`admission_chances` is what the ranking page calls. It returns ``None`` (and the page
shows nothing) until an analytics function that estimates chances exists; samen never shows
made-up numbers. When one exists, wire it in here: it gets the child's list and returns, per
school, an estimate with its uncertainty, and the template
``samen/family/_chances.html`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from samen.web.core.models import Child


@dataclass(frozen=True)
class SchoolChance:
    school_code: str
    #: estimated probability of a seat at this school or one ranked higher, 0..1
    probability: float
    #: a short text on what the estimate rests on (simulations, last year's cut-offs, ...)
    basis: str


def admission_chances(child: Child) -> list[SchoolChance] | None:
    """The child's chances per school on its list, or None while no estimator exists."""
    return None
