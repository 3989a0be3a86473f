"""Test films with a known truth: a colour film turned B&W in the look of old film.

A colourised render can only be scored against colour it never saw. Taking a colour film,
keeping its luma and dropping its chroma gives a B&W input whose true colours are known;
old films, though, are not clean luma, and a model that only ever meets clean luma is not
tested on what it will be given. So the luma is damaged the way film is: grain, exposure
flicker, lens softness, dust, scratches and gate weave, each with its own strength (0 turns
it off) and all from one seed, so a test film can be made again: bit for bit through a
lossless encoder (x264 is not always bit-exact run to run on tiny pictures).

Every effect is a function of an (H, W) float32 luma picture in [0, 1] and, where it is
random, a numpy Generator; what lasts from frame to frame (flicker, weave, live scratches)
is held in a `FilmDamage`, stepped once per frame. Sizes in pixels are given for a 576-line
picture and scaled with the film's height, so a film looks equally damaged at any size.

The film itself goes through the render's own media layer: same frames, timestamps, time
base and colour tags, audio and subtitle packets copied, neutral chroma beside the new luma.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from . import media
from .errors import InputError
from .media.encoding import EncodeConfig
from .media.writer import FilmWriter
from .outputs import atomic_output, check_output, locked
from .progress import Progress
from .settings import AMOUNT, SEED, SHARE, STREAM, setting

REFERENCE_LINES = 576  # picture height the pixel sizes below are given for
GRAIN_SIGMA = 0.7  # px at 576 lines: blur of the grain noise, so a grain spans a few pixels
FLICKER_CORRELATION = 0.5  # frame-to-frame correlation of the flicker: uneven, not pure noise
WEAVE_CORRELATION = 0.9  # frame-to-frame correlation of the weave: the picture sways, it does not jump
DUST_RADIUS = (1.0, 4.0)  # px at 576 lines: range of a speck's radius
SCRATCH_WIDTH = (0.6, 2.0)  # px at 576 lines: range of a scratch's width
SCRATCH_DRIFT = 0.4  # px per frame at 576 lines: std of a scratch's sideways drift
SCRATCH_FRAMES = (3, 16)  # frames a scratch lasts: at least, and fewer than
MIN_PX = 1.0  # no speck or scratch thinner than a pixel, or a small film would show none


@dataclass(frozen=True)
class DegradeConfig:
    grain: float = setting(
        0.04, "Grain std in luma units [0, 1] at mid-gray (less in shadows and highlights).", bounds=SHARE
    )
    flicker: float = setting(0.04, "Std of the per-frame brightness change at mid-gray, in luma units.", bounds=SHARE)
    softness: float = setting(1.0, "Blur sigma in px at 576 lines (scaled with the film's height).", bounds=AMOUNT)
    dust: float = setting(3.0, "Expected dust specks per frame; each lasts one frame.", bounds=AMOUNT)
    scratches: float = setting(
        0.3, "Chance per frame (0-1) that a scratch starts; each lasts a few frames.", bounds=SHARE
    )
    weave: float = setting(0.6, "Gate weave std, a smooth per-frame shift, in px at 576 lines.", bounds=AMOUNT)
    seed: int = setting(0, "One seed for every effect: the same seed gives the same film.", bounds=SEED)
    clean: bool = setting(False, "Plain luma, no effects (the amounts above are ignored): the film's own luma codes.")
    stream: int | None = setting(None, media.STREAM_HELP, bounds=STREAM)
    encode: EncodeConfig = setting(factory=EncodeConfig)
    overwrite: bool = setting(False, "Replace the output if it exists.", runtime=True)


@dataclass
class DegradeResult:
    output: Path
    frames: int
    seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


@dataclass(eq=False)  # a live object, the same scratch only as itself
class Scratch:
    """A vertical line scraped along the film: it stays for a few frames, drifting sideways."""

    x: float  # column of its centre, px
    drift: float  # px per frame
    width: float  # px
    tone: float  # luma it pulls the picture toward: dark (base scratch) or bright (emulsion scratch)
    strength: np.ndarray  # (H,) how far toward `tone`, row by row: a scratch is uneven along its length
    frames_left: int


def grain(y: np.ndarray, std: float, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Film grain: gaussian noise blurred by `sigma` px (grains are larger than a pixel), scaled
    back to `std` at mid-gray and less toward black and white, where film shows less grain.
    Zero-mean, so the picture's brightness is kept."""
    if std <= 0:
        return y
    noise = rng.standard_normal(y.shape, dtype=np.float32)  # (H, W)
    if sigma > 0:
        noise = np.asarray(cv2.GaussianBlur(noise, (0, 0), sigma), np.float32)  # already float32: no copy
        noise /= max(float(noise.std()), 1e-6)  # the blur lowered the std: back to 1
    midtones = 0.25 + 3.0 * y * (1.0 - y)  # 1 at mid-gray, 0.25 at black and white
    return y + std * midtones * noise


def flicker(y: np.ndarray, brightness: float) -> np.ndarray:
    """Exposure flicker: a gain and an offset together, so mid-gray moves by `brightness`,
    black by half of it and white by one and a half times it."""
    return y * (1.0 + brightness) + 0.5 * brightness


def soften(y: np.ndarray, sigma: float) -> np.ndarray:
    """Lens and print softness: a gaussian blur of `sigma` px."""
    if sigma <= 0:
        return y
    return cv2.GaussianBlur(y, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def shift(y: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Gate weave: the picture moved by (dx, dy) px, subpixel, edges mirrored.

    A translation interpolates every pixel with the same weights, so it is one separable
    filter: exact (OpenCV's warpAffine rounds positions to 1/32 px and its bicubic misplaces
    the picture by a few hundredths of a pixel), and cubic, so a half-pixel shift does not blur as a linear one would."""
    if dx == 0 and dy == 0:
        return y
    (kx, ax), (ky, ay) = _shift_taps(dx), _shift_taps(dy)
    return cv2.sepFilter2D(y, -1, kx, ky, anchor=(ax, ay), borderType=cv2.BORDER_REFLECT)


def _shift_taps(d: float) -> tuple[np.ndarray, int]:
    """(taps, anchor) of a 1-D filter with out[i] = in[i - d]: the Keys cubic (a = -0.5, exact on
    quadratics) at the 4 samples around i - d = i + n + t, n whole and t in [0, 1)."""
    n = math.floor(-d)
    t = -d - n
    reach = abs(n) + 2  # taps from -reach to +reach around the anchor
    taps = np.zeros(2 * reach + 1, np.float32)
    for k, dist in enumerate((1 + t, t, 1 - t, 2 - t)):  # samples n - 1 .. n + 2
        near = 1.5 * dist**3 - 2.5 * dist**2 + 1
        far = -0.5 * dist**3 + 2.5 * dist**2 - 4 * dist + 2
        taps[reach + n - 1 + k] = near if dist <= 1 else far
    return taps, reach


def dust(y: np.ndarray, expected: float, rng: np.random.Generator, scale: float) -> np.ndarray:
    """Dust on the print: a Poisson number of small elliptic specks, mostly dark (dust on the
    print) and some bright (dust on the negative), each on this frame only. `scale` is the
    film's height over 576 lines."""
    out = y.copy()
    h, w = y.shape
    for _ in range(rng.poisson(expected)):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        radius = max(rng.uniform(*DUST_RADIUS) * scale, MIN_PX / 2)  # px, the long semi-axis
        aspect, angle = rng.uniform(1.0, 2.5), rng.uniform(0, np.pi)
        tone = rng.uniform(0.0, 0.12) if rng.random() < 0.7 else rng.uniform(0.88, 1.0)
        y0, y1 = max(0, int(cy - radius - 1)), min(h, int(cy + radius + 2))
        x0, x1 = max(0, int(cx - radius - 1)), min(w, int(cx + radius + 2))
        rows, cols = np.mgrid[y0:y1, x0:x1].astype(np.float32)  # (h', w') each
        cos, sin = math.cos(angle), math.sin(angle)  # Python floats: the arithmetic stays float32
        along = (cols - cx) * cos + (rows - cy) * sin
        across = (rows - cy) * cos - (cols - cx) * sin
        distance = np.hypot(along, across * aspect)  # in units of the long semi-axis' px
        alpha = np.clip(radius + 0.5 - distance, 0.0, 1.0)  # (h', w') anti-aliased edge
        patch = out[y0:y1, x0:x1]
        patch += alpha * (tone - patch)
    return out


def new_scratch(height: int, width: int, rng: np.random.Generator, scale: float) -> Scratch:
    """A scratch starting somewhere on the picture, with its own width, tone, drift and life."""
    knots = rng.uniform(0.3, 0.8, size=6)  # strength at 6 points along the film, linear between
    return Scratch(
        x=rng.uniform(0, width - 1),
        drift=rng.normal(0.0, SCRATCH_DRIFT * scale),
        width=max(rng.uniform(*SCRATCH_WIDTH) * scale, MIN_PX),
        tone=0.05 if rng.random() < 0.5 else 0.95,
        strength=np.interp(np.arange(height), np.linspace(0, height - 1, knots.size), knots).astype(np.float32),
        frames_left=int(rng.integers(*SCRATCH_FRAMES)),
    )


def draw_scratches(y: np.ndarray, scratches: list[Scratch]) -> np.ndarray:
    """The picture with each scratch drawn as a full-height line, anti-aliased across its width."""
    out = y.copy()
    columns = np.arange(y.shape[1], dtype=np.float32)  # (W,)
    for s in scratches:
        cover = np.clip(s.width / 2 + 0.5 - np.abs(columns - s.x), 0.0, 1.0)  # (W,) sums to the width
        alpha = s.strength[:, None] * cover[None, :]  # (H, W)
        out += alpha * (s.tone - out)
    return out


class FilmDamage:
    """What persists from frame to frame: the flicker, the weave and the live scratches.

    The flicker and the weave are AR(1) processes with the configured std at every frame, so
    they wander smoothly instead of jumping; `step` moves everything on by one frame.
    """

    def __init__(self, config: DegradeConfig, height: int, width: int) -> None:
        self.config = config
        self.height, self.width = height, width
        self.scale = height / REFERENCE_LINES
        self.brightness = 0.0  # flicker: mid-gray's change this frame, luma units
        self.offset = np.zeros(2)  # weave: (dx, dy) px this frame
        self.scratches: list[Scratch] = []
        self.frames = 0  # steps taken

    def step(self, rng: np.random.Generator) -> None:
        c = self.config
        first = self.frames == 0
        self.brightness = float(_ar1(self.brightness, c.flicker, FLICKER_CORRELATION, rng, first))
        self.offset = _ar1(self.offset, c.weave * self.scale, WEAVE_CORRELATION, rng, first)
        for s in self.scratches:
            s.x += s.drift
            s.frames_left -= 1
        self.scratches = [s for s in self.scratches if s.frames_left > 0]
        if rng.random() < c.scratches:
            self.scratches.append(new_scratch(self.height, self.width, rng, self.scale))
        self.frames += 1


def _ar1(
    value: float | np.ndarray, std: float, correlation: float, rng: np.random.Generator, first: bool
) -> np.ndarray:
    """Next value of an AR(1) process (of `value`'s shape) whose std is `std` at every step:
    the first is drawn from that distribution, each later one keeps `correlation` of the last."""
    noise = rng.normal(0.0, std, size=np.shape(value))
    if first:
        return noise
    return correlation * value + np.sqrt(1.0 - correlation**2) * noise


WORKING_LINES = 256  # the picture height the model sees (InferenceConfig.model_size)


def random_look(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One picture, (H, W) luma in [0, 1] at the model's working scale, in an old-film look of
    random strength: softness, an exposure change and grain, each from none to about twice
    `degrade`'s defaults (what training shows the model, so old films are not new to it)."""
    c, scale = DegradeConfig(), WORKING_LINES / REFERENCE_LINES
    y = soften(y.astype(np.float32), rng.uniform(0.0, 2.0 * c.softness) * scale)
    y = flicker(y, rng.normal(0.0, c.flicker))
    y = grain(y, rng.uniform(0.0, 2.0 * c.grain), rng, GRAIN_SIGMA * scale)
    return np.clip(y, 0.0, 1.0)


def motion_blur(y: np.ndarray, length: float, angle: float) -> np.ndarray:
    """Camera or subject motion during the exposure: the picture smeared along a line of
    `length` px at `angle` (radians), a normalised line kernel."""
    if length < 1:
        return y
    side = int(math.ceil(length)) | 1  # odd
    kernel = np.zeros((side, side), np.float32)
    c, dx, dy = side // 2, 0.5 * length * math.cos(angle), 0.5 * length * math.sin(angle)
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    return cv2.filter2D(y, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)


def interlace(y: np.ndarray, dx: float, doubled: bool) -> np.ndarray:
    """Interlaced video: the odd lines from the other field, moved `dx` px since the even ones
    (combing on motion), or, `doubled`, each odd line a copy of the even one above (a field
    shown alone, as a cheap deinterlacer does)."""
    out = y.copy()
    out[1::2] = y[0::2][: out[1::2].shape[0]] if doubled else shift(y, dx, 0.0)[1::2]
    return out


def codec(y: np.ndarray, quality: int, scale: float) -> np.ndarray:
    """A low-bitrate codec's blocking and ringing: the picture JPEG-coded at `quality` (8x8 DCT
    blocks, coarse quantisation) at `scale` times its size, then brought back, so the blocks
    are 8 / `scale` px here, as a film's blocks are smaller once scaled to the working size."""
    h, w = y.shape
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    big = cv2.resize(y, size, interpolation=cv2.INTER_LINEAR) if scale != 1 else y
    ok, blob = cv2.imencode(
        ".jpg", np.clip(np.rint(big * 255), 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    )
    decoded = cv2.imdecode(blob, cv2.IMREAD_GRAYSCALE)
    assert decoded is not None  # OpenCV's own JPEG, just written
    back = decoded.astype(np.float32) / 255.0
    return cv2.resize(back, (w, h), interpolation=cv2.INTER_AREA) if scale != 1 else back


def video_look(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One picture, (H, W) luma in [0, 1] at the model's working scale, with the defects camera
    video and its digitisation bring, each drawn at random: soft focus, motion blur,
    interlacing, sensor noise, then a low-bitrate codec's blocks and ringing (what training
    shows the model, so codec noise does not become colour noise)."""
    y = y.astype(np.float32)
    if rng.random() < 0.3:
        y = soften(y, rng.uniform(0.5, 2.0))
    if rng.random() < 0.3:
        y = motion_blur(y, rng.uniform(2.0, 9.0), rng.uniform(0.0, np.pi))
    if rng.random() < 0.2:
        y = interlace(y, rng.uniform(-3.0, 3.0), rng.random() < 0.5)
    y = y + rng.uniform(0.0, 0.03) * rng.standard_normal(y.shape, dtype=np.float32)
    if rng.random() < 0.7:
        y = codec(np.clip(y, 0.0, 1.0), int(rng.integers(5, 45)), rng.uniform(1.0, 3.0))
    return np.clip(y, 0.0, 1.0)


def degrade_frame(y: np.ndarray, config: DegradeConfig, damage: FilmDamage, rng: np.random.Generator) -> np.ndarray:
    """One frame of the film, (H, W) luma in [0, 1] in and out; steps `damage` by one frame.

    In the order light meets them: the gate sways (weave), the lens softens, the exposure
    flickers, the emulsion adds grain, then the print collects dust and scratches."""
    if config.clean:
        return y
    damage.step(rng)
    y = shift(y, *damage.offset)
    y = soften(y, config.softness * damage.scale)
    y = flicker(y, damage.brightness)
    y = grain(y, config.grain, rng, GRAIN_SIGMA * damage.scale)
    y = dust(y, config.dust, rng, damage.scale)
    y = draw_scratches(y, damage.scratches)
    return np.clip(y, 0.0, 1.0)


def degrade(
    source: str | Path, output: str | Path, config: DegradeConfig, progress: Progress | None = None
) -> DegradeResult:
    """Write `source`'s luma, damaged as `config` says, as a B&W film at `output`.

    Streams like the render: one frame at a time, every frame with its timestamp, every audio
    and subtitle packet copied, the output renamed into place only when complete. Raises
    FilmcolorError subclasses for what the user can fix."""
    source = media.check_input(source)
    media.choose_stream(source, config.stream)
    output = check_output(output, config.overwrite, inputs=(source,))
    amounts = (config.grain, config.flicker, config.softness, config.dust, config.scratches, config.weave)
    if min(amounts) < 0 or config.scratches > 1:
        raise InputError(
            "--grain, --flicker, --softness, --dust, --scratches and --weave must be >= 0, and --scratches at most 1 (a probability)"
        )
    rng = np.random.default_rng(config.seed)
    t0 = time.perf_counter()
    done = 0
    with locked(output, "degrade"), media.open_film(source) as container:
        info = media.film_info(container)
        FilmWriter.check(output, container, info, config.encode)
        damage = FilmDamage(config, info.height, info.width)
        with atomic_output(output) as tmp:
            with FilmWriter(tmp, container, info, config.encode) as writer:
                bits = writer.out_range.bits
                cw, ch = writer.chroma_size
                neutral = np.full((2, ch, cw), 1 << (bits - 1), np.uint8 if bits <= 8 else np.uint16)  # (2, h, w) gray
                for item in media.read_with_packets(container):
                    if not isinstance(item, media.Decoded):
                        writer.copy_packet(item)
                        continue
                    # codes -> unit -> codes is exact, so a clean film keeps its luma codes as decoded
                    unit = degrade_frame(info.code_range.luma_to_unit(item.luma()), config, damage, rng)  # (H, W)
                    writer.write(info.code_range.unit_to_luma(unit), neutral, item.pts)
                    done += 1
                    if progress:
                        progress(done, max(info.frames, done))
    return DegradeResult(output=output, frames=done, seconds=time.perf_counter() - t0)
