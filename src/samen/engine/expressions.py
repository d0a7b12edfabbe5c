"""Flag expressions (allocation rules sections 4 and 10.1): what a pool favours and whom a
school admits.

An expression is empty (everyone has it) or one or more *terms* joined by ``|``; a term is a
flag name or ``not:`` + a flag name. A child has the expression when at least one term holds:
``indicator|disability`` is every child with either flag, ``not:indicator`` every child
without it. Terms are read without the spaces around them.

The engine keeps a pool that favours one term as the v1 arrays do (``pool_flag``,
``pool_negate``); a pool that favours an expression of several terms points to it in
``Instance.expressions`` (:data:`samen.engine.pools.COMPOUND`). :func:`flag_columns` gives
the kernels one 0/1 column per flag and one per such expression, so every pool favours one
column, as in v1, and the kernels stay as they were.

>>> parse("indicator | not:disability", ["indicator", "disability"])
((0, False), (1, True))
>>> holds(np.array([[1, 1], [0, 1], [0, 0]], dtype=np.uint8), ((0, False), (1, True))).tolist()
[True, False, True]
>>> render(((0, False), (1, True)), ["indicator", "disability"])
'indicator|not:disability'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: the prefix of a term for the children *without* a flag
NOT = "not:"
#: the separator of an expression's terms
OR = "|"

#: a term: (index of the flag in the round's flag names, negated)
Term = tuple[int, bool]
Expression = tuple[Term, ...]


class ExpressionError(ValueError):
    """An expression that cannot be read: ``problem`` says why in words for an office."""

    def __init__(self, text: str, problem: str):
        self.text = text
        self.problem = problem
        super().__init__(f"{text!r}: {problem}")


def split(text: str) -> list[str]:
    """The terms of ``text`` as written, without the spaces around them; ``[]`` when empty.

    >>> split(" a | not:b "), split("")
    (['a', 'not:b'], [])
    """
    text = text.strip()
    return [t.strip() for t in text.split(OR)] if text else []


def term_flag(term: str) -> tuple[str, bool]:
    """``(flag name, negated)`` of one term (the name may be empty: a bad term)."""
    if term.startswith(NOT):
        return term[len(NOT) :].strip(), True
    return term, False


def parse(text: str, flag_names: Sequence[str]) -> Expression:
    """The terms of the expression ``text`` over the round's ``flag_names``: ``()`` for the
    empty expression. Raises :class:`ExpressionError` for an empty term (``a|``), ``not:``
    without a name, or a name that is not a flag."""
    names = list(flag_names)
    out: list[Term] = []
    for term in split(text):
        name, negate = term_flag(term)
        if not term:
            raise ExpressionError(text, "a term is empty; write flag names between the '|'")
        if not name:
            raise ExpressionError(text, "'not:' needs a flag name after it, like not:indicator")
        if name not in names:
            raise ExpressionError(text, f"'{name}' is not a flag")
        out.append((names.index(name), negate))
    return tuple(out)


def render(expression: Expression, flag_names: Sequence[str]) -> str:
    """An expression as a round folder writes it (the inverse of :func:`parse`)."""
    return OR.join((NOT if neg else "") + str(flag_names[f]) for f, neg in expression)


def holds(flags: np.ndarray, expression: Expression) -> np.ndarray:
    """``bool[n]``: which children (rows of the 0/1 matrix ``flags``) have ``expression``;
    everyone for the empty expression."""
    n = flags.shape[0]
    if not expression:
        return np.ones(n, dtype=bool)
    out = np.zeros(n, dtype=bool)
    for f, negate in expression:
        col = flags[:, f] != 0
        out |= ~col if negate else col
    return out


def flag_columns(flags: np.ndarray, flag_names: Sequence[str], expressions: Sequence[str]):
    """The 0/1 matrix the kernels read: the round's flags, then one column per compound
    expression of ``expressions`` (1 = the child has it). ``flags`` itself when there are
    none (v1 rounds: nothing is copied)."""
    flags = np.ascontiguousarray(flags, dtype=np.uint8)
    if flags.ndim == 1:  # one flag given as a vector (the shape of a (0, F) matrix is kept)
        flags = flags.reshape(-1, 1)
    if not len(expressions):
        return flags
    extra = np.column_stack([holds(flags, parse(e, flag_names)) for e in expressions])
    return np.ascontiguousarray(np.hstack([flags, extra.astype(np.uint8)]))


__all__ = [
    "NOT",
    "OR",
    "Expression",
    "ExpressionError",
    "Term",
    "flag_columns",
    "holds",
    "parse",
    "render",
    "split",
    "term_flag",
]
