"""Read back the text and page count of a PDF that reportlab wrote (a test helper, no library).

Handles what `bonta.migraine.letter_pdf` produces: content streams that are plain, Flate- or
ASCII85+Flate-encoded; TrueType subset fonts whose codes map to Unicode through their
ToUnicode CMaps; `Tj` and `TJ` text operators. Text runs are returned in drawing order, one
per text-showing operator, so a test can look for a number next to its label.
"""

from __future__ import annotations

import base64
import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
STREAM = re.compile(rb"\bstream\r?\n")
FONT_REF = re.compile(rb"/(\S+?) (\d+) 0 R")


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in OBJECT.finditer(pdf)}


def _stream(body: bytes) -> bytes | None:
    found = STREAM.search(body)
    if found is None:
        return None
    head = body[: found.start()]
    length = re.search(rb"/Length (\d+)", head)
    if length is None:
        return None
    data = body[found.end() : found.end() + int(length.group(1))]  # "…endendstream" happens
    if b"/ASCII85Decode" in head:
        data = data.strip()
        data = base64.a85decode(data.removesuffix(b"~>"))
    if b"/FlateDecode" in head:
        data = zlib.decompress(data)
    return data


def _cmap(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = ord(bytes.fromhex(dst.decode()).decode("utf-16-be"))
            for n, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(start + n)
    return mapping


def _fonts(objects: dict[int, bytes]) -> dict[bytes, dict[int, str]]:
    """Font resource name (e.g. b"F2+0") → code → text, from every /Font dictionary."""
    by_number: dict[int, dict[int, str]] = {}
    for number, body in objects.items():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if ref is not None:
            data = _stream(objects[int(ref.group(1))]) or b""
            by_number[number] = _cmap(data)
    names: dict[bytes, dict[int, str]] = {}
    for body in objects.values():  # resource dictionaries, inline or their own objects
        for name, number in FONT_REF.findall(body):
            if int(number) in by_number:
                names[name] = by_number[int(number)]
    return names


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    """The PDF literal string starting at data[i] == '(' and the index after it."""
    out, depth, i = bytearray(), 1, i + 1
    while depth:
        c = data[i]
        if c == 0x5C:  # backslash
            nxt = data[i + 1]
            if 0x30 <= nxt <= 0x37:
                octal = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4])
                assert octal is not None
                out.append(int(octal.group(0), 8))
                i += 1 + len(octal.group(0))
                continue
            out.append({0x6E: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12}.get(nxt, nxt))
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1
    raise ValueError("unterminated string")


def _runs(content: bytes, fonts: dict[bytes, dict[int, str]]) -> list[str]:
    runs: list[str] = []
    font: dict[int, str] | None = None
    i, pending = 0, []
    while i < len(content):
        c = content[i]
        if c == 0x28:  # (
            raw, i = _literal(content, i)
            pending.append("".join(font.get(b, chr(b)) if font else chr(b) for b in raw))
            continue
        if c == 0x2F:  # a name: maybe a font for the next Tf
            match = re.match(rb"/(\S+?)\s+[\d.]+\s+Tf", content[i:])
            if match is not None:
                font = fonts.get(match.group(1))
                i += match.end()
                continue
        if content[i : i + 2] in (b"Tj", b"TJ") or content[i : i + 1] == b"'":
            if pending:
                runs.append("".join(pending))
            pending = []
        i += 1
    return runs


def pdf_text(pdf: bytes) -> list[str]:
    """Every text run of every page, in drawing order."""
    objects = _objects(pdf)
    fonts = _fonts(objects)
    runs: list[str] = []
    for body in objects.values():
        if b"/Type /Page" in body and b"/Type /Pages" not in body:
            ref = re.search(rb"/Contents (\d+) 0 R", body)
            if ref is not None:
                runs += _runs(_stream(objects[int(ref.group(1))]) or b"", fonts)
    return runs


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
