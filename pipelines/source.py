"""Where the project's data comes from: the sample's source film and the training photographs.

Shared by the recipes in this folder, so the sample's excerpt and the training set never
overlap by accident. Every file is fetched from a package registry (PyPI, Debian).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

# The PyPI package iscc-samples (CC-BY-4.0) ships a 60 s colour film with sound, 176x144.
SOURCE_PACKAGE = "iscc-samples"
SAMPLE_START = 28.0  # seconds into the source where samples/ begins
SAMPLE_DURATION = 15.0  # seconds in samples/


def source_film() -> Path:
    """Path of iscc-samples' demo.mp4 (pip install iscc-samples)."""
    import iscc_samples

    return Path(iscc_samples.__file__).parent / "files" / "video" / "demo.mp4"


# Photographs (not abstract art) from Debian packages: (package, path inside it, author, licence).
PHOTOS = [
    ("plasma-workspace-wallpapers", f"usr/share/wallpapers/{name}/contents/images/{size}", author, lic)
    for name, size, author, lic in [
        ("BytheWater", "1600x1200.jpg", "Maciej Wiklo", "LGPL-3"),
        ("ColdRipple", "1600x1200.jpg", "Risto Saukonpää", "LGPL-3"),
        ("ColorfulCups", "2560x1600.jpg", "Dmitri Popov", "LGPL-3"),
        ("DarkestHour", "1600x1200.jpg", "Risto Saukonpää", "LGPL-3"),
        ("EveningGlow", "1600x1200.jpg", "Ian Hex", "LGPL-3"),
        ("FallenLeaf", "1600x1200.jpg", "Martin Klapetek", "LGPL-3"),
        ("Kite", "1600x1200.jpg", "Risto Saukonpää", "LGPL-3"),
        ("MilkyWay", "5120x2880.png", "ruvkr", "CC-BY-SA-4.0"),
        ("OneStandsOut", "1600x1200.jpg", "Risto Saukonpää", "LGPL-3"),
        ("Path", "1600x1200.jpg", "Risto Saukonpää", "LGPL-3"),
        ("Volna", "5120x2880.jpg", "Nikita Babin", "CC-BY-SA-4.0"),
        ("summer_1am", "1600x1200.jpg", "Risto Saukonpää", "LGPL-3"),
    ]
] + [
    ("mate-backgrounds", f"usr/share/backgrounds/mate/nature/{name}.jpg", author, "GPL-2+")
    for name, author in [
        ("Aqua", "Charles Barbin"),
        ("Blinds", "Lennart Poettering, Andrea Cimitan"),
        ("Dune", "Marco Cogoni, Hylke Bons"),
        ("FreshFlower", "Jens Ansorg"),
        ("Garden", "Charles Barbin"),
        ("GreenMeadow", "Timothy Schellhase, Lapo Calamandrei"),
        ("LadyBird", "Charles Barbin"),
        ("RainDrops", "blackcombwhistler07"),
        ("Storm", "Sergey Nazarov"),
        ("TwoWings", "Charles Barbin, Hylke Bons"),
        ("Wood", "Jean-François Fortin Tam"),
        ("YellowFlower", "Charles Barbin"),
    ]
]


def fetch_photos(dest: Path) -> list[Path]:
    """Download the Debian packages (apt-get download, no root needed) and copy out PHOTOS."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for package in sorted({p for p, *_ in PHOTOS}):
            subprocess.run(["apt-get", "download", package], cwd=tmp, check=True, capture_output=True)
            deb = next(Path(tmp).glob(f"{package}_*.deb"))
            subprocess.run(["dpkg", "-x", str(deb), str(Path(tmp) / package)], check=True)
        for package, inner, _, _ in PHOTOS:
            src = Path(tmp) / package / inner
            target = dest / f"{package}--{inner.replace('/', '_')}"
            target.write_bytes(src.read_bytes())
            out.append(target)
    return out
