"""Read Qt binary resource files (.rcc) without Qt: gcompris-qt-data packs its pictures in them.

Format (Qt's rcc.cpp, versions 1 to 3): a 20-byte header "qres", version, tree offset, data
offset, names offset (all big-endian), plus an int32 of overall flags from version 3. The tree
is an array of nodes (14 bytes, 22 from version 2 with a last-modified stamp): name offset,
flags, then for a directory (flags & 2) its child count and first child's index, else
country, language and data offset. A name is a uint16 length, a uint32 hash and UTF-16BE
characters; a file's data is a uint32 length and its bytes, compressed with zlib when flags & 1
(after qCompress's 4-byte big-endian length) or with zstd when flags & 4.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

COMPRESSED, DIRECTORY, COMPRESSED_ZSTD = 1, 2, 4


def read_rcc(blob: bytes) -> Iterator[tuple[str, bytes]]:
    """Yield (path, data) for every file in an .rcc blob, paths like 'gcompris/src/.../x.jpg'."""
    if blob[:4] != b"qres":
        raise ValueError("not a Qt resource file (no 'qres' magic)")
    version, tree, data, names = struct.unpack(">4I", blob[4:20])
    node_size = 14 if version < 2 else 22

    def name(offset: int) -> str:
        (length,) = struct.unpack(">H", blob[names + offset : names + offset + 2])
        start = names + offset + 6  # skip the length and the hash
        return blob[start : start + 2 * length].decode("utf-16-be")

    def walk(index: int, prefix: str) -> Iterator[tuple[str, bytes]]:
        at = tree + index * node_size
        name_offset, flags = struct.unpack(">IH", blob[at : at + 6])
        path = f"{prefix}/{name(name_offset)}" if index else ""
        if flags & DIRECTORY:
            count, first = struct.unpack(">II", blob[at + 6 : at + 14])
            for child in range(first, first + count):
                yield from walk(child, path)
            return
        (offset,) = struct.unpack(">I", blob[at + 10 : at + 14])
        (size,) = struct.unpack(">I", blob[data + offset : data + offset + 4])
        payload = blob[data + offset + 4 : data + offset + 4 + size]
        if flags & COMPRESSED:
            payload = zlib.decompress(payload[4:])
        elif flags & COMPRESSED_ZSTD:
            import zstandard

            payload = zstandard.ZstdDecompressor().decompress(payload, max_output_size=1 << 30)
        yield path.lstrip("/"), payload

    yield from walk(0, "")
