"""Tolerant reading of a node's `/.well-known/core` listing.

The device listing is not valid RFC 6690 link-format: two titles have no closing quote
(`title="IR capture command,` and `title="IR Send Command,`) and `sz` is a macro name [SRC].
aiocoap's strict parser raises `ParseException` on it [LAB], so hrefs are pulled out with the
regex `<([^>]*)>` (§3), and attributes are only looked at for `obs`.
"""

from __future__ import annotations

import re

from .errors import MomitProtocolError
from .models import MAX_LISTING_BYTES, NodeListing

_HREF = re.compile(r"<([^>]*)>")
# `obs` as a bare attribute somewhere in an entry's attribute text (RFC 7641 §6).
_OBS = re.compile(r";\s*obs\s*(?=[;,]|$)")


def parse_listing(payload: bytes) -> NodeListing:
    """Extract hrefs (in listing order, duplicates kept) and the observable ones.

    A body without any `<...>` simply yields an empty listing, which no caller mistakes for an
    AC controller. Raises MomitProtocolError only for a body over `MAX_LISTING_BYTES`.
    """
    if len(payload) > MAX_LISTING_BYTES:
        raise MomitProtocolError(f"listing of {len(payload)} bytes (at most {MAX_LISTING_BYTES})")
    text = payload.decode("utf-8", errors="replace")
    matches = list(_HREF.finditer(text))
    hrefs: list[str] = []
    observable: set[str] = set()
    for index, match in enumerate(matches):
        href = match.group(1).strip()
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        attributes = text[match.end() : end].rstrip().rstrip(",")
        hrefs.append(href)
        if _OBS.search(attributes):
            observable.add(href)
    return NodeListing(hrefs=tuple(hrefs), observable=frozenset(observable))
