"""Camera setups: the shots of a film that show the same place from about the same camera.

A dialogue cuts back and forth between two or three framings, a sequence returns to the same
room: one painted keyframe can colour every shot of its setup (`filmcolor.guidance.borrow`).
Each shot is looked at in two representative frames (near its first and its last, clear of a
dissolve's ends), at the working size; two shots are of one setup when a pair of their frames
pass every test, cheapest first:

- the luma histograms are alike (Bhattacharyya distance): a night exterior is not the room;
- ORB features match (Hamming, Lowe's ratio test) and a RANSAC fit of a camera's reframing
  (a similarity: a shift, a zoom, a slight turn; as a homography) explains enough of them
  (inliers, and their share of the matches): the same things, laid out the same way. A full
  homography's 8 degrees of freedom fit the few matches of a street with people walking in it
  to a skewed plane; the dense flow after it (`borrow.transfer`) takes up what a similarity misses;
- the fit is a camera's (no mirror, a zoom of at most 2.5x);
- the frames, aligned through it, agree (normalised cross-correlation of the luma over their
  overlap, which must be a fair share of the frame): the layout, not a few repeated corners.
  A framing zoomed well out on the other shares few corners with it at any one scale, so half
  the inliers pass where the aligned frames agree closely (`AGREE`).

Setups are the connected groups of that relation, among shots at most `WINDOW` shots apart. The
colourist's corrections (a shot joined to another's setup, or taken out of its own) are kept
in keyframes.json beside the groups found, and win over them (`Setups.groups`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

FEATURES = 500  # ORB keypoints a frame: at the working size (455x256), 8 ms a frame
RATIO = 0.8  # Lowe's ratio test: a match kept when clearly nearer than the second best
INLIERS = 16  # RANSAC inliers of a similarity for the same place (unlike pictures reach 4-12)
FEW_INLIERS = 8  # enough where the aligned frames agree as closely as AGREE: test photographs framed 1.5x wider than
# another framing left 7-27 inliers at a correlation of 0.85-0.99; 120 pairs of unlike ones, 2-7 at most 0.36
AGREE = 0.8  # normalised cross-correlation of the aligned luma asked of a match with under INLIERS inliers
INLIER_SHARE = 0.25  # of the ratio-tested matches
REPROJECTION = 4.0  # px at the working size: RANSAC's inlier distance
SIMILAR = 0.5  # Bhattacharyya distance of the luma histograms, at most
CORRELATION = 0.3  # normalised cross-correlation of the aligned luma over the overlap, at least (people walking over a flat street: 0.38)
OVERLAP = 0.25  # share of the frame the aligned frames overlap in, at least
ZOOM = 2.5  # the most one framing may be zoomed in on the other
WINDOW = 40  # shots apart two of one setup may be (a setup returns within a sequence)
FEW = 8  # frames: a shot's representative frames are at least this far apart


@dataclass
class Look:
    """One representative frame of a shot, as the setup tests see it."""

    frame: int  # its number in the film
    luma: np.ndarray  # (h, w) uint8 working luma
    hist: np.ndarray  # (32,) float32 luma histogram, normalised
    points: np.ndarray  # (n, 2) float32 keypoint positions
    descriptors: np.ndarray | None  # (n, 32) uint8 ORB descriptors; None where the frame has no corners


def look(frame: int, luma: np.ndarray) -> Look:
    """A frame's `Look` from its (h, w) uint8 working luma."""
    counts = cv2.calcHist([luma], [0], None, [32], [0, 256]).ravel()
    hist = (counts / max(float(counts.sum()), 1.0)).astype(np.float32)
    orb = cv2.ORB.create(FEATURES, fastThreshold=5)
    even = cv2.createCLAHE(2.0, (8, 8)).apply(luma)  # a flat, dim frame's corners found as a contrasty one's
    keypoints, descriptors = orb.detectAndCompute(even, None)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    return Look(frame, luma, hist, points, descriptors)


@dataclass
class Match:
    """How one frame maps onto another of the same setup."""

    homography: np.ndarray  # (3, 3): a pixel of the first frame -> the second's
    inliers: int
    correlation: float  # of the aligned luma over the overlap


def match(a: Look, b: Look) -> Match | None:
    """The homography that maps frame `a` onto frame `b` where the two show the same place
    from about the same camera (every test of the module's doc passed), else None."""
    if cv2.compareHist(a.hist, b.hist, cv2.HISTCMP_BHATTACHARYYA) > SIMILAR:
        return None
    if a.descriptors is None or b.descriptors is None or min(len(a.points), len(b.points)) < FEW_INLIERS:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(a.descriptors, b.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < FEW_INLIERS:
        return None
    src = a.points[[m.queryIdx for m in good]]
    dst = b.points[[m.trainIdx for m in good]]
    similarity, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION)
    if similarity is None:
        return None
    homography = np.vstack([similarity, [0.0, 0.0, 1.0]])
    inliers = int(mask.sum())
    if inliers < FEW_INLIERS or inliers < INLIER_SHARE * len(good) or not camera_like(homography):
        return None
    correlation = aligned_correlation(a.luma, b.luma, homography)
    if correlation < (CORRELATION if inliers >= INLIERS else AGREE):
        return None
    return Match(homography, inliers, correlation)


def camera_like(homography: np.ndarray) -> bool:
    """Whether a homography is one framing of a camera seen from another: no mirror, a zoom
    within ZOOM, no strong perspective (a degenerate fit to a few matches is none of these)."""
    h = homography / homography[2, 2]
    det = float(np.linalg.det(h[:2, :2]))
    return 1.0 / ZOOM**2 <= det <= ZOOM**2 and float(np.abs(h[2, :2]).max()) < 2e-3


def aligned_correlation(a: np.ndarray, b: np.ndarray, homography: np.ndarray) -> float:
    """Normalised cross-correlation of (h, w) luma `a` and `b` brought onto `a` through
    `homography` (a -> b), over their overlap; -1 where the overlap is under OVERLAP."""
    h, w = a.shape
    seen = cv2.warpPerspective(b, homography, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    covered = cv2.warpPerspective(
        np.full(b.shape, 255, np.uint8), homography, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    )
    inside = cv2.erode(covered, np.ones((5, 5), np.uint8)) > 0
    if inside.mean() < OVERLAP:
        return -1.0
    x, y = a[inside].astype(np.float32), seen[inside].astype(np.float32)
    x, y = x - x.mean(), y - y.mean()
    return float((x * y).sum() / max(float(np.sqrt((x * x).sum() * (y * y).sum())), 1e-6))


def group(looks: list[list[Look]], window: int = WINDOW) -> list[list[int]]:
    """The setups of shots whose representative frames are `looks` (one list a shot, in order):
    lists of shot positions, each of more than one shot (a shot alone is no setup)."""
    parent = list(range(len(looks)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(looks)):
        for j in range(i + 1, min(len(looks), i + 1 + window)):
            if root(i) == root(j):
                continue  # already one setup: the test is not needed
            if any(match(a, b) is not None for a in looks[i] for b in looks[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(looks)):
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def representative(first: int, end: int) -> list[int]:
    """The frames a shot of frames `first` to `end` (exclusive) is looked at in, when every
    frame is as cheap to decode: a few frames in from its first and from its last (a
    dissolve's ends are half another shot)."""
    n = end - first
    inset = min(2, n // 4)
    return sorted({first + inset, end - 1 - inset})


@dataclass
class Setups:
    """A film's setups as keyframes.json keeps them: the groups found (`found`, lists of the
    first frames of their shots) and the colourist's corrections (`edits`: shot's first frame ->
    the first frame of a shot whose setup it joins, or None: taken out of its setup), which win."""

    found: list[list[int]] = field(default_factory=list)
    edits: dict[int, int | None] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)  # the shots `found` was found among (first frames)

    def groups(self, starts: list[int]) -> list[list[int]]:
        """The setups among the shots that start at `starts`, corrections applied: lists of shot
        first frames, each of more than one shot, in order."""
        known = set(starts)
        setup = {s: n for n, g in enumerate(self.found) for s in g if s in known}  # shot -> setup number
        fresh = len(self.found)
        for shot, other in self.edits.items():
            if shot not in known:
                continue
            if other is None or other not in known or other == shot:
                setup[shot], fresh = fresh, fresh + 1  # alone
            else:
                if other not in setup:
                    setup[other], fresh = fresh, fresh + 1
                setup[shot] = setup[other]
        members: dict[int, list[int]] = {}
        for shot in sorted(setup):
            members.setdefault(setup[shot], []).append(shot)
        return sorted((g for g in members.values() if len(g) > 1), key=lambda g: g[0])

    def edit(self, shot: int, other: int | None) -> None:
        """The colourist joins the shot starting at `shot` to the setup of the shot starting at
        `other`, or (None) takes it out of its setup."""
        self.edits[shot] = other

    def fields(self) -> dict:
        """keyframes.json's `setups` entry."""
        return {
            "setups": {
                "found": self.found,
                "shots": self.starts,
                "edits": [{"shot": s, "with": o} for s, o in self.edits.items()],
            }
        }

    @classmethod
    def listed(cls, listing: dict | None) -> Setups | None:
        """The setups keyframes.json's `listing` holds; None where it holds none, or a malformed entry."""
        entry = (listing or {}).get("setups")
        if not isinstance(entry, dict):
            return None
        try:
            found = [[int(s) for s in g] for g in entry.get("found", [])]
            starts = [int(s) for s in entry.get("shots", [])]
            edits = {int(e["shot"]): None if e.get("with") is None else int(e["with"]) for e in entry.get("edits", [])}
        except (TypeError, ValueError, KeyError):
            return None
        return cls(found, edits, starts)


def find_setups(looks: dict[int, list[Look]], window: int = WINDOW) -> Setups:
    """The setups among the shots whose representative frames are `looks` (shot's first frame ->
    its looks), as found (no corrections)."""
    starts = sorted(looks)
    return Setups([[starts[i] for i in g] for g in group([looks[s] for s in starts], window)], {}, starts)
