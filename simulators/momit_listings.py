"""`/.well-known/core` listings of the two Momit node types, as served by the simulator.

RECONSTRUCTION, NOT A CAPTURE. The protocol notes (docs/momit.md §4.1, §4.2, Appendix A) give
the listings as printed by a tool, one entry per line, not as wire bytes; these bytes are rebuilt
from them: every href, title and rt is spelled exactly as the device published it (typos such as
"Tx powerl" kept), `obs` is where the tables mark it, and the documented defects are reproduced
on purpose:

* two titles without a closing quote: `title="IR capture command,` and `title="IR Send Command,`;
* `sz="MAX_PLUGFEST_BODY"` (an unexpanded Contiki/Erbium macro name) on `/5/0/0`;
* `</3/0/10>` without any attribute;
* "HW version" three times (`/3/0/16`, `/10243/0/20`, `/10243/0/21`);
* entries not sorted; `<//>` for the default root resource; `ct=40` unquoted.

The wire form is assumed to be one comma-joined line (the README showed one entry per line) [INF].
The entry order below is an invented, unsorted order, not the device's. The AC listing has 37
hrefs and the other node's 27, as experiment (e) of the notes (§12) counted for the AC node.
"""

from __future__ import annotations

from typing import Final

_AC_ENTRIES: Final = (
    '</10242/0/0>;title="Events";obs',
    "</.well-known/core>;ct=40",
    '</3/0/0>;title="Manufacturer"',
    '</3/0/1>;title="Model Number"',
    '</3/0/2>;title="Serial Number"',
    '</3/0/3>;title="FW version"',
    '</10241/0/0>;title="TEM-HUM-BAT";obs',
    '</3/0/4>;title="Reboot"',
    '</3/0/5>;title="Factory Reset"',
    '</3/0/9>;title="Battery status";rt="Battery"',
    "</3/0/10>",
    '</3/0/12>;title="Init Bootstrapping"',
    '</3/0/16>;title="HW version"',
    '</3/0/14>;title="Tx powerl";rt="TX power"',
    '</3/0/15>;title="Channel: PUT value";rt="Channel"',
    '</0/1>;title="Security: PUT value";rt="Security"',
    '</1/1>;title="Server: PUT value";rt="Server"',
    '</10244/0/0>;title="IR capture command',  # closing quote missing [SRC]
    '</10244/0/1>;title="IR Status Command";obs',
    '</10244/0/2>;title="IR Send Command',  # closing quote missing [SRC]
    '</10244/0/3>;title="IR Autocheck: PUT value"',
    '</10244/0/4>;title="IR TX Mode: PUT value"',
    '</10243/0/1>;title="Cal Temp: PUT value"',
    '</10243/0/2>;title="Cal Hum: PUT value"',
    '</10243/0/6>;title="Hysteresis: PUT value"',
    '</10243/0/16>;title="SetPoint event";obs',
    '</10243/0/10>;title="Router ip";rt="IPv6 Router"',
    '</10243/0/11>;title="Error code";rt="HW"',
    '</10243/0/12>;title="ServerIp"',
    '</10243/0/13>;title="Neighbours"',
    '</10243/0/20>;title="HW version"',
    '</10243/0/21>;title="HW version"',
    '</5/0/0>;title="FW package can be updated using PUT method";rt="block";sz="MAX_PLUGFEST_BODY"',
    '</5/0/2>;title="fw_update"',
    '</5/0/3>;title="fw_state"',
    '</5/0/5>;title="fw_update_result"',
    '<//>;title="Default root resource"',
)

_OTHER_ENTRIES: Final = (
    "</.well-known/core>;ct=40",
    '</10241/0/0>;title="TEM-HUM-BAT";obs',
    '</3/0/0>;title="Manufacturer"',
    '</3/0/1>;title="Model Number"',
    '</3/0/2>;title="Serial Number"',
    '</3/0/3>;title="FW version"',
    '</3/0/4>;title="Reboot"',
    '</3/0/5>;title="Factory Reset"',
    "</3/0/10>",
    '</3/0/12>;title="Init Bootstrapping"',
    '</3/0/14>;title="Tx powerl";rt="TX power"',
    '</3/0/15>;title="Channel: PUT value";rt="Channel"',
    '</3/0/16>;title="HW version"',
    '</4/0/4>;title="Ip";rt="IPv6"',
    '</0/1>;title="Security: PUT value";rt="Security"',
    '</1/1>;title="Server: PUT value";rt="Server"',
    '</10243/0/6>;title="factory_programming: PUT value"',
    '</10243/0/10>;title="Router ip";rt="IPv6 Router"',
    '</10243/0/12>;title="ServerIp"',
    '</10243/0/13>;title="Neighbours"',
    '</10243/0/20>;title="HW version"',
    '</10243/0/21>;title="HW version"',
    '</5/0/0>;title="FW package can be updated using PUT method";rt="block";sz="MAX_PLUGFEST_BODY"',
    '</5/0/2>;title="fw_update"',
    '</5/0/3>;title="fw_state"',
    '</5/0/5>;title="fw_update_result"',
    '<//>;title="Default root resource"',
)

AC_NODE_LISTING: Final = ",".join(_AC_ENTRIES).encode("ascii")
"""Listing of the AC controller node (port 15395 in the README)."""

OTHER_NODE_LISTING: Final = ",".join(_OTHER_ENTRIES).encode("ascii")
"""Listing of the other node type (port 11686 in the README): no Events, no IR."""
