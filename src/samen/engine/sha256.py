"""SHA-256 (FIPS 180-4) of many short messages at once, compiled with Numba.

The lottery hashes ``seed|id`` for every child (and ``seed|school|id`` for every list
entry under multiple tie-breaking). ``hashlib`` does one message per Python call; for the
many draws of :mod:`samen.analytics.draws` the Python overhead dominates, so this module
hashes a whole batch in one compiled loop. It returns only what the lottery uses: the
first 8 bytes of each digest as a big-endian unsigned 64-bit integer. It is tested
against ``hashlib`` (and so against ``sha256sum``) on messages of every length class.

The compression function is OpenSSL's ``SHA256_Transform`` from the ``libcrypto`` that
Python's own ``hashlib`` uses, called from the compiled loop by address: it runs the
processor's SHA instructions where there are any (x86 SHA extensions, ARMv8 crypto), about
five times the speed of the portable code below (80,000 ids: 6 ms against 30 ms). The loop
pads the message itself (section 5.1.1) and asks OpenSSL for one 64-byte block at a time. If no ``libcrypto`` with that function is
found, or it fails a self-test against ``hashlib`` on first use, a portable compression
function compiled with Numba is used instead; both give the same numbers.

Reference: NIST FIPS 180-4, *Secure Hash Standard*, section 6.2.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
from collections.abc import Sequence

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
        0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
        0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
        0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
        0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
        0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
        0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
        0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
        0xC67178F2,
    ],
    dtype=np.uint64,
)  # fmt: skip
_H0 = np.array(
    [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB,
     0x5BE0CD19],
    dtype=np.uint64,
)  # fmt: skip
_M32 = np.uint64(0xFFFFFFFF)


@njit(cache=True, inline="always")
def _rotr(x, n):
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & np.uint64(0xFFFFFFFF)


@njit(cache=True)
def _compress(h, block, w, k):
    for t in range(16):
        b = 4 * t
        w[t] = (
            (np.uint64(block[b]) << np.uint64(24))
            | (np.uint64(block[b + 1]) << np.uint64(16))
            | (np.uint64(block[b + 2]) << np.uint64(8))
            | np.uint64(block[b + 3])
        )
    for t in range(16, 64):
        x = w[t - 15]
        y = w[t - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> np.uint64(3))
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> np.uint64(10))
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & np.uint64(0xFFFFFFFF)
    a, b_, c, d, e, f, g, hh = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
    for t in range(64):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ ((~e & np.uint64(0xFFFFFFFF)) & g)
        t1 = (hh + s1 + ch + k[t] + w[t]) & np.uint64(0xFFFFFFFF)
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        maj = (a & b_) ^ (a & c) ^ (b_ & c)
        t2 = (s0 + maj) & np.uint64(0xFFFFFFFF)
        hh = g
        g = f
        f = e
        e = (d + t1) & np.uint64(0xFFFFFFFF)
        d = c
        c = b_
        b_ = a
        a = (t1 + t2) & np.uint64(0xFFFFFFFF)
    h[0] = (h[0] + a) & np.uint64(0xFFFFFFFF)
    h[1] = (h[1] + b_) & np.uint64(0xFFFFFFFF)
    h[2] = (h[2] + c) & np.uint64(0xFFFFFFFF)
    h[3] = (h[3] + d) & np.uint64(0xFFFFFFFF)
    h[4] = (h[4] + e) & np.uint64(0xFFFFFFFF)
    h[5] = (h[5] + f) & np.uint64(0xFFFFFFFF)
    h[6] = (h[6] + g) & np.uint64(0xFFFFFFFF)
    h[7] = (h[7] + hh) & np.uint64(0xFFFFFFFF)


@intrinsic
def _call2(typingctx, fn, x, y):
    """Call the C function at address ``fn`` as ``void fn(void *x, void *y)``."""
    if not all(isinstance(t, types.Integer) for t in (fn, x, y)):
        return None

    def codegen(context, builder, signature, args):
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i8p])
        fp = builder.inttoptr(args[0], fnty.as_pointer())
        builder.call(fp, [builder.inttoptr(args[1], i8p), builder.inttoptr(args[2], i8p)])
        return context.get_dummy_value()

    return types.void(fn, x, y), codegen


@njit(cache=True)
def _batch(prefix, pre_ptr, pre_of, data, start, end, h0, k, transform, out):
    """``out[i]`` = first 8 bytes of SHA-256(prefix[pre_of[i]] + data[start[i]:end[i]]).

    The message is padded here (FIPS 180-4 section 5.1.1) and compressed a 64-byte block at a
    time: by OpenSSL's ``SHA256_Transform`` at address ``transform`` (its context begins with
    the eight 32-bit state words), or by :func:`_compress` when ``transform`` is 0."""
    ctx = np.zeros(32, dtype=np.uint32)  # an SHA256_CTX is 112 bytes; state first
    h = np.zeros(8, dtype=np.uint64)
    w = np.zeros(64, dtype=np.uint64)
    block = np.zeros(64, dtype=np.uint8)
    ctx_at = ctx.ctypes.data
    block_at = block.ctypes.data
    ready = -1  # the prefix that block[:lp] holds (one-block messages), -1 = none
    for i in range(len(start)):
        p = pre_of[i]
        p0 = pre_ptr[p]
        lp = pre_ptr[p + 1] - p0
        d0 = start[i]
        total = lp + end[i] - d0
        n_blocks = (total + 8) // 64 + 1  # message, 0x80, 8 length bytes
        for j in range(8):
            h[j] = h0[j]
            ctx[j] = np.uint32(h0[j])
        if n_blocks == 1 and transform != 0:
            # The common case (an id after a short seed): one block, whose prefix part is
            # that of the previous message when the prefix is the same.
            if ready != p:
                for pos in range(lp):
                    block[pos] = prefix[p0 + pos]
                ready = p
            for pos in range(lp, total):
                block[pos] = data[d0 + pos - lp]
            block[total] = 0x80
            for pos in range(total + 1, 56):
                block[pos] = 0
            bits = np.uint64(total) * np.uint64(8)
            for q in range(8):
                block[63 - q] = np.uint8((bits >> np.uint64(8 * q)) & np.uint64(0xFF))
            _call2(transform, ctx_at, block_at)
            out[i] = (np.uint64(ctx[0]) << np.uint64(32)) | np.uint64(ctx[1])
            continue
        ready = -1
        for blk in range(n_blocks):
            base = blk * 64
            block[:] = 0
            # the part of the prefix, then of the item, that falls in this block
            for pos in range(max(base, 0), min(base + 64, lp)):
                block[pos - base] = prefix[p0 + pos]
            for pos in range(max(base, lp), min(base + 64, total)):
                block[pos - base] = data[d0 + pos - lp]
            if base <= total < base + 64:
                block[total - base] = 0x80
            if blk == n_blocks - 1:
                bits = np.uint64(total) * np.uint64(8)
                for q in range(8):
                    block[63 - q] = np.uint8((bits >> np.uint64(8 * q)) & np.uint64(0xFF))
            if transform != 0:
                _call2(transform, ctx_at, block_at)
            else:
                _compress(h, block, w, k)
        if transform != 0:
            out[i] = (np.uint64(ctx[0]) << np.uint64(32)) | np.uint64(ctx[1])
        else:
            out[i] = (h[0] << np.uint64(32)) | h[1]


def _find_transform() -> int:
    """The address of a working ``SHA256_Transform`` in libcrypto, or 0."""
    names = []
    try:  # the libcrypto that hashlib itself is linked against comes first
        import _hashlib

        names.append(_hashlib.__file__)
    except (ImportError, AttributeError):
        pass
    found = ctypes.util.find_library("crypto")
    if found:
        names.append(found)
    for name in names:
        try:
            fn = ctypes.CDLL(name).SHA256_Transform
        except (OSError, AttributeError):
            continue
        address = ctypes.cast(fn, ctypes.c_void_p).value
        if address and _self_test(address):
            return int(address)
    return 0


def _self_test(address: int) -> bool:
    """The transform at ``address`` gives hashlib's numbers on a few lengths."""
    msgs = ["", "seed|A17", "x" * 55, "y" * 56, "z" * 64, "w" * 130]
    data, ptr = pack_strings(msgs)
    pre_data, pre_ptr = pack_strings([""])
    out = np.empty(len(msgs), dtype=np.uint64)
    _batch(
        pre_data, pre_ptr, np.zeros(len(msgs), np.int64),
        data, ptr[:-1].copy(), ptr[1:].copy(), _H0, _K, np.int64(address), out,
    )  # fmt: skip
    want = [int.from_bytes(hashlib.sha256(m.encode()).digest()[:8], "big") for m in msgs]
    return bool(out.tolist() == want)


def pack_strings(items: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of ``items`` concatenated, and offsets (length ``len(items) + 1``).

    >>> data, ptr = pack_strings(["A1", "é", ""])
    >>> bytes(data), ptr.tolist()
    (b'A1\\xc3\\xa9', [0, 2, 4, 4])
    """
    n = len(items)
    if n > 1:  # joined by NUL bytes, found again by NumPy (no per-item Python call)
        joined = "\x00".join(items).encode("utf-8")
        if joined.count(0) == n - 1:  # no NUL inside an item (UTF-8 has no other 0 byte)
            buf = np.frombuffer(joined, dtype=np.uint8)
            cuts = np.flatnonzero(buf == 0)
            ptr = np.empty(n + 1, dtype=np.int64)
            ptr[0] = 0
            ptr[1:n] = cuts - np.arange(n - 1)
            ptr[n] = len(buf) - (n - 1)
            return np.ascontiguousarray(buf[buf != 0]), ptr
    text = "".join(items)
    whole = text.encode("utf-8")
    ptr = np.zeros(len(items) + 1, dtype=np.int64)
    if len(whole) == len(text):  # ASCII (ids usually are): one byte a character
        np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=len(items)), out=ptr[1:])
    else:
        np.cumsum([len(s.encode("utf-8")) for s in items], out=ptr[1:])
    data = np.frombuffer(whole, dtype=np.uint8) if whole else np.zeros(0, np.uint8)
    return np.ascontiguousarray(data), ptr


def first8(
    prefixes: Sequence[str],
    prefix_of: np.ndarray,
    data: np.ndarray,
    ptr: np.ndarray,
    items: np.ndarray | None = None,
) -> np.ndarray:
    """First 8 bytes (big-endian uint64) of SHA-256 of ``prefixes[prefix_of[i]] + item i``,
    where item ``i`` is string ``items[i]`` (default ``i``) of ``data, ptr`` (from
    :func:`pack_strings`).

    >>> import hashlib
    >>> data, ptr = pack_strings(["A17"])
    >>> v = first8(["announced before the draw|"], np.zeros(1, np.int64), data, ptr)
    >>> f"{int(v[0]):016x}" == hashlib.sha256(b"announced before the draw|A17").hexdigest()[:16]
    True
    """
    pre_data, pre_ptr = pack_strings(prefixes)
    if items is None:
        start, end = ptr[:-1], ptr[1:]
    else:
        start, end = ptr[items], ptr[np.asarray(items) + 1]
    out = np.empty(len(start), dtype=np.uint64)
    args = (
        pre_data,
        pre_ptr,
        np.ascontiguousarray(prefix_of, dtype=np.int64),
        data,
        np.ascontiguousarray(start, dtype=np.int64),
        np.ascontiguousarray(end, dtype=np.int64),
        _H0,
    )
    _batch(*args, _K, np.int64(openssl_transform()), out)
    return out


_TRANSFORM: int | None = None


def openssl_transform() -> int:
    """The address of OpenSSL's ``SHA256_Transform`` that the batches use, or 0 when they use
    the portable compression function (looked up and self-tested on first use)."""
    global _TRANSFORM
    if _TRANSFORM is None:
        _TRANSFORM = _find_transform()
    return _TRANSFORM
