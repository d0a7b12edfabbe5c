"""The public lottery (spec section 3).

Lottery numbers are unsigned 64-bit integers, smaller is better:

* single tie-breaking: ``L(a) = first 8 bytes, big-endian, of SHA-256(seed + "|" + a)``;
* multiple tie-breaking: ``L(a, s) = first 8 bytes of SHA-256(seed + "|" + s + "|" + a)``.

Anyone can check a number with ``printf '%s' 'SEED|A17' | sha256sum`` (the first 16 hex
digits). A child's number does not depend on who else applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

from samen.engine.sha256 import first8, pack_strings

#: from this many numbers on, hash in one compiled batch rather than call by call
_BATCH = 2_000


def number(seed: str, *parts: str) -> int:
    """``int`` of the first 8 bytes (big-endian) of SHA-256 of ``seed|part|...`` in UTF-8.

    >>> hex16(number("announced before the draw", "A17"))
    '2e13e3fad620ae59'
    """
    data = "|".join((seed, *parts)).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def hex16(value: int) -> str:
    """A lottery number as 16 lowercase hex digits (as ``sha256sum`` prints its start)."""
    return f"{int(value):016x}"


def _digest_array(prefix: bytes, ids: Iterable[str]) -> np.ndarray:
    sha = hashlib.sha256
    buf = b"".join(sha(prefix + i.encode("utf-8")).digest()[:8] for i in ids)
    return np.frombuffer(buf, dtype=">u8").astype(np.uint64)


def single(
    seed: str,
    applicant_ids: Sequence[str],
    packed: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """``L(a)`` for every applicant (uint64 array, single tie-breaking).

    ``packed`` may give the ids already encoded (:func:`samen.engine.sha256.pack_strings`),
    which the many draws of one round reuse.
    """
    if packed is None and len(applicant_ids) < _BATCH:
        return _digest_array((seed + "|").encode("utf-8"), applicant_ids)
    data, ptr = packed if packed is not None else pack_strings(applicant_ids)
    return first8([seed + "|"], np.zeros(len(ptr) - 1, dtype=np.int64), data, ptr)


def multiple(seed: str, school_id: str, applicant_ids: Sequence[str]) -> np.ndarray:
    """``L(a, s)`` for one school and many applicants (multiple tie-breaking)."""
    return _digest_array((seed + "|" + school_id + "|").encode("utf-8"), applicant_ids)


def pairs_packed(
    seed: str,
    school_ids: Sequence[str],
    pair_school: np.ndarray,
    pair_applicant: np.ndarray,
    packed: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """``L(a, s)`` for (school index, applicant index) pairs, the applicant ids given by
    ``packed`` (:func:`samen.engine.sha256.pack_strings`)."""
    data, ptr = packed
    prefixes = [seed + "|" + s + "|" for s in school_ids]
    return first8(prefixes, pair_school, data, ptr, items=pair_applicant)


def pairs(
    seed: str, school_ids: Sequence[str], pair_school: np.ndarray, pair_applicant: Sequence[str]
) -> np.ndarray:
    """``L(a, s)`` for a list of (school index, applicant id) pairs."""
    sha = hashlib.sha256
    s_prefix = [(seed + "|" + s + "|").encode("utf-8") for s in school_ids]
    buf = b"".join(
        sha(s_prefix[s] + a.encode("utf-8")).digest()[:8]
        for s, a in zip(pair_school.tolist(), pair_applicant, strict=True)
    )
    return np.frombuffer(buf, dtype=">u8").astype(np.uint64)
