"""Hypothesis strategies for hostile and broken input, and the checks of the parser contract.

The contract of every Kumo parser: it returns its result, a documented None, or raises the
library's own typed error; never an untyped exception. What it returns can be stored by Home
Assistant: no lone surrogates in text, no NaN/infinite numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
import json
import math
from typing import Any

from hypothesis import strategies as st

# Inputs that broke parsers before (issue 11) and their relatives.
DEEP_NESTING = b"[" * 9999 + b"]" * 9999
DEEP_OBJECT = b'{"a":' * 5000 + b"1" + b"}" * 5000
HUGE_INT = 10**309
SPECIAL_TEXT = ("²", "\udcff", "\ud800x", "", " ", "__ungettable", "unset", "NaN", "\x00", "٣")
SPECIAL_NUMBERS: tuple[Any, ...] = (
    HUGE_INT,
    -HUGE_INT,
    10**400,
    1e308,
    -1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    0,
    -1,
    True,
    4294967295,
)

hostile_text = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from('0123456789abcdef:.²\udcff "\\{[')),
)
hostile_numbers = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
    st.integers(),
    st.integers(min_value=-(10**330), max_value=10**330),
    st.floats(),
)
scalars = st.one_of(st.none(), st.booleans(), hostile_numbers, hostile_text)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(hostile_text, children, max_size=4),
    ),
    max_leaves=6,
)


def objects_with(keys: tuple[str, ...], values: st.SearchStrategy[Any] = json_values) -> Any:
    """JSON objects holding some of `keys` (the ones a parser reads) with hostile values."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(keys, values))


def encode(value: Any) -> bytes:
    """JSON bytes as a device might send them: NaN and surrogates pass as Python writes them."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def wire_bytes(values: st.SearchStrategy[Any] = json_values) -> Any:
    """Reply bodies: encoded values mostly, raw junk and the known killers sometimes."""
    return st.one_of(
        values.map(encode),
        st.binary(max_size=64),
        st.sampled_from(
            (DEEP_NESTING, DEEP_OBJECT, b'{"r": 1' + b"0" * 400 + b"}", b"\xff\xfe", b"")
        ),
    )


def assert_storable(value: Any, path: str = "result") -> None:
    """What a parser returns can go into Home Assistant's JSON storage and state machine."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            assert_storable(getattr(value, item.name), f"{path}.{item.name}")
    elif isinstance(value, str):
        value.encode("utf-8")  # raises for lone surrogates
    elif isinstance(value, float):
        assert math.isfinite(value), f"{path} = {value!r}"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            assert_storable(key, f"{path} key")
            assert_storable(item, f"{path}[{key!r}]")
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            assert_storable(item, f"{path}[{index}]")
    else:
        assert value is None or isinstance(value, int), f"{path}: {type(value).__name__}"


def chain_text(err: BaseException) -> str:
    """str() and repr() of an exception and of everything in its cause/context chain."""
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return "\n".join(f"{item!s} {item!r} {item.args!r}" for item in seen)
