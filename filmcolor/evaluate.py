"""Evaluation: how close a colourised film is to its colour truth, and how steady its colours are.

REFERENCE (the colour truth) and CANDIDATE (a render of the same film) are decoded in step,
frame by frame, and measured as they go, so memory stays bounded whatever the film's length:
only the previous frame of each and a few histograms are kept.

Per frame, against the reference: RGB PSNR and SSIM (Wang et al. 2004), and the
colourfulness (Hasler and Suesstrunk 2003) of both, and the colour fringes of both (the chroma's
gradient where the truth's luma is flat: colour where the picture has no edge). Over time, for both films: colour
distribution consistency (CDC, Liu et al. 2021) and warping error (Lai et al. 2018), the
warping error of both along the reference's own motion, so the reference's value shows what
flow errors and real changes of light contribute. Steadiness alone is no merit (a gray film
is perfectly steady): read it beside PSNR, SSIM and colourfulness. With the B&W INPUT, also
the candidate's luma PSNR against it (the render keeps the film's luma; this shows what the
encoder lost). See `filmcolor.metrics` for each measure's exact definition.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import av

from . import media
from .colour import picture_luma
from .errors import InputError
from .flow import flow, occlusion_mask
from .guidance.cuts import check_threshold
from .guidance.shots import find_shots
from .metrics import (
    AB_BINS,
    CDCAccumulator,
    ab_histograms,
    chroma,
    colourfulness,
    flat_mask,
    fringe,
    psnr,
    ssim,
    warping_error,
)
from .progress import Progress
from .settings import COUNT, THRESHOLD, setting
from .temporal import SmoothConfig


@dataclass(frozen=True)
class EvalConfig:
    cut_threshold: float = setting(
        SmoothConfig.scene_threshold,
        "As render's --scene-threshold, on the reference (CDC and warping error do not compare across cuts).",
        bounds=THRESHOLD,
    )
    bins: int = setting(AB_BINS, "a*/b* histogram bins for CDC.", bounds=COUNT)


@dataclass
class EvalResult:
    """Means over the film's frames (PSNR, SSIM, colourfulness, luma PSNR) or frame pairs (CDC
    over its gaps, warping error over consecutive frames of a shot). NaN where a measure has
    nothing to average (a one-frame film's CDC); None where it was not asked for (luma PSNR
    without an input). A per-frame mean PSNR is inf as soon as one frame is identical."""

    reference: Path
    candidate: Path
    frames: int
    cuts: int  # scene cuts found in the reference
    psnr: float  # dB, RGB, candidate against reference; higher is closer
    ssim: float  # RGB, candidate against reference, in [-1, 1]; 1 is identical
    colourfulness: float  # candidate's, Hasler and Suesstrunk (2003)
    reference_colourfulness: float
    fringe: float  # candidate's chroma gradient energy where the reference's luma is flat; lower is smoother
    reference_fringe: float
    cdc: float  # candidate's; lower is steadier
    reference_cdc: float
    warping_error: float  # candidate's, with the reference's motion; lower is steadier
    reference_warping_error: float
    chroma_warping_error: float  # the same on Cb and Cr alone: the colouriser's part (the luma is the input's)
    reference_chroma_warping_error: float
    input: Path | None = None
    luma_psnr: float | None = None  # dB, candidate's Y plane against the input's, as coded
    luma_psnr_min: float | None = None  # dB, the worst frame's
    seconds: float = 0.0
    pairs: int = 0  # frame pairs the warping error averaged over

    def as_dict(self) -> dict:
        """Everything, JSON-ready: paths as strings, inf as the string "inf", NaN as None."""
        return {
            "reference": str(self.reference),
            "candidate": str(self.candidate),
            "input": None if self.input is None else str(self.input),
            "frames": self.frames,
            "cuts": self.cuts,
            "psnr_db": _json(self.psnr),
            "ssim": _json(self.ssim),
            "colourfulness": _json(self.colourfulness),
            "reference_colourfulness": _json(self.reference_colourfulness),
            "fringe": _json(self.fringe),
            "reference_fringe": _json(self.reference_fringe),
            "cdc": _json(self.cdc),
            "reference_cdc": _json(self.reference_cdc),
            "warping_error": _json(self.warping_error),
            "reference_warping_error": _json(self.reference_warping_error),
            "chroma_warping_error": _json(self.chroma_warping_error),
            "reference_chroma_warping_error": _json(self.reference_chroma_warping_error),
            "warping_pairs": self.pairs,
            "luma_psnr_db": _json(self.luma_psnr),
            "luma_psnr_db_min": _json(self.luma_psnr_min),
            "seconds": round(self.seconds, 3),
        }

    def rows(self) -> list[tuple[str, str, str]]:
        """(measure, candidate, reference) as text, for a table; the reference column is empty
        for the measures taken against it."""
        rows = [
            ("frames (scene cuts)", f"{self.frames} ({self.cuts})", ""),
            ("RGB PSNR against the reference, dB (higher is closer)", _fmt(self.psnr, ".2f"), ""),
            ("SSIM against the reference (1 is identical)", _fmt(self.ssim, ".4f"), ""),
            (
                "colourfulness (0 gray, 33 moderate, 59 quite)",
                _fmt(self.colourfulness, ".1f"),
                _fmt(self.reference_colourfulness, ".1f"),
            ),
            (
                "colour fringes: chroma gradient where the luma is flat (lower is smoother)",
                _fmt(self.fringe, ".3f"),
                _fmt(self.reference_fringe, ".3f"),
            ),
            ("CDC (lower is steadier)", _fmt(self.cdc, ".5f"), _fmt(self.reference_cdc, ".5f")),
            (
                "warping error, RGB (lower is steadier)",
                _fmt(self.warping_error, ".5f"),
                _fmt(self.reference_warping_error, ".5f"),
            ),
            (
                "warping error, chroma (Cb, Cr)",
                _fmt(self.chroma_warping_error, ".6f"),
                _fmt(self.reference_chroma_warping_error, ".6f"),
            ),
        ]
        if self.luma_psnr is not None:
            rows.append(
                (
                    "luma PSNR against the input, dB (mean, min)",
                    f"{_fmt(self.luma_psnr, '.2f')}, {_fmt(self.luma_psnr_min, '.2f')}",
                    "",
                )
            )
        return rows


def _json(x: float | None) -> float | str | None:
    if x is None or math.isnan(x):
        return None
    return "inf" if math.isinf(x) else float(x)


def _fmt(x: float | None, spec: str) -> str:
    if x is None or math.isnan(x):
        return "-"
    return "inf" if math.isinf(x) else format(x, spec)


def evaluate(
    reference: str | Path,
    candidate: str | Path,
    input: str | Path | None = None,  # noqa: A002 (the command's own word for the B&W film)
    config: EvalConfig | None = None,
    progress: Progress | None = None,
) -> EvalResult:
    """Measure `candidate` against `reference`, its colour truth; with `input`, the B&W film it
    was rendered from, also its luma. All must have the same frames (count and size): renders of
    the same film. Raises InputError (or DecodeError) for what the user can fix."""
    config = config or EvalConfig()
    if config.bins < 2:
        raise InputError("the histogram needs at least 2 bins")
    check_threshold(config.cut_threshold, "--cut-threshold")
    t0 = time.perf_counter()
    paths = [Path(reference), Path(candidate)] + ([Path(input)] if input is not None else [])
    with ExitStack() as stack:
        containers = [stack.enter_context(media.open_film(p)) for p in paths]
        infos = [media.film_info(c) for c in containers]
        _check_sizes(paths, infos)
        expected = infos[0].frames
        peak = infos[0].code_range.peak if input is None else infos[2].code_range.peak
        if input is not None and infos[1].code_range.bits != infos[2].code_range.bits:
            raise InputError(
                f"{paths[2]} has {infos[2].code_range.bits}-bit luma, {paths[1]} {infos[1].code_range.bits}-bit; "
                "luma PSNR compares the codes as they are, so give the film the candidate was rendered from"
            )

        shot_starts = set(find_shots(paths[0], config.cut_threshold).cuts)
        n = cuts = pairs = 0
        sums = dict.fromkeys(
            ("psnr", "ssim", "colour", "ref_colour", "we", "ref_we", "cwe", "ref_cwe", "luma", "fringe", "ref_fringe"),
            0.0,
        )
        fringe_frames = 0  # frames with a flat pixel
        luma_min = math.inf
        cdc_cand, cdc_ref = CDCAccumulator(), CDCAccumulator()
        prev = None  # (reference rgb, candidate rgb, reference gray uint8, reference chroma, candidate chroma) of the previous frame
        for frames in _in_step(paths, containers):
            ref = frames[0].to_ndarray(format="rgb24")  # (H, W, 3) uint8
            cand = frames[1].to_ndarray(format="rgb24")
            gray = picture_luma(ref)  # (H, W) uint8: the reference's motion is measured on this
            ref_c, cand_c = chroma(ref), chroma(cand)  # (H, W, 2)
            sums["psnr"] += psnr(ref, cand)
            sums["ssim"] += ssim(ref, cand)
            sums["colour"] += colourfulness(cand)
            sums["ref_colour"] += colourfulness(ref)
            flat = flat_mask(gray)
            if flat.any():
                sums["fringe"] += fringe(cand, flat)
                sums["ref_fringe"] += fringe(ref, flat)
                fringe_frames += 1
            cut = prev is not None and n in shot_starts  # the render's own cut test, on the reference
            cuts += cut
            cdc_cand.push(ab_histograms(cand, config.bins), cut)
            cdc_ref.push(ab_histograms(ref, config.bins), cut)
            if prev is not None and not cut:
                # current -> previous, so warp(previous, to_prev) lies on the current frame
                to_prev = flow(gray, prev[2])
                mask = occlusion_mask(to_prev, flow(prev[2], gray))  # (H, W): current pixels seen in the previous frame
                we, ref_we = warping_error(prev[1], cand, to_prev, mask), warping_error(prev[0], ref, to_prev, mask)
                if not math.isnan(we):
                    sums["we"] += we
                    sums["ref_we"] += ref_we
                    sums["cwe"] += warping_error(prev[4], cand_c, to_prev, mask)
                    sums["ref_cwe"] += warping_error(prev[3], ref_c, to_prev, mask)
                    pairs += 1
            if input is not None:
                luma = psnr(media.luma_plane(frames[2]), media.luma_plane(frames[1]), peak=peak)
                sums["luma"] += luma
                luma_min = min(luma_min, luma)
            prev = (ref, cand, gray, ref_c, cand_c)
            n += 1
            if progress:
                progress(n, max(expected, n))

    nan = float("nan")
    return EvalResult(
        reference=paths[0],
        candidate=paths[1],
        input=paths[2] if input is not None else None,
        frames=n,
        cuts=cuts,
        psnr=sums["psnr"] / n,
        ssim=sums["ssim"] / n,
        colourfulness=sums["colour"] / n,
        reference_colourfulness=sums["ref_colour"] / n,
        fringe=sums["fringe"] / fringe_frames if fringe_frames else nan,
        reference_fringe=sums["ref_fringe"] / fringe_frames if fringe_frames else nan,
        cdc=cdc_cand.value(),
        reference_cdc=cdc_ref.value(),
        warping_error=sums["we"] / pairs if pairs else nan,
        reference_warping_error=sums["ref_we"] / pairs if pairs else nan,
        chroma_warping_error=sums["cwe"] / pairs if pairs else nan,
        reference_chroma_warping_error=sums["ref_cwe"] / pairs if pairs else nan,
        luma_psnr=sums["luma"] / n if input is not None else None,
        luma_psnr_min=luma_min if input is not None else None,
        seconds=time.perf_counter() - t0,
        pairs=pairs,
    )


def _check_sizes(paths: list[Path], infos: list[media.FilmInfo]) -> None:
    """InputError unless every film has the reference's picture size."""
    ref = infos[0]
    for path, info in zip(paths[1:], infos[1:], strict=True):
        if (info.width, info.height) != (ref.width, ref.height):
            raise InputError(
                f"{paths[0]} is {ref.width}x{ref.height}, {path} {info.width}x{info.height}; compare renders of the same film at the same size"
            )


def _in_step(paths: list[Path], containers: list[av.container.InputContainer]) -> Iterator[list[av.VideoFrame]]:
    """The films' frames side by side; InputError, with every film's frame count, when one ends
    before the others (the rest are decoded only to count them)."""
    streams = [_frames(c) for c in containers]
    count = 0
    while True:
        frames = [next(s, None) for s in streams]
        if all(f is None for f in frames):
            return
        if any(f is None for f in frames):
            counts = [count + (f is not None) + sum(1 for _ in s) for f, s in zip(frames, streams, strict=True)]
            if counts[0] != counts[1]:
                raise InputError(
                    f"{paths[0]} has {counts[0]} frames, {paths[1]} {counts[1]}; compare renders of the same film"
                )
            raise InputError(
                f"{paths[2]} has {counts[2]} frames, {paths[1]} {counts[1]}; give the B&W film the candidate was rendered from"
            )
        count += 1
        yield [f for f in frames if f is not None]  # all of them: none has ended


def _frames(container: av.container.InputContainer) -> Iterator[av.VideoFrame]:
    """Every frame of the film's video stream in order, checked as the render checks them."""
    return (decoded.frame for decoded in media.read(container))
