"""Hypothesis strategies for hostile gateway input: near-miss payloads, absurd numbers, noise."""

from __future__ import annotations

from hypothesis import strategies as st

# Integers far beyond anything a node sends: past float range (>= 309 digits) and past
# Python's int-parsing digit limit (4,300), besides ordinary ones.
absurd_integers = st.one_of(
    st.integers(min_value=-40000, max_value=70000),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.builds(
        lambda head, zeros: f"{head}{'0' * zeros}", st.integers(1, 9), st.integers(300, 5000)
    ),
).map(str)

_noise = st.text(st.characters(codec="utf-8"), max_size=12)
_numberish = st.one_of(absurd_integers, _noise, st.sampled_from(["off", "", "-", "+1", "0x10"]))
_keys = st.one_of(st.sampled_from(["cm", "t", "sp", "out", "fw"]), _noise)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


key_value_payloads = st.one_of(
    st.binary(max_size=2048),
    st.lists(st.tuples(_keys, st.sampled_from(["=", "", "=="]), _numberish), max_size=8).map(
        lambda pairs: _encode(",".join(f"{k}{sep}{v}" for k, sep, v in pairs))
    ),
)
"""Payloads for `/10242/0/0` (state) parsing."""

reading_payloads = st.one_of(
    st.binary(max_size=2048),
    st.lists(_numberish, min_size=1, max_size=5).map(lambda parts: _encode(",".join(parts))),
)
"""Payloads for `/10241/0/0` (TEM-HUM-BAT) parsing."""

_link_pieces = st.sampled_from(["<", ">", ";obs", ";", ",", '"', "</10242/0/0>", "</10244/0/1>"])
listing_payloads = st.one_of(
    st.binary(max_size=20000),
    st.lists(st.one_of(_link_pieces, _noise), max_size=60).map(
        lambda parts: _encode("".join(parts))
    ),
)
"""Bodies for `/.well-known/core` parsing."""

identity_payloads = st.one_of(
    st.binary(max_size=2048), _noise.map(_encode), st.text(max_size=100).map(_encode)
)
"""Payloads for `/3/0/x` texts (serial, model, ...)."""

_header = st.builds(
    lambda tkl, mtype, code, mid: bytes([0x40 | mtype << 4 | tkl, code]) + mid.to_bytes(2),
    st.integers(0, 15),
    st.integers(0, 3),
    st.sampled_from([0x00, 0x41, 0x44, 0x45, 0x84, 0xA0]) | st.integers(0, 255),
    st.integers(0, 0xFFFF),
)
coap_datagrams = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda header, rest: header + rest, _header, st.binary(max_size=120)),
)
"""Datagrams as a gateway (or anything on the LAN) might send them."""
