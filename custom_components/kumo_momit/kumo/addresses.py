"""Finding the LAN address of Kumo units (kumo.md §11).

The cloud v3 never returns addresses, and v2 copies lag network changes. What we can do: take
the DHCP sightings Home Assistant feeds in (MAC → IP), match them to units by MAC, and confirm
each with a status read signed with *that unit's* secrets — only the right adapter can answer
it. A manually entered address is confirmed the same way. Every IP is claimed by at most one
serial. Nothing here scans subnets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import logging
from typing import Final

import aiohttp

from ._values import normalize_address, normalize_mac
from .errors import KumoCredentialsError
from .probe import DEFAULT_PROBE_TIMEOUT, ProbeResult, probe
from .records import FieldSource, KumoUnitRecord

_LOGGER = logging.getLogger(__name__)

# §11: MAC prefixes of Kumo adapters used by hass-kumo 0.4.7's DHCP matchers (50:26:EF is
# Murata). The manifest's `dhcp` matchers list the same prefixes.
KUMO_OUIS: Final = ("04:c4:61", "24:cd:8d", "38:8d:3d", "50:26:ef", "70:74:14", "70:87:a7")


def is_kumo_mac(mac: str) -> bool:
    """Whether `mac` (any spelling) starts with a known Kumo adapter OUI (§11)."""
    normal = normalize_mac(mac)
    return normal is not None and normal[:8] in KUMO_OUIS


def normalize_dhcp_sightings(sightings: Mapping[str, str]) -> dict[str, str]:
    """MAC → address with MACs as `aa:bb:cc:dd:ee:ff`; unusable entries are dropped."""
    result: dict[str, str] = {}
    for raw_mac, raw_address in sightings.items():
        mac, address = normalize_mac(raw_mac), normalize_address(raw_address)
        if mac is not None and address is not None:
            result[mac] = address
    return result


@dataclass(frozen=True, kw_only=True)
class ProbeAttempt:
    """One signed probe: which unit's secrets were tried at which address, and the outcome.

    `WRONG_SECRETS` means a Kumo adapter answered there, but it is not this unit (or this
    unit's stored secrets are stale).
    """

    serial: str
    address: str
    result: ProbeResult


@dataclass(frozen=True, kw_only=True)
class AddressResolution:
    """Outcome of `async_resolve_addresses`."""

    # The input units, with confirmed addresses filled in (source `dhcp`).
    units: tuple[KumoUnitRecord, ...]
    attempts: tuple[ProbeAttempt, ...]
    # Serials that got a new, confirmed address.
    resolved: tuple[str, ...] = ()
    # MAC-matched addresses of units that have no secrets to confirm them with: a hint for
    # the user, not a fact (the lease may be stale), so they are not put into the records.
    unconfirmed: Mapping[str, str] = field(default_factory=dict)

    @property
    def unresolved(self) -> tuple[str, ...]:
        """Serials still without an address."""
        return tuple(unit.serial for unit in self.units if unit.address is None)

    def attempts_for(self, serial: str) -> tuple[ProbeAttempt, ...]:
        """The probes made with one unit's secrets."""
        return tuple(attempt for attempt in self.attempts if attempt.serial == serial)


class _Resolver:
    """State of one `async_resolve_addresses` run."""

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        records: list[KumoUnitRecord],
        sightings: dict[str, str],
        *,
        verify_known: bool,
        probe_timeout: float,
    ) -> None:
        self.session = session
        self.records = records
        self.sightings = sightings
        self.probe_timeout = probe_timeout
        self.unit_macs = {unit.mac for unit in records if unit.mac is not None}
        self.attempts: list[ProbeAttempt] = []
        self.unconfirmed: dict[str, str] = {}
        self.resolved: list[str] = []
        # Addresses in use by a unit we do not (re)check are taken.
        self.claimed: dict[str, str] = {
            unit.address: unit.serial
            for unit in records
            if unit.address is not None and not (verify_known and unit.has_secrets)
        }

    async def attempt(self, index: int, address: str) -> bool:
        """Probe `address` with unit `index`'s secrets; on a match the address is its own."""
        unit = self.records[index]
        credentials = unit.credentials
        assert credentials is not None  # only units with secrets are probed
        result = await probe(self.session, address, credentials, timeout=self.probe_timeout)
        self.attempts.append(ProbeAttempt(serial=unit.serial, address=address, result=result))
        _LOGGER.debug("Kumo probe of %s at %s: %s", unit.serial, address, result)
        if result is not ProbeResult.MATCH:
            return False
        self.claimed[address] = unit.serial
        if unit.address != address:
            self.records[index] = unit.with_address(address, FieldSource.DHCP)
            self.resolved.append(unit.serial)
        return True

    async def needs_address(self, index: int, *, verify_known: bool) -> bool:
        """Whether unit `index` is to be looked up (checking its known address if asked)."""
        unit = self.records[index]
        if unit.credentials is None:
            if unit.address is None and unit.mac is not None and unit.mac in self.sightings:
                self.unconfirmed[unit.serial] = self.sightings[unit.mac]
            return False
        if unit.address is None:
            return True
        if not verify_known:
            return False
        return unit.address in self.claimed or not await self.attempt(index, unit.address)

    async def by_mac(self, index: int) -> None:
        """Probe the address DHCP saw for the unit's MAC, unless another unit holds it."""
        unit = self.records[index]
        address = self.sightings.get(unit.mac) if unit.mac is not None else None
        if address is not None and address not in self.claimed and address != unit.address:
            await self.attempt(index, address)

    async def by_elimination(self, index: int) -> None:
        """A unit of unknown MAC: try every sighted address that no unit owns or claims."""
        unit = self.records[index]
        for mac, address in self.sightings.items():
            if address in self.claimed or mac in self.unit_macs or address == unit.address:
                continue
            if await self.attempt(index, address):
                return

    def result(self) -> AddressResolution:
        return AddressResolution(
            units=tuple(self.records),
            attempts=tuple(self.attempts),
            resolved=tuple(self.resolved),
            unconfirmed=self.unconfirmed,
        )


async def async_resolve_addresses(
    session: aiohttp.ClientSession | None,
    units: Iterable[KumoUnitRecord],
    dhcp_sightings: Mapping[str, str],
    *,
    verify_known: bool = False,
    probe_timeout: float = DEFAULT_PROBE_TIMEOUT,
) -> AddressResolution:
    """Give addresses to units that lack one, from DHCP sightings confirmed by signed probes.

    1. A unit whose MAC is in the sightings is probed there with its own secrets.
    2. A unit whose MAC is unknown is probed at each sighted address no unit claims and no
       other known unit's MAC owns, until one answers to its secrets.
    With `verify_known`, units that already have an address are probed there first, and
    looked up as above when it does not answer to their secrets; the old address is kept if no
    new one is confirmed (an unreachable unit may just be off). Probes run one at a time:
    adapters are fragile (§2.3). Units without secrets cannot be confirmed; their MAC match
    is reported in `unconfirmed`.
    """
    records = list(units)
    resolver = _Resolver(
        session,
        records,
        normalize_dhcp_sightings(dhcp_sightings),
        verify_known=verify_known,
        probe_timeout=probe_timeout,
    )
    searching = [
        index
        for index in range(len(records))
        if await resolver.needs_address(index, verify_known=verify_known)
    ]
    # Pass 1: by MAC. Pass 2: units with unknown MAC against the unowned sightings.
    for index in searching:
        if records[index].mac is not None:
            await resolver.by_mac(index)
    for index in searching:
        if records[index].mac is None:
            await resolver.by_elimination(index)
    return resolver.result()


@dataclass(frozen=True, kw_only=True)
class AddressCheck:
    """Outcome of `async_check_address`; `unit` carries the address only on `MATCH`."""

    result: ProbeResult
    unit: KumoUnitRecord


async def async_check_address(
    session: aiohttp.ClientSession | None,
    unit: KumoUnitRecord,
    address: str,
    *,
    source: FieldSource = FieldSource.USER,
    probe_timeout: float = DEFAULT_PROBE_TIMEOUT,
) -> AddressCheck:
    """Confirm a (typically user-entered) address for `unit` with a signed probe.

    Raises `ValueError` for an address that is not a host/IPv4 (with optional port) and
    `KumoCredentialsError` when the unit has no secrets to sign with.
    """
    clean = normalize_address(address)
    if clean is None:
        raise ValueError(f"{address!r} is not a host or IPv4 address")
    credentials = unit.credentials
    if credentials is None:
        raise KumoCredentialsError(
            f"Kumo unit {unit.serial} has no password/crypto serial to confirm an address with"
        )
    result = await probe(session, clean, credentials, timeout=probe_timeout)
    _LOGGER.debug("Kumo probe of %s at %s: %s", unit.serial, clean, result)
    if result is ProbeResult.MATCH:
        unit = unit.with_address(clean, source)
    return AddressCheck(result=result, unit=unit)


async def async_identify_address(
    session: aiohttp.ClientSession | None,
    units: Iterable[KumoUnitRecord],
    address: str,
    *,
    probe_timeout: float = DEFAULT_PROBE_TIMEOUT,
) -> tuple[KumoUnitRecord | None, tuple[ProbeAttempt, ...]]:
    """Which of `units` answers at `address`? Each unit with secrets is tried until one does.

    Returns the matching unit with the address set (source `user`), or None, plus every
    attempt: all `WRONG_SECRETS` means a Kumo adapter none of these secrets open. The first
    `UNREACHABLE`/`NOT_KUMO` stops early, as no other unit's secrets can change that answer.
    """
    clean = normalize_address(address)
    if clean is None:
        raise ValueError(f"{address!r} is not a host or IPv4 address")
    attempts: list[ProbeAttempt] = []
    for unit in units:
        credentials = unit.credentials
        if credentials is None:
            continue
        result = await probe(session, clean, credentials, timeout=probe_timeout)
        attempts.append(ProbeAttempt(serial=unit.serial, address=clean, result=result))
        if result is ProbeResult.MATCH:
            return unit.with_address(clean, FieldSource.USER), tuple(attempts)
        if result is not ProbeResult.WRONG_SECRETS:
            break
    return None, tuple(attempts)
