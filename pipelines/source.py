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
# Two turned out to be digital art (NOT_PHOTOGRAPHS), left out of the colour set and of the
# training corpus (pipelines/corpus_lists.py).
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

NOT_PHOTOGRAPHS = ("/MilkyWay/", "/Volna/")


# Photographs never trained on, for the evaluation films (pipelines/eval_smoothing.py).
EVAL_PHOTOS = [
    ("lomiri-wallpapers-16.04", f"usr/share/backgrounds/{name}.jpg", author, lic)
    for name, author, lic in [
        ("aitzgorri_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
        ("picosdeeuropa_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
        ("life_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
        ("Picture_0B_by_freespace", 'Trevor "Freespace"', "CC-BY-4.0"),
        ("Wine_by_Jakkub_Mede", "Jakub Mede", "CC-BY-4.0"),
        ("seeding_by_Clements_Engelhardt", "Clemens Engelhardt", "CC0-1.0"),
    ]
]


# Other photographs of the same package, never trained on: fixed in the corpus' validation split
# (pipelines/corpus.py), kept apart from the evaluation films.
VALIDATION_PHOTOS = [
    (f"lomiri-wallpapers-{release}", f"usr/share/backgrounds/{name}.jpg", author, lic)
    for release, name, author, lic in [
        ("16.04", "friends_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
        ("16.04", "sunset_by_Aitzol_Berasategi", "Aitzol Berasategi", "CC-BY-4.0"),
        ("16.04", "Dragonfly_by_Bolly", "Bolly", "CC-BY-SA-4.0"),
        ("16.04", "Bridge_by_Sander_Klootwijk", "Sander Klootwijk", "CC-BY-SA-4.0"),
        ("16.04", "Picture_1A_by_freespace", 'Trevor "Freespace"', "CC-BY-4.0"),
        ("20.04", "Kleiber_by_Lukas_Baubkus", "Lukas Baubkus", "CC-BY-SA-3.0"),
    ]
]


def fetch_photos(dest: Path, photos: list[tuple[str, str, str, str]] = PHOTOS) -> list[Path]:
    """Download the Debian packages (apt-get download, no root needed) and copy out `photos`."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for package in sorted({p for p, *_ in photos}):
            subprocess.run(["apt-get", "download", package], cwd=tmp, check=True, capture_output=True)
            deb = next(Path(tmp).glob(f"{package}_*.deb"))
            subprocess.run(["dpkg", "-x", str(deb), str(Path(tmp) / package)], check=True)
        for package, inner, _, _ in photos:
            src = Path(tmp) / package / inner
            target = dest / f"{package}--{inner.replace('/', '_')}"
            target.write_bytes(src.read_bytes())
            out.append(target)
    return out
