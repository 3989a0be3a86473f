"""The settings of the render (and those it is built from), of `keyframes`, `colorize`, the
studio and `train`, in a module that loads nothing heavy.

The command line makes its options from these dataclasses (`filmcolor.cli.config_options`)
before it knows what a command will do, so they live apart from the code that uses them:
torch, OpenCV and SciPy load only when a command starts its work, and `filmcolor --help` or a
film that is not there is answered in a fraction of a second (docs/benchmarks.md). Each
module that does the work imports its config from here (`filmcolor.inference`,
`filmcolor.guidance.cuts`, `filmcolor.temporal`, `filmcolor.guidance.guide`, `filmcolor.segments`,
`filmcolor.render`, `filmcolor.keyframes`, `filmcolor.stills`, `filmcolor.studio.server`,
`filmcolor.training.train`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .media.encoding import EncodeConfig
from .settings import AMOUNT, COUNT, POSITIVE, SEED, SHARE, STREAM, THRESHOLD, Bounds, setting

EDGE_RADIUS = 8  # px at the working size (short side 256) of the luma-guided filter (`filmcolor.edgeaware`): the window is 17 px, 7% of the picture's height
AMP_CHOICES = ("bf16", "fp16", "off")  # autocast precision on CUDA; the CPU always runs fp32
STREAM_HELP = "The video stream to read (its index, as ffprobe numbers streams); default: the main one, as FFmpeg picks it (not a still picture, the most frames, then the largest picture)."
DAMAGED_CHOICES = ("stop", "skip")  # what a reader does at damage: refuse the film, or note it and go on
ENGINES = ("auto", "torch", "onnx", "onnx-int8")  # what runs the generator (`filmcolor.onnx_engine.choose`)


@dataclass(frozen=True)
class InferenceConfig:
    weights: Path | None = setting(
        None, "Generator weights, e.g. a training run's run/weights.pt (default: the shipped weights)."
    )
    model_size: int = setting(256, "Short side, in px, of the picture the model sees.", bounds=Bounds(16))
    saturation: float = setting(
        1.0,
        "More or less colour: the chroma times this (1: as the weights were calibrated; kept inside the gamut).",
        bounds=Bounds(0, 4),
    )
    edge_radius: int = setting(
        EDGE_RADIUS,
        "Radius in px at the working size of the luma-guided filter of the chroma (flat luma, flat chroma); 0: the model's chroma as it is.",
        bounds=Bounds(0, 64),
    )
    amp: str = setting("bf16", "Autocast precision on CUDA (the CPU runs fp32).", choices=AMP_CHOICES)
    device: str = setting("auto", "auto, cpu or cuda (cuda:N for one GPU of several).", runtime=True)
    batch_size: int | None = setting(
        None, "Frames per model call (default: 4 on the CPU, from free memory on CUDA).", runtime=True, bounds=COUNT
    )
    compile: bool = setting(
        False, "torch.compile the generator (a minute's warm-up; pays off on long films).", runtime=True
    )
    engine: str = setting(
        "auto",
        "What runs the generator: onnx (ONNX Runtime, the CPU only), onnx-int8 (ONNX Runtime on the shipped weights' int8 graph: the generator about 3x faster, its colour as good on the validation split), torch, or auto (onnx on the CPU, torch on CUDA or with --compile).",
        choices=ENGINES,
        runtime=True,
    )

    def check(self) -> None:
        """InputError for settings no run can use."""
        if self.model_size < 16 or (self.batch_size is not None and self.batch_size < 1):
            raise InputError("--model-size must be at least 16 and --batch-size at least 1")
        if not 0 <= self.edge_radius <= 64:
            raise InputError("--edge-radius must be from 0 (no filter) to 64")
        if not 0 <= self.saturation <= 4:
            raise InputError("--saturation must be from 0 (gray) to 4")
        if self.amp not in AMP_CHOICES:
            raise InputError(f"--amp {self.amp}: use {', '.join(AMP_CHOICES)}")
        if self.engine not in ENGINES:
            raise InputError(f"--engine {self.engine}: use {', '.join(ENGINES)}")
        if self.engine.startswith("onnx") and self.device.startswith("cuda"):
            raise InputError(
                f"--engine {self.engine} runs on the CPU only: use --device cpu, or --engine torch on CUDA"
            )
        if self.engine.startswith("onnx") and self.compile:
            raise InputError("--compile compiles torch's generator: use it with --engine torch or auto")


@dataclass(frozen=True)
class CutConfig:
    # share of a frame that the best warp of the one before leaves unlike, above which it may start a shot
    threshold: float = 0.12
    # ...and by how much more than the frames' around it (and twice theirs, unless the picture is still on one side)
    contrast: float = 0.1
    # share under which a later frame matches the last one before a disturbance again (it came back)
    back: float = 0.25


@dataclass(frozen=True)
class SmoothConfig:
    strength: float = setting(
        0.95,
        "Share of the colour carried along the motion where the flow is fully trusted, 0 to 1; 0 turns smoothing off.",
        bounds=SHARE,
    )
    scene_threshold: float = setting(
        CutConfig.threshold,
        "Share of a frame that even the best warp of the frame before leaves unlike, above which a new shot may start (filmcolor.guidance.cuts), and smoothing restarts.",
        bounds=THRESHOLD,
    )
    residual: float = setting(
        0.08, "Luma warp residual (luma in [0, 1]) at which trust in the flow falls to 1/e.", bounds=POSITIVE
    )
    flow_preset: str = setting("fast", "DIS optical flow preset: ultrafast, fast or medium.")
    flow_scale: float = setting(
        0.5,
        "Flow is estimated at this fraction of the working size: chroma is smooth, and it is 3x cheaper.",
        bounds=Bounds(0, 1, above=True),
    )
    global_start: bool = setting(
        True,
        "Start the flow from the global shift phase correlation finds, where it is sure: DIS's fast preset at half the working size loses a pan of more than a few px a frame.",
    )


@dataclass(frozen=True)
class GuideConfig:
    keyframes: Path | None = setting(
        None,
        "Folder of coloured keyframes (NNNNNN.png or ref_NNNNNN.png, the frame's 0-based number; strokes on a gray frame or transparent parts are filled), carried through their shots.",
    )
    keyframes_of_another_film: bool = setting(
        False,
        "Use a --keyframes folder whose keyframes.json says it was made for another film (its shot list is not used).",
    )
    no_setups: bool = setting(
        False,
        "Do not colour a shot with no keyframe from a painted shot of the same camera setup (the same place from about the same camera).",
    )
    reach: float = setting(
        30.0,
        "Seconds a keyframe's colour is carried backward in its shot, decoded ahead (fading in over the first fifth); forward it is carried to the shot's end.",
        bounds=POSITIVE,
    )

    def check(self) -> None:
        if self.reach <= 0:
            raise InputError("--reach must be more than 0 seconds")
        if self.keyframes is not None and not Path(self.keyframes).is_dir():
            raise InputError(
                f"--keyframes {self.keyframes} is not a folder; give the folder of keyframe pictures (filmcolor keyframes writes one)"
            )


@dataclass(frozen=True)
class SegmentConfig:
    seconds: float | None = setting(
        60.0,
        "Render in resumable segments of about this many seconds; 0 (None) renders in one pass, keeping nothing.",
        bounds=Bounds(0, words="a number of seconds more than 0, or 0 for one pass"),
    )
    restart: bool = setting(
        False, "Discard an interrupted render's segments instead of going on from them.", runtime=True
    )
    ray: str | None = setting(
        None, "Ray cluster address ('local' starts one): segments become Ray tasks.", runtime=True
    )


@dataclass(frozen=True)
class RenderConfig:
    inference: InferenceConfig = setting(factory=InferenceConfig)
    encode: EncodeConfig = setting(factory=EncodeConfig)
    smooth: SmoothConfig = setting(factory=SmoothConfig)
    segments: SegmentConfig = setting(factory=SegmentConfig)
    start: float = setting(0.0, "Seconds into the film to start from (a preview).", bounds=AMOUNT)
    duration: float | None = setting(None, "Seconds to render from --start (default: to the end).", bounds=POSITIVE)
    damaged: str = setting(
        "stop",
        "Where the film is damaged (undecodable, frames missing): stop with a message, or skip what is lost and say what.",
        choices=DAMAGED_CHOICES,
    )
    stream: int | None = setting(None, STREAM_HELP, bounds=STREAM)
    guide: GuideConfig = setting(factory=GuideConfig)
    overwrite: bool = setting(False, "Replace the output if it exists.", runtime=True)
    queue_depth: int = setting(
        2, "Chunks of batch_size frames waiting between two stages: bounds memory.", runtime=True, bounds=COUNT
    )


@dataclass(frozen=True)
class KeyframesConfig:
    every: float | None = setting(
        None, "Also a keyframe every this many seconds within a shot (long shots).", bounds=POSITIVE
    )
    auto: bool = setting(False, "Write the automatic colouring instead of gray: a start to correct.")
    scene_threshold: float = setting(
        SmoothConfig.scene_threshold, "As render's --scene-threshold (the same test).", bounds=THRESHOLD
    )
    stream: int | None = setting(None, STREAM_HELP, bounds=STREAM)
    overwrite: bool = setting(
        False,
        "Replace an earlier keyframes folder: the pictures its keyframes.json lists, coloured or not (a folder holding anything else is refused).",
    )


@dataclass(frozen=True)
class StillsConfig:
    inference: InferenceConfig = setting(factory=InferenceConfig)
    hints: Path | None = setting(
        None,
        "Colour hints for the one picture: strokes of colour on it (or a transparent PNG), spread over the rest by its luma.",
    )
    overwrite: bool = setting(False, "Replace existing PNGs in the output folder.", runtime=True)


@dataclass(frozen=True)
class StudioConfig:
    film: Path = setting(Path(), "The B&W film to colour.")
    keyframes: Path | None = setting(
        None,
        "Keyframes folder to read and write, as render --keyframes reads it (default: FILM-keyframes beside FILM).",
    )
    output: Path | None = setting(
        None,
        "Where the page's Render button writes (default: FILM-color.mp4 beside FILM); numbered (-2, -3 ...), never over a file.",
    )
    host: str = setting(
        "127.0.0.1", "Address to listen on; anything but 127.0.0.1 lets other machines in (with the token)."
    )
    port: int = setting(8642, "Port to listen on (0: any free port).", bounds=Bounds(0, 65535))
    browser: bool = setting(True, "Open the studio in the browser.")


@dataclass(frozen=True)
class DecolouriserConfig:
    """G_BA's shape; stored in training checkpoints."""

    base: int = 32  # channels at full size; doubled at each downsampling
    downsamples: int = 2  # stride-2 stages; the trunk runs at 1/2**downsamples
    blocks: int = 4  # residual blocks in the trunk


# the option of `train --resume` that takes a checkpoint without a SHA-256 as it is (`training.runs`)
UNCHECKED_OPTION = "--unchecked-checkpoint"


@dataclass
class TrainConfig:
    """A CycleGAN run's settings; stored in its checkpoint, so a resumed run keeps them."""

    domain_a: str = setting("", "Folder of the film's B&W frames (filmcolor extract); required unless --resume.")
    domain_b: str = setting("", "Folder of colour pictures (default: the small set shipped with filmcolor).")
    init: str = setting("shipped", "G_AB's start: a weights file, 'shipped' or 'random'.")
    seed: int = setting(0, "Seed of initialisation, crops and pools.", bounds=SEED)
    batch_size: int = setting(4, "Pictures of each domain per step.", bounds=COUNT)
    size: int = setting(256, "Crop side in px.", bounds=Bounds(16))
    film_look: float = setting(
        0.0,
        "Share of the pairs whose luma the model is shown in a random old-film look (grain, softness, exposure).",
        bounds=SHARE,
    )
    video_look: float = setting(
        0.0,
        "Share of the pairs whose luma also gets camera video's defects (codec blocks and ringing, noise, motion blur, interlacing, soft focus).",
        bounds=SHARE,
    )
    edge_weight: float = setting(
        0.0, "Weight of the loss on chroma gradients where the luma is flat (pairs only).", bounds=AMOUNT
    )
    confidence_weight: float = setting(
        0.1,
        "Weight of the confidence's likelihood loss (pairs only; generators with the confident head).",
        bounds=AMOUNT,
    )
    load_size: int = setting(
        286,
        "Short side pictures are scaled to before cropping: the render's working scale (256) and a margin.",
        bounds=Bounds(16),
    )
    steps: int = setting(10_000, "Train up to this step (a resumed run goes on to it).", resumable=True, bounds=COUNT)
    lr: float = setting(2e-4, "Adam learning rate of generators and discriminators.", bounds=POSITIVE)
    beta1: float = setting(0.5, "Adam beta1, as in the paper.", bounds=Bounds(0, 1, below=True))
    constant_steps: int = setting(5_000, "Steps at the full learning rate...", resumable=True, bounds=AMOUNT)
    decay_steps: int = setting(
        5_000,
        "...then linear decay to 0 over this many (independent of --steps; a resumed run may end sooner with both lowered).",
        resumable=True,
        bounds=AMOUNT,
    )
    pool_size: int = setting(50, "Past fakes each discriminator also sees.", bounds=AMOUNT)
    decolouriser: DecolouriserConfig = setting(factory=DecolouriserConfig)  # G_BA's shape
    disc_width: int = setting(64, "Filters of the PatchGAN discriminators' first layer.", bounds=COUNT)
    cycle_weight: float = setting(10.0, "Weight of the cycle-consistency L1 losses.", bounds=AMOUNT)
    identity_weight: float = setting(
        0.5, "Identity loss weight, times --cycle-weight (the reference's definition).", bounds=AMOUNT
    )
    paired_weight: float = setting(
        10.0, "Supervised chroma loss on domain B's own luma; 0 for plain CycleGAN.", bounds=AMOUNT
    )
    gan_weight: float = setting(
        1.0, "Weight of the adversarial losses (the paper's 1); below 1 trusts the pairs more.", bounds=AMOUNT
    )
    device: str = setting("auto", "auto, cpu or cuda.", resumable=True)
    amp: str = setting(
        "bf16", "Autocast precision on CUDA (the CPU always trains in fp32).", choices=AMP_CHOICES, resumable=True
    )
    save_every: int = setting(200, "Steps between checkpoints (and weights.pt).", resumable=True, bounds=COUNT)
    preview_every: int = setting(200, "Steps between preview grids.", resumable=True, bounds=COUNT)

    def lr_factor(self, step: int) -> float:
        """Learning-rate multiplier at `step` (1-based): constant, then linear to 0."""
        if step <= self.constant_steps:
            return 1.0
        return max(0.0, 1.0 - (step - self.constant_steps) / max(1, self.decay_steps))
