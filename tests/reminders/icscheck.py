"""A strict, small reader of the .ics Bonta writes (RFC 5545), so the tests check the octets,
not what a forgiving calendar client would accept."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME = re.compile(r"[A-Z][A-Z0-9-]*\Z")
UTC_TIME = re.compile(r"\d{8}T\d{6}Z\Z")
REQUIRED_EVENT = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "ORGANIZER")


class IcsError(AssertionError):
    pass


@dataclass
class Component:
    name: str
    props: dict[str, list[tuple[dict[str, str], str]]] = field(default_factory=dict)
    children: list[Component] = field(default_factory=list)

    def one(self, name: str) -> str:
        values = self.props.get(name, [])
        if len(values) != 1:
            raise IcsError(f"{self.name} must have exactly one {name}, has {len(values)}")
        return values[0][1]

    def params(self, name: str) -> dict[str, str]:
        return self.props[name][0][0]


def physical_lines(data: bytes) -> list[bytes]:
    """Every line ends in CRLF, is at most 75 octets, and is valid UTF-8 on its own."""
    if not data.endswith(b"\r\n"):
        raise IcsError("the file must end with CRLF")
    lines = data[:-2].split(b"\r\n")
    for n, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            raise IcsError(f"line {n}: a bare CR or LF")
        if len(line) > 75:
            raise IcsError(f"line {n}: {len(line)} octets (at most 75)")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            raise IcsError(f"line {n}: folded inside a UTF-8 sequence") from None
    return lines


def unfold(lines: list[bytes]) -> list[str]:
    logical: list[bytes] = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not logical:
                raise IcsError("a continuation line with nothing to continue")
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def split(line: str) -> tuple[str, dict[str, str], str]:
    """name;param=value;…:value, honouring quoted parameter values."""
    name_params, value, quoted, n = "", "", False, 0
    for n, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            name_params, value = line[:n], line[n + 1 :]
            break
    else:
        raise IcsError(f"no ':' in {line!r}")
    name, *raw_params = re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*\Z)', name_params)
    if not NAME.match(name):
        raise IcsError(f"bad property name {name!r}")
    params = {}
    for raw in raw_params:
        key, _, val = raw.partition("=")
        if not NAME.match(key) or not val:
            raise IcsError(f"bad parameter {raw!r}")
        if '"' in val.strip('"') or (val.startswith('"') != val.endswith('"')):
            raise IcsError(f"bad quoting in {raw!r}")
        if not val.startswith('"') and any(c in val for c in ":;,"):
            raise IcsError(f"unquoted special character in {raw!r}")
        params[key] = val.strip('"')
    return name, params, value


def unescape(value: str) -> str:
    out, n = [], 0
    while n < len(value):
        char = value[n]
        if char == "\\":
            nxt = value[n + 1 : n + 2]
            if nxt in ("\\", ";", ","):
                out.append(nxt)
            elif nxt in ("n", "N"):
                out.append("\n")
            else:
                raise IcsError(f"bad escape \\{nxt} in {value!r}")
            n += 2
            continue
        if char in ";,":
            raise IcsError(f"unescaped {char!r} in TEXT {value!r}")
        out.append(char)
        n += 1
    return "".join(out)


def parse(data: bytes) -> Component:
    """The VCALENDAR, checked: nesting, required properties, UTC times, escaped TEXT."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(physical_lines(data)):
        name, params, value = split(line)
        if name == "BEGIN":
            component = Component(value)
            if stack:
                stack[-1].children.append(component)
            elif root is not None:
                raise IcsError("more than one top-level component")
            else:
                root = component
            stack.append(component)
        elif name == "END":
            if not stack or stack[-1].name != value:
                raise IcsError(f"END:{value} does not close {stack[-1].name if stack else None}")
            stack.pop()
        else:
            if not stack:
                raise IcsError(f"{name} outside any component")
            stack[-1].props.setdefault(name, []).append((params, value))
    if stack or root is None or root.name != "VCALENDAR":
        raise IcsError("the file must be one closed VCALENDAR")
    if root.one("VERSION") != "2.0" or not root.one("PRODID"):
        raise IcsError("VERSION:2.0 and PRODID are required")
    events = [c for c in root.children if c.name == "VEVENT"]
    if len(events) != 1:
        raise IcsError(f"expected one VEVENT, found {len(events)}")
    for prop in REQUIRED_EVENT:
        events[0].one(prop)
    for prop in ("DTSTAMP", "DTSTART", "DTEND"):
        if not UTC_TIME.match(events[0].one(prop)):
            raise IcsError(f"{prop} must be a UTC date-time (…T…Z)")
    for prop in ("SUMMARY", "LOCATION", "DESCRIPTION", "UID"):
        for _, value in events[0].props.get(prop, []):
            unescape(value)
    return root


def event(data: bytes) -> Component:
    return next(c for c in parse(data).children if c.name == "VEVENT")
