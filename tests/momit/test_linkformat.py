"""The tolerant listing parser, on the simulator's reconstruction of the device listings."""

from __future__ import annotations

from aiocoap.util import linkformat
from hypothesis import given
import pytest

from custom_components.kumo_momit.momit import MomitProtocolError
from custom_components.kumo_momit.momit._linkformat import parse_listing
from simulators.momit_listings import AC_NODE_LISTING, OTHER_NODE_LISTING

from .conftest import MOMIT_PROPERTIES
from .strategies import listing_payloads


def test_listing_keeps_the_documented_defects() -> None:
    text = AC_NODE_LISTING.decode()
    assert 'title="IR capture command,</10244/0/1>' in text
    assert 'title="IR Send Command,</10244/0/3>' in text
    assert 'sz="MAX_PLUGFEST_BODY"' in text
    assert "</3/0/10>," in text
    assert text.count('"HW version"') == 3
    assert "<//>" in text


def test_aiocoap_strict_parser_fails_on_the_ac_listing() -> None:
    with pytest.raises(linkformat.link_header.ParseException):
        linkformat.parse(AC_NODE_LISTING.decode())
    # The other node's listing has no unterminated title: the strict parser accepts it.
    assert len(linkformat.parse(OTHER_NODE_LISTING.decode()).links) == 27


def test_ac_listing_parsed_tolerantly() -> None:
    listing = parse_listing(AC_NODE_LISTING)
    assert len(listing.hrefs) == 37  # experiment (e) of the notes (§12)
    assert listing.is_ac_controller
    assert listing.observable == {"/10241/0/0", "/10242/0/0", "/10243/0/16", "/10244/0/1"}
    assert "//" in listing.hrefs
    assert list(listing.hrefs) != sorted(listing.hrefs)


def test_other_listing_is_not_an_ac_controller() -> None:
    listing = parse_listing(OTHER_NODE_LISTING)
    assert len(listing.hrefs) == 27
    assert not listing.is_ac_controller
    assert listing.observable == {"/10241/0/0"}


@pytest.mark.parametrize(
    "body",
    [b"", b"not a listing", b"</10242/0/0>;obs", b"</10244/0/1>", b"\xff\xfe<garbage"],
)
def test_partial_or_garbage_bodies_are_not_ac_controllers(body: bytes) -> None:
    assert not parse_listing(body).is_ac_controller


def test_oversized_listing_is_a_protocol_error() -> None:
    with pytest.raises(MomitProtocolError):
        parse_listing(b"</10242/0/0>;obs," * 1200)  # ~20 KB: ten times a device listing


@MOMIT_PROPERTIES
@given(listing_payloads)
def test_listing_parser_raises_only_protocol_errors(body: bytes) -> None:
    try:
        listing = parse_listing(body)
    except MomitProtocolError:
        assert len(body) > 16384
        return
    assert listing.observable <= set(listing.hrefs)
    assert all(">" not in href and href == href.strip() for href in listing.hrefs)
