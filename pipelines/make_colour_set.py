"""Recipe for filmcolor/shipped/colour/: the small colour set `filmcolor train` uses as domain B by default.

    pip install -e ".[pipelines]" && python pipelines/make_colour_set.py --work /tmp/fc-data

The Debian photographs listed in source.py (but the two that are digital art), each scaled to
a short side of 286 px (the size training loads before cropping 256) and saved as JPEG
quality 92, named after their package and title so each file's credit is found in
filmcolor/shipped/README.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
from source import NOT_PHOTOGRAPHS, PHOTOS, fetch_photos

from filmcolor.assets import shipped_colour_set
from filmcolor.pictures import resize_short_side

OUT = shipped_colour_set()


def short_name(package: str, inner: str) -> str:
    """'mate-backgrounds', '.../nature/Aqua.jpg' -> 'mate-Aqua.jpg'; plasma's '.../BytheWater/contents/...' -> 'plasma-BytheWater.jpg'."""
    parts = inner.split("/")
    title = parts[3] if package.startswith("plasma") else Path(parts[-1]).stem
    return f"{package.split('-')[0]}-{title}.jpg"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="folder for the downloaded photographs")
    ap.add_argument("--size", type=int, default=286)
    args = ap.parse_args()
    photos = args.work / "photos"
    if not photos.is_dir():
        fetch_photos(photos)
    OUT.mkdir(exist_ok=True)
    for package, inner, _, _ in PHOTOS:
        if any(name in inner for name in NOT_PHOTOGRAPHS):
            continue
        path = photos / f"{package}--{inner.replace('/', '_')}"  # as fetch_photos names them
        img = resize_short_side(cv2.imread(str(path), cv2.IMREAD_COLOR), args.size)
        cv2.imwrite(str(OUT / short_name(package, inner)), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{OUT}: {len(list(OUT.iterdir()))} pictures, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
