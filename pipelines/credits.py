"""Who made a file in a Debian package, and under which licence, from the package's own records.

Used by pipelines/corpus.py. A package's usr/share/doc/PKG/copyright (DEP-5: Files stanzas, the
last match wins) names the author and licence; where it has only a package-wide stanza, some
packages keep finer credits of their own beside the files (a Plasma wallpaper's metadata.json,
the README beside gcompris' pictures), and those are used instead.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

PICTURE = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".psd", ".svg"}


def no_ext(path: str) -> str:
    """Drop a picture's extension: gcompris ships as .webp what its copyright file names .jpg or .png."""
    stem, dot, ext = path.rpartition(".")
    return stem if dot and "/" not in ext and f".{ext.lower()}" in PICTURE else path


def holder(copyright_text: str) -> str:
    """'2008, Charles Barbin <barbinch@free.fr>' -> 'Charles Barbin'; holders joined by '; ',
    the first three and 'and others' past four."""
    names = []
    for line in copyright_text.splitlines():
        line = re.sub(r"<[^>]*>|https?://\S+|\(c\)|©|copyright", "", line, flags=re.I)
        line = re.sub(r"^[\s\d,.\-–]*(by\s+)?", "", line).strip(" ,.´'")
        line = re.sub(r",?\s*\d{4}(\s*-\s*\d{4})?$", "", line).strip(" ,.")
        if line and line not in names:
            names.append(line)
    return "; ".join(names) if len(names) <= 4 else "; ".join(names[:3]) + " and others"


def parse_dep5(text: str) -> list[tuple[list[str], str, str]]:
    """(file patterns, holders, licence) of each Files stanza of a DEP-5 copyright file."""
    stanzas = []
    for block in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in block.splitlines():
            m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
            if m and not line[:1].isspace():
                key = m.group(1).lower()
                fields[key] = m.group(2)
            elif key:
                fields[key] += "\n" + line.strip()
        if "files" in fields and "license" in fields:
            licence = fields["license"].splitlines()[0].strip()
            stanzas.append((fields["files"].split(), holder(fields.get("copyright", "")), licence))
    return stanzas


def match_dep5(stanzas: list[tuple[list[str], str, str]], source_path: str) -> tuple[str, str, bool]:
    """(author, licence, whether a per-file stanza gave them) for SOURCE_PATH; unknown if none.

    Patterns are relative to the upstream source tree and installed paths are not, so a
    wildcard pattern must match the whole path, a literal one may match its end or its name."""
    path, found = no_ext(source_path), ("unknown", "unknown", False)
    for patterns, author, licence in stanzas:
        for pattern in map(no_ext, patterns):
            literal = not any(c in pattern for c in "*?[")
            same_name = path.rsplit("/", 1)[-1] == pattern.rsplit("/", 1)[-1]
            if fnmatch.fnmatchcase(path, pattern) or literal and (path.endswith("/" + pattern) or same_name):
                found = (author, licence, pattern != "*")
    return found


def plasma_credit(picture: Path) -> tuple[str, str] | None:
    """A Plasma wallpaper's authors and licence from the metadata.json of its folder."""
    meta = picture.parents[2] / "metadata.json" if picture.parent.name.startswith("images") else None
    if not meta or not meta.exists():
        return None
    plugin = json.loads(meta.read_text())["KPlugin"]
    licence = plugin.get("License", "unknown")
    return ", ".join(a["Name"] for a in plugin.get("Authors", [])), {"LGPLv3": "LGPL-3"}.get(licence, licence)


def gcompris_readmes(entries: dict[str, bytes]) -> dict[str, tuple[str, str]]:
    """Credits from the READMEs gcompris keeps beside its pictures: 'folder/stem' -> (author, licence).

    Blocks of 'Copyright:', 'License:', 'Source:' and 'Files:' lines, the file names on the
    Files line or the lines after it, relative to the README's folder."""
    credits = {}
    for path, blob in entries.items():
        folder, _, name = path.rpartition("/")
        if name.lower() not in ("readme", "readme.txt"):
            continue
        for block in re.split(r"\n\s*\n", blob.decode("utf-8", "replace")):
            fields, files, key = {}, [], None
            for line in block.splitlines():
                m = re.match(r"^\s*(copyright|license|source|files|comments?):\s*(.*)$", line, re.I)
                if m:
                    key, value = m.group(1).lower(), m.group(2).strip()
                    fields[key] = value
                    files += [value] if key == "files" and value else []
                elif key == "files" and line.strip():
                    files.append(line.strip())
                elif key == "copyright" and line.strip():
                    fields[key] += "\n" + line.strip()
            licence = re.sub(r"\s+", "-", fields.get("license", ""))
            licence = {"Public-Domain": "public-domain", "Public-domain": "public-domain", "GPLv3": "GPL-3"}.get(
                licence, licence
            )
            for file in files:
                credits[f"{folder}/{no_ext(file)}"] = (holder(fields.get("copyright", "")), licence)
    return credits
