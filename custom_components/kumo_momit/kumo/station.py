"""A Kumo Station (§10): outdoor air temperature, paired sensors, adapter WiFi."""

from __future__ import annotations

from typing import Final

from ._poller import KumoPoller
from ._tree import JsonTree, has_path
from .errors import KumoError, KumoProtocolError
from .models import StationState, parse_celsius

OAT_TREE: Final[JsonTree] = {"eqc": {"oat": {}}}


class KumoStation(KumoPoller):
    """A Kumo Station (§10): `eqc.oat` every poll; sensors and adapter status as for units."""

    _state: StationState | None = None

    @property
    def state(self) -> StationState | None:
        """The last polled state."""
        return self._state

    async def async_update(self) -> StationState:
        """Poll the station; raises a `KumoError` if the outdoor temperature read failed."""
        try:
            reply = await self.client.request(OAT_TREE)
            if not has_path(reply, ("eqc", "oat")):
                raise KumoProtocolError(f"{self.name}: reply without eqc.oat")
        except KumoError:
            self._info.expire()
            raise
        # A station has no climate control and nothing here is needed to be useful.
        await self._refresh_optional(need=False)
        self._state = StationState(
            serial=self.serial,
            name=self.name,
            outdoor_temperature=parse_celsius(reply["eqc"]["oat"], "eqc.oat"),
            sensors=self._sensors,
            adapter=self._adapter,
        )
        return self._state
