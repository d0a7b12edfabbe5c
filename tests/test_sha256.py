"""The compiled batch SHA-256 of the lottery equals hashlib (and so ``sha256sum``)."""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samen.engine import lottery
from samen.engine.sha256 import first8, pack_strings


def _ref(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


@settings(max_examples=60, deadline=None)
@given(
    prefixes=st.lists(st.text(max_size=80), min_size=1, max_size=3),
    items=st.lists(st.text(max_size=140), min_size=1, max_size=12),
    data=st.data(),
)
def test_batch_equals_hashlib(prefixes, items, data) -> None:
    which = data.draw(
        st.lists(st.integers(0, len(prefixes) - 1), min_size=len(items), max_size=len(items))
    )
    packed, ptr = pack_strings(items)
    got = first8(prefixes, np.array(which, dtype=np.int64), packed, ptr)
    assert got.tolist() == [_ref(prefixes[w] + t) for w, t in zip(which, items, strict=True)]


def test_every_padding_length() -> None:
    # 55, 56 and 64 bytes are where SHA-256 padding needs one block or two.
    items = ["x" * k for k in range(0, 200)]
    packed, ptr = pack_strings(items)
    got = first8(["s|"], np.zeros(len(items), dtype=np.int64), packed, ptr)
    assert got.tolist() == [_ref("s|" + t) for t in items]


def test_large_batches_use_the_same_numbers() -> None:
    ids = [f"A{i:05d}" for i in range(3_000)]  # above the batch threshold
    assert lottery.single("seed", ids).tolist() == [_ref("seed|" + i) for i in ids]
    schools = ["S1", "S2"]
    pair_school = np.array([i % 2 for i in range(3_000)])
    assert (
        lottery.pairs("seed", schools, pair_school, ids).tolist()
        == lottery.pairs_packed(
            "seed", schools, pair_school, np.arange(3_000), pack_strings(ids)
        ).tolist()
    )


def test_portable_and_openssl_compression_agree(monkeypatch) -> None:
    from samen.engine import sha256

    items = ["x" * k for k in range(0, 140, 3)] + ["école|Ünïcode", "A17"]
    packed, ptr = pack_strings(items)
    which = np.zeros(len(items), dtype=np.int64)
    want = [_ref("seed|draw:3|" + t) for t in items]
    first = first8(["seed|draw:3|"], which, packed, ptr).tolist()
    assert first == want
    monkeypatch.setattr(sha256, "_TRANSFORM", 0)  # force the portable compression
    assert sha256.openssl_transform() == 0
    assert first8(["seed|draw:3|"], which, packed, ptr).tolist() == want


def test_openssl_transform_is_found_here() -> None:
    # Debian's libcrypto exports SHA256_Transform; without it the lottery is slower, not wrong.
    from samen.engine import sha256

    assert sha256.openssl_transform() != 0
