"""Delivering the registry's 1002 (set MN) and 1014 (set key) commands.

The gateway reads the open commands every ``command_poll`` seconds
(:class:`greenloop.monitoring.models.DeviceCommand`, created by
administrators or by a device's own key request). A command goes to a
device when its connection has authenticated a packet — at once if the
device is connected, else when it next connects — one command per device
at a time, as a request with Flag A = 1 (2017 §6.1 answer mode):

1. send the request; no 9011 within ``command_timeout``: send again, at
   most ``command_resends`` times on this connection (2017 §6.2);
2. 9011 ``QnRtn=1``: the device will execute; another code fails it;
3. 9012 ``ExeRtn=1``: done — the registry cache switches to the new MN or
   key at once, and the database with the next commit. Until then the
   device's packets are read with its registered key, and the new key is
   only tried when that one fails; a packet that only the new key
   decrypts also proves the device switched.

Everything is reported to the database as ``CommandEvent`` records
through the group-commit writer (no Django here). Answers are matched by
the QN of the request on the connection it went out on, since a device
answers a 1002 with the new MN already.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from greenloop.hj212 import DeviceProfile, Frame, Packet, PacketError, parse_frame
from greenloop.hj212.versions import SPECS, Version
from greenloop.monitoring.records import CommandEvent, DeviceEntry, PendingCommand

if TYPE_CHECKING:
    from greenloop.gateway.protocol import DeviceConnection
    from greenloop.gateway.server import ServerState

logger = logging.getLogger(__name__)

SET_MN, SET_KEY = "1002", "1014"
REQUEST_ANSWER, EXECUTION_RESULT = "9011", "9012"
_V2025 = Version.HJ212_2025


@dataclass(eq=False)
class Flight:
    """A command sent on one connection, waiting for its 9011/9012."""

    command: PendingCommand
    connection: DeviceConnection
    entry: DeviceEntry
    profile: DeviceProfile
    sent_at: float = 0.0
    sends: int = 0
    acknowledged: bool = False


def command_packet(command: PendingCommand, entry: DeviceEntry) -> Packet:
    """The request for ``command`` (hj212-2025.md C3, B9; CYL C3/C8 ⚠)."""
    flag = SPECS[_V2025].reply_flag | 1  # 9: answer wanted
    st = entry.st or "91"
    if command.kind == SET_MN:
        # The device takes the MN of the request's header as its own and
        # i23005-Info names the logger meant (caoyiliang/HJ212 SetMNRsp).
        return Packet(
            cn=SET_MN,
            qn=command.qn,
            st=st,
            pw=entry.password,
            mn=command.new_mn,
            flag=flag,
            pollutants={"i23005": {"Info": command.logger_id}} if command.logger_id else {},
        )
    assert command.new_sm4_key is not None
    return Packet(
        cn=SET_KEY,
        qn=command.qn,
        st=st,
        pw=entry.password,
        mn=entry.mn,
        flag=flag,
        cp={"SKCreateTime": command.sk_created_at, "NewSK": command.new_sm4_key.hex().upper()},
    )


def _code(packet: Packet, name: str) -> int:
    text = packet.cp.get(name, "")
    return int(text) if text.isdigit() and len(text) <= 3 else 0


class CommandDesk:
    """Open commands, the connection of each device, commands in flight."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.open: dict[int, list[PendingCommand]] = {}
        self.flights: dict[int, Flight] = {}
        self.connections: dict[int, tuple[DeviceConnection, DeviceEntry, DeviceProfile]] = {}
        self._given_up: dict[int, DeviceConnection] = {}
        self._retired_keys: dict[int, bytes] = {}
        # Finished here, perhaps not yet committed: a poll in between must
        # not send them again.
        self._finished: set[int] = set()
        self.sent = 0

    # --- what the gateway learns ----------------------------------------

    def update(self, commands: list[PendingCommand]) -> None:
        """The open commands as just read from the registry."""
        by_device: dict[int, list[PendingCommand]] = {}
        read = {c.id for c in commands}
        self._finished &= read  # committed meanwhile: no longer read as open
        for command in commands:
            if command.id not in self._finished:
                by_device.setdefault(command.device_id, []).append(command)
        self.open = by_device
        for command_id, flight in list(self.flights.items()):
            if command_id not in read:  # cancelled, or finished elsewhere
                self._land(flight)
        for command_id in list(self._given_up):
            if command_id not in read:
                del self._given_up[command_id]
        for device_id in by_device:
            self.offer(device_id)

    def seen(
        self, connection: DeviceConnection, entry: DeviceEntry, profile: DeviceProfile
    ) -> None:
        """``connection`` authenticated a packet of ``entry``."""
        known = self.connections.get(entry.id)
        if known is None or known[0] is not connection or known[1] is not entry:
            self.connections[entry.id] = (connection, entry, profile)
        if entry.id in self.open:
            self.offer(entry.id)

    def connection_lost(self, connection: DeviceConnection) -> None:
        for device_id, (known, _, _) in list(self.connections.items()):
            if known is connection:
                del self.connections[device_id]
        for flight in list(self.flights.values()):
            if flight.connection is connection:
                self._land(flight)
        for command_id, given_up in list(self._given_up.items()):
            if given_up is connection:
                del self._given_up[command_id]

    # --- sending ----------------------------------------------------------

    def offer(self, device_id: int) -> None:
        """Send the device's oldest open command if none is in flight."""
        known = self.connections.get(device_id)
        if known is None or known[0].closing:
            return
        connection, entry, profile = known
        if any(f.entry.id == device_id for f in self.flights.values()):
            return
        for command in self.open.get(device_id, ()):
            if self._given_up.get(command.id) is connection:
                continue
            if command.kind == SET_KEY and (command.new_sm4_key is None or entry.sm4_key is None):
                continue  # never a key in clear (monitoring.commands.request_key_rotation)
            flight = Flight(command, connection, entry, profile)
            self.flights[command.id] = flight
            connection.command_flights[command.qn] = flight
            self._send(flight)
            return

    def _send(self, flight: Flight) -> None:
        state = self.state
        try:
            data = flight.connection.send(
                command_packet(flight.command, flight.entry), flight.profile
            )
        except PacketError:
            logger.exception(
                "Unable to build command %s for %s", flight.command.qn, flight.entry.mn
            )
            self._land(flight)
            self._given_up[flight.command.id] = flight.connection
            return
        if not data:
            self._land(flight)
            return
        flight.sends += 1
        flight.sent_at = state.loop.time()
        self.sent += 1
        state.writer.add_command_event(CommandEvent(flight.command.id, "sent", state.now()))
        logger.info(
            "Sent command %s (CN %s) to device %s",
            flight.command.qn,
            flight.command.kind,
            flight.entry.mn,
        )

    def check_timeouts(self) -> None:
        """Re-send unanswered commands; give up on a connection after the
        re-sends (2017 §6.2), or when the 9012 does not come."""
        config = self.state.config
        now = self.state.loop.time()
        for flight in list(self.flights.values()):
            waited = now - flight.sent_at
            if flight.acknowledged:
                # Execution timeout: the device said it would, but did not report.
                if waited >= config.command_timeout * (1 + config.command_resends):
                    self._give_up(flight)
            elif waited >= config.command_timeout:
                if flight.sends <= config.command_resends and not flight.connection.closing:
                    self._send(flight)
                else:
                    self._give_up(flight)

    def _give_up(self, flight: Flight) -> None:
        logger.warning(
            "Device %s did not answer command %s; trying again when it reconnects",
            flight.entry.mn,
            flight.command.qn,
        )
        self._land(flight)
        self._given_up[flight.command.id] = flight.connection

    def _land(self, flight: Flight) -> None:
        self.flights.pop(flight.command.id, None)
        flight.connection.command_flights.pop(flight.command.qn, None)

    # --- answers ----------------------------------------------------------

    def answer(self, flight: Flight, frame: Frame) -> str | None:
        """Handle a 9011/9012 with the QN of ``flight``; the refusal kind, if any."""
        try:
            packet = parse_frame(frame)  # 9011/9012 are never encrypted (2025 §6.4.4)
        except PacketError as exc:
            return exc.kind
        if not hmac.compare_digest((packet.pw or "").encode(), flight.entry.password.encode()):
            return "bad_password"
        command, state = flight.command, self.state
        now = state.now()
        if packet.cn == REQUEST_ANSWER:
            code = _code(packet, "QnRtn")
            state.writer.add_command_event(CommandEvent(command.id, "answered", now, code))
            if code == 1:
                flight.acknowledged = True
                flight.sent_at = state.loop.time()
            else:
                self._done(flight)
            return None
        code = _code(packet, "ExeRtn")
        state.writer.add_command_event(CommandEvent(command.id, "executed", now, code))
        self._done(flight)
        if code == 1:
            self._switch(command, flight.entry)
        return None

    def alternative_keys(self, entry: DeviceEntry) -> list[tuple[bytes, PendingCommand | None]]:
        """Keys to try when the registered one fails: an open 1014's new key
        (the device may have switched already), then the key just replaced."""
        keys: list[tuple[bytes, PendingCommand | None]] = [
            (c.new_sm4_key, c)
            for c in self.open.get(entry.id, ())
            if c.kind == SET_KEY and c.new_sm4_key is not None and c.new_sm4_key != entry.sm4_key
        ]
        retired = self._retired_keys.get(entry.id)
        if retired is not None and retired != entry.sm4_key:
            keys.append((retired, None))
        return keys

    def confirmed_by_data(self, command: PendingCommand, entry: DeviceEntry) -> None:
        """A packet decrypted only with the new key of ``command``."""
        state = self.state
        state.writer.add_command_event(CommandEvent(command.id, "confirmed", state.now()))
        flight = self.flights.get(command.id)
        if flight is not None:
            self._done(flight)
        self._switch(command, entry)

    def _done(self, flight: Flight) -> None:
        self._land(flight)
        self._finished.add(flight.command.id)
        commands = self.open.get(flight.entry.id, [])
        if flight.command in commands:
            commands.remove(flight.command)

    def _switch(self, command: PendingCommand, entry: DeviceEntry) -> None:
        """Use the new MN or key from now on, before the database says so."""
        cache = self.state.cache
        self._finished.add(command.id)
        commands = self.open.get(entry.id, [])
        if command in commands:
            commands.remove(command)
        if command.kind == SET_MN:
            cache.put(command.new_mn, dataclasses.replace(entry, mn=command.new_mn))
            cache.put(entry.mn, None)
            logger.info("Device %s now has MN %s", entry.mn, command.new_mn)
        else:
            if entry.sm4_key is not None:
                self._retired_keys[entry.id] = entry.sm4_key
            cache.put(entry.mn, dataclasses.replace(entry, sm4_key=command.new_sm4_key))
            logger.info("Device %s switched to its new SM4 key", entry.mn)
        self.connections.pop(entry.id, None)
        self.offer(entry.id)
