"""One protocol object per device connection (STYLE.md §8).

``data_received`` feeds the bytes to the HJ 212 :class:`FrameDecoder` and
acts on each complete frame, in order:

1. Cheap checks first: the MN from the clear-text header, the registry
   entry from the cache (a miss pauses reading while one read runs).
2. Unknown MN, disabled or quarantined device: refused, not answered;
   with onboarding on, an unknown MN with a sound packet is quarantined.
3. ``parse_frame`` with the device's profile (version, SM4 key): CRC,
   length and format failures are refused, not answered.
4. The PW must match the registry.
5. Data packets go to the group-commit writer; their answer (9014 when the
   Flag asks for one) is written only when the batch has committed.
   Heartbeats (9015) and notifications (1013…) are answered at once:
   there is nothing to store. Answers from the device (9011-9014) are only
   noted.

Refused packets are counted by kind and a bounded sample is logged with
their bytes. Limits per connection: the decoder's maximum segment length,
an idle timeout, a packet rate (reading pauses when it is exceeded),
unacknowledged packets in flight, refusals in a row. Anything unexpected
while handling a frame is logged and affects that frame only.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import deque
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from greenloop.gateway.registry import Known
from greenloop.hj212 import (
    PLAIN,
    DeviceProfile,
    Frame,
    FrameDecoder,
    Packet,
    PacketError,
    build_packet,
    parse_frame,
)
from greenloop.hj212.responses import (
    HEARTBEAT,
    NOTIFICATIONS,
    answer_bytes,
    notification_response,
)
from greenloop.hj212.versions import SPECS, Version
from greenloop.monitoring.records import (
    BatchResult,
    DeviceEntry,
    HardwareReport,
    Newcomer,
    Reading,
    Rejection,
    Sighting,
    hardware_from_pollutants,
)

if TYPE_CHECKING:
    from greenloop.gateway.commands import Flight
    from greenloop.gateway.server import ServerState

logger = logging.getLogger(__name__)

ANSWERS: Final = frozenset({"9011", "9012", "9013", "9014"})
"""Interaction commands a device sends back to the platform (2017 Table 9)."""
COMMAND_ANSWERS: Final = frozenset({"9011", "9012"})
HARDWARE_SERIAL, KEY_REQUEST = "1001", "1014"
"""HJ 212-2025 provisioning messages from the device, answered 9013 and
acted on by the registry (:mod:`greenloop.gateway.commands`)."""

_ACTIVE, _QUARANTINED = "ACTIVE", "QUARANTINED"
_CP_OPEN: Final = b"CP=&&"
_RAW_SAMPLE: Final = 512


def header_text(segment: bytes, name: bytes) -> str | None:
    """One clear-text header field of a data segment, before parsing.

    The header (``QN=…;ST=…;…;MN=…;Flag=…;``) is never encrypted (HJ 212-2025
    §6.4.2), so the MN can pick the device profile that decrypts the CP.

    Examples
    --------
    >>> header_text(b"QN=1;ST=22;CN=2011;PW=x;MN=ABC;Flag=5;CP=&&&&", b"MN")
    'ABC'
    """
    end = segment.find(_CP_OPEN)
    head = segment[: end if end >= 0 else 256]
    prefix = name + b"="
    for item in head.split(b";"):
        if item.startswith(prefix):
            return item[len(prefix) :].decode("ascii", "replace")
    return None


def _text_values(packet: Packet) -> dict[str, dict[str, str]]:
    """The pollutants of a packet parsed with ``numbers=False``: all text,
    exactly as sent, in dicts the parser made for this packet alone."""
    pollutants = packet.pollutants
    if isinstance(pollutants, dict):
        return pollutants  # type: ignore[return-value]
    return {  # pragma: no cover - parse_frame always builds dicts
        code: {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in fields.items()}
        for code, fields in pollutants.items()
    }


class DeviceConnection(asyncio.Protocol):
    """The gateway's end of one TCP connection."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        config = state.config
        self.decoder = FrameDecoder(max_length=config.max_segment)
        self.transport: asyncio.Transport | None = None
        self.peer = ""
        self.closing = False
        self._events: deque[Frame | PacketError] = deque()
        self._lookup: asyncio.Task[None] | None = None
        self._inflight = 0
        self._pauses: set[str] = set()
        self._tokens = float(config.burst)
        self._tokens_at = 0.0
        self._last_activity = 0.0
        self._idle_handle: asyncio.TimerHandle | None = None
        self._resume_handle: asyncio.TimerHandle | None = None
        self._auth_failures = 0
        self._introduced: set[int] = set()
        self._samples = 0
        self._samples_window = 0.0
        self.command_flights: dict[str, Flight] = {}
        """Commands sent on this connection, by QN, waiting for 9011/9012."""

    # --- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer or "")
        state = self.state
        stats = state.stats
        stats.connections_total += 1
        if state.shutting_down or len(state.connections) >= state.config.max_connections:
            stats.connections_refused += 1
            logger.warning("Refused connection from %s: too many connections", self.peer)
            transport.close()
            return
        state.connections.add(self)
        loop = state.loop
        self._tokens_at = self._last_activity = self._samples_window = loop.time()
        self._idle_handle = loop.call_later(state.config.idle_timeout, self._check_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.state.connections.discard(self)
        for handle in (self._idle_handle, self._resume_handle):
            if handle is not None:
                handle.cancel()
        if self._lookup is not None:
            self._lookup.cancel()
        for event in self.decoder.close():
            if isinstance(event, PacketError):
                self._refuse(event.kind, event.message, raw=event.raw or b"")
        self._events.clear()
        self.state.connection_closed(self)

    def data_received(self, data: bytes) -> None:
        self._last_activity = self.state.loop.time()
        self.state.stats.bytes_received += len(data)
        self._events.extend(self.decoder.feed(data))
        self._process()

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def pause_writing(self) -> None:
        # Back-pressure: the device does not read its answers; stop reading
        # its packets until the write buffer drains (uvicorn flow_control).
        self._pause("write")

    def resume_writing(self) -> None:
        self._resume("write")

    # --- shutdown ---------------------------------------------------------

    def begin_shutdown(self) -> None:
        """Stop reading; close once the packets in flight are answered."""
        self._pause("shutdown")
        self.closing = True
        if self._inflight == 0 and self.transport is not None:
            self.transport.close()

    @property
    def inflight(self) -> int:
        return self._inflight

    # --- frames -----------------------------------------------------------

    def _process(self) -> None:
        events = self._events
        cache = self.state.cache
        while events and self._lookup is None and not self.closing and "rate" not in self._pauses:
            event = events[0]
            if isinstance(event, PacketError):
                events.popleft()
                self._refuse(event.kind, event.message, raw=event.raw or b"")
                continue
            mn = header_text(event.segment, b"MN")
            if self.command_flights and self._command_answer(event, mn):
                events.popleft()
                continue
            if mn is None:
                events.popleft()
                self._refuse_frame(event, "format", "no MN in the header")
                continue
            known = cache.get(mn)
            if not isinstance(known, Known):
                # First packet of this MN: read the registry without
                # blocking the loop, then carry on in order.
                self._pause("lookup")
                self._lookup = self.state.spawn(self._look_up(mn))
                return
            events.popleft()
            throttled = not self._take_token()
            self._handle_safely(event, mn, known)
            if throttled:
                return  # _end_throttle carries on

    def _command_answer(self, frame: Frame, mn: str | None) -> bool:
        """Whether ``frame`` is the 9011/9012 of a command sent here (then handled)."""
        qn = header_text(frame.segment, b"QN")
        flight = self.command_flights.get(qn) if qn is not None else None
        if flight is None or header_text(frame.segment, b"CN") not in COMMAND_ANSWERS:
            return False
        refused = self.state.commands.answer(flight, frame)
        if refused is not None:
            self._refuse_frame(frame, refused, "answer to a command", mn=mn or "", auth=True)
        else:
            self.state.stats.packets_accepted += 1
        return True

    async def _look_up(self, mn: str) -> None:
        try:
            await self.state.cache.fetch(mn)
        except Exception:
            # The registry cannot be read: refuse this MN's waiting frames
            # (the device re-sends), keep the connection.
            while self._events and not isinstance(self._events[0], PacketError):
                frame = self._events[0]
                if header_text(frame.segment, b"MN") != mn:
                    break
                self._events.popleft()
                self._refuse_frame(frame, "internal", "registry unavailable")
        finally:
            self._lookup = None
        if not self.closing:
            self._resume("lookup")
            self._process()

    def _handle_safely(self, frame: Frame, mn: str, known: Known) -> None:
        try:
            self._handle(frame, mn, known)
        except Exception:
            logger.exception("Unable to handle a packet from %s (MN %s)", self.peer, mn)
            self._refuse_frame(frame, "internal", "unexpected error", mn=mn)

    def _handle(self, frame: Frame, mn: str, known: Known) -> None:
        state = self.state
        entry = known.entry
        if entry is None:
            self._unknown_device(frame, mn)
            return
        if entry.status not in (_ACTIVE, _QUARANTINED):
            self._refuse_frame(frame, "disabled", "device disabled", mn=mn, auth=True)
            return
        assert known.profile is not None
        try:
            # Values stay the text the device sent: they are stored as text.
            packet = parse_frame(frame, known.profile, numbers=False)
        except PacketError as exc:
            retried = self._with_new_key(frame, entry, exc)
            if retried is None:
                self._refuse_frame(frame, exc.kind, exc.message, mn=mn)
                return
            packet = retried
        if not hmac.compare_digest((packet.pw or "").encode(), entry.password.encode()):
            self._refuse_frame(frame, "bad_password", "PW does not match", mn=mn, auth=True)
            return
        now = state.now()
        state.commands.seen(self, entry, known.profile)
        if packet.cn in (HARDWARE_SERIAL, KEY_REQUEST) and "NewSK" not in packet.cp:
            self._provisioning(packet, entry, known.profile, now)
            return
        if entry.status == _QUARANTINED:
            state.writer.add_sighting(Sighting(entry.id, now, self._peer_for(entry)))
            self._refuse_frame(frame, "quarantined", "device waits to be accepted", mn=mn)
            return
        self._auth_failures = 0
        version = known.profile.version_for(packet.flag)
        cn = packet.cn
        if cn in ANSWERS:
            state.stats.packets_accepted += 1
            state.writer.add_sighting(Sighting(entry.id, now, self._peer_for(entry)))
            return
        if cn == HEARTBEAT or cn in NOTIFICATIONS:
            state.stats.packets_accepted += 1
            state.writer.add_sighting(Sighting(entry.id, now, self._peer_for(entry)))
            state.stats.notifications += 1
            self._write(answer_bytes(packet, version=version, profile=known.profile))
            if cn == "1013" and state.config.time_calibration:
                self._set_time(packet, entry, known.profile, version)
            return
        self._store(frame, packet, entry, known.profile, version, now)

    def _store(
        self,
        frame: Frame,
        packet: Packet,
        entry: DeviceEntry,
        profile: DeviceProfile,
        version: Version,
        now: datetime,
    ) -> None:
        state = self.state
        text = packet.data_time
        data_time = state.parse_data_time(text) if text is not None else None
        if data_time is None and (text is not None or packet.cn.startswith("2")):
            self._refuse_frame(
                frame, "format", f"DataTime {text!r} is not YYYYMMDDhhmmss", mn=entry.mn
            )
            return
        reading = Reading(
            device_id=entry.id,
            site_id=entry.site_id,
            mn=entry.mn,
            cn=packet.cn,
            data_time=data_time,
            received_at=now,
            raw=frame.raw,
            qn=packet.qn or "",
            st=packet.st or "",
            flag=packet.flag,
            pno=packet.pno or 0,
            pnum=packet.pnum,
            rf=packet.rf,
            cp=packet.cp if isinstance(packet.cp, dict) else dict(packet.cp),
            pollutants=_text_values(packet),
            peer=self._peer_for(entry),
        )
        state.writer.submit_then(
            reading, self._committed, answer_bytes(packet, version=version, profile=profile)
        )
        state.stats.packets_accepted += 1
        self._inflight += 1
        if self._inflight >= state.config.max_inflight:
            self._pause("inflight")

    def _committed(self, answer: bytes | None, result: BatchResult | None) -> None:
        """The batch holding a data packet is committed (``result``), or
        could not be (``None``, no answer: the device re-sends)."""
        self._inflight -= 1
        if result is not None:
            self._write(answer)
        if self._inflight < self.state.config.max_inflight:
            self._resume("inflight")
        if self.closing and self._inflight == 0 and self.transport is not None:
            self.transport.close()

    def _with_new_key(self, frame: Frame, entry: DeviceEntry, error: PacketError) -> Packet | None:
        """Read a frame the registered key fails on with a key being changed
        (:meth:`CommandDesk.alternative_keys`), or ``None``."""
        if error.kind not in ("crc", "decrypt") or entry.sm4_key is None:
            return None
        desk = self.state.commands
        for key, command in desk.alternative_keys(entry):
            try:
                packet = parse_frame(
                    frame, DeviceProfile(version=Version.HJ212_2025, sm4_key=key), numbers=False
                )
            except PacketError:
                continue
            if command is not None:
                desk.confirmed_by_data(command, entry)
            return packet
        return None

    def _provisioning(
        self, packet: Packet, entry: DeviceEntry, profile: DeviceProfile, now: datetime
    ) -> None:
        """1001 hardware serial or 1014 key request (HJ 212-2025): kept by
        the registry, answered 9013 at once, from quarantined devices too
        (docs/decisions/0018-hj212-2025-provisioning.md)."""
        state = self.state
        self._auth_failures = 0
        state.stats.packets_accepted += 1
        state.writer.add_sighting(Sighting(entry.id, now, self._peer_for(entry)))
        if packet.cn == HARDWARE_SERIAL:
            report = HardwareReport(
                entry.id, now, hardware=hardware_from_pollutants(packet.pollutants)
            )
        else:
            report = HardwareReport(entry.id, now, key_request=True)
        state.writer.add_report(report)
        if packet.answer_required:
            version = profile.version_for(packet.flag)
            self._answer(notification_response(packet, version=version), profile)

    def send(self, packet: Packet, profile: DeviceProfile) -> bytes:
        """Write a request of the platform; the bytes sent (none if closed)."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return b""
        data = build_packet(packet, profile)
        transport.write(data)
        return data

    def _peer_for(self, entry: DeviceEntry) -> str:
        """The peer address, on the first packet of a device only: the
        store writes a device's ``last_peer`` when it changes, not per packet."""
        if entry.id in self._introduced:
            return ""
        self._introduced.add(entry.id)
        return self.peer

    def _answer(self, answer: Packet | None, profile: DeviceProfile) -> None:
        self._write(None if answer is None else build_packet(answer, profile))

    def _write(self, answer: bytes | None) -> None:
        transport = self.transport
        if answer is None or transport is None or transport.is_closing():
            return
        transport.write(answer)
        self.state.stats.answers += 1

    def _set_time(
        self, request: Packet, entry: DeviceEntry, profile: DeviceProfile, version: Version
    ) -> None:
        """Follow a 1013 calibration request with 1012 "set time" (2017 C.4)."""
        local = self.state.now().astimezone(self.state.tz)
        cp = {"SystemTime": local.strftime("%Y%m%d%H%M%S")}
        if "PolId" in request.cp:
            cp = {"PolId": request.cp["PolId"], **cp}
        set_time = Packet(
            cn="1012",
            qn=local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}",
            st=request.st,
            pw=entry.password,
            mn=entry.mn,
            flag=SPECS[version].reply_flag | 1,
            cp=cp,
        )
        self._answer(set_time, profile)

    def _unknown_device(self, frame: Frame, mn: str) -> None:
        state = self.state
        if not state.config.onboarding:
            self._refuse_frame(frame, "unknown_device", "MN not registered", mn=mn, auth=True)
            return
        try:
            packet = parse_frame(frame, PLAIN)
        except PacketError as exc:
            self._refuse_frame(frame, exc.kind, exc.message, mn=mn)
            return
        if state.note_newcomer(mn):
            state.writer.add_newcomer(
                Newcomer(
                    mn=mn,
                    password=packet.pw or "",
                    st=packet.st or "",
                    version=int(packet.flag_version),
                    seen_at=state.now(),
                    peer=self.peer,
                    hardware=hardware_from_pollutants(packet.pollutants)
                    if packet.cn == HARDWARE_SERIAL
                    else {},
                )
            )
            logger.warning("Quarantined unknown device %s from %s", mn, self.peer)
        self._refuse_frame(frame, "quarantined", "unknown device quarantined", mn=mn)

    # --- refusals and limits ---------------------------------------------

    def _refuse_frame(
        self, frame: Frame, kind: str, message: str, *, mn: str = "", auth: bool = False
    ) -> None:
        self._refuse(kind, message, raw=frame.raw, mn=mn)
        if auth:
            self._auth_failures += 1
            if self._auth_failures >= self.state.config.max_auth_failures:
                logger.warning(
                    "Closing connection from %s after %d refused packets (last: %s, MN %s)",
                    self.peer,
                    self._auth_failures,
                    kind,
                    mn,
                )
                self.closing = True
                if self.transport is not None:
                    self.transport.close()

    def _refuse(self, kind: str, message: str, *, raw: bytes, mn: str = "") -> None:
        state = self.state
        state.stats.rejected[kind] += 1
        sample = self._may_sample()
        if sample:
            logger.warning("Refused packet from %s (MN %s): %s: %s", self.peer, mn, kind, message)
        state.writer.add_rejection(
            Rejection(
                kind=kind,
                received_at=state.now(),
                message=message,
                mn=mn,
                peer=self.peer,
                raw=raw[:_RAW_SAMPLE] if sample else b"",
                sample=sample,
            )
        )

    def _may_sample(self) -> bool:
        now = self.state.loop.time()
        if now - self._samples_window >= 60.0:
            self._samples_window, self._samples = now, 0
        self._samples += 1
        return self._samples <= self.state.config.reject_samples_per_minute

    def _take_token(self) -> bool:
        """Spend one packet of the rate budget; pause reading when it runs out."""
        config = self.state.config
        now = self.state.loop.time()
        self._tokens = min(
            float(config.burst),
            self._tokens + (now - self._tokens_at) * config.max_packets_per_second,
        )
        self._tokens_at = now
        self._tokens -= 1.0
        if self._tokens >= 0.0:
            return True
        self.state.stats.throttled += 1
        self._pause("rate")
        delay = -self._tokens / config.max_packets_per_second
        if self._resume_handle is not None:
            self._resume_handle.cancel()
        self._resume_handle = self.state.loop.call_later(delay, self._end_throttle)
        return False

    def _end_throttle(self) -> None:
        self._resume_handle = None
        self._resume("rate")
        self._process()

    def _check_idle(self) -> None:
        loop = self.state.loop
        timeout = self.state.config.idle_timeout
        quiet = loop.time() - self._last_activity
        if quiet >= timeout and self._inflight == 0:
            self.state.stats.closed_idle += 1
            logger.info("Closing idle connection from %s", self.peer)
            if self.transport is not None:
                self.transport.close()
            return
        self._idle_handle = loop.call_later(max(timeout - quiet, 1.0), self._check_idle)

    def _pause(self, reason: str) -> None:
        if not self._pauses and self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()
        self._pauses.add(reason)

    def _resume(self, reason: str) -> None:
        if reason not in self._pauses:
            return
        self._pauses.discard(reason)
        if not self._pauses and self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()


def utc_now() -> datetime:
    return datetime.now(UTC)
