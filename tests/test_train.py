"""CycleGAN training: losses, pool and discriminator shape; run folders, resume and previews;
every error a user can cause. Tiny networks and crops keep it on the CPU in seconds."""

import hashlib
import json
from dataclasses import replace

import cv2
import numpy as np
import pytest
import torch
from clirun import assert_one_line_error, run_cli
from testfilms import make_film

from filmcolor.models import Generator, GeneratorConfig, load_weights, save_weights
from filmcolor.training.gan import Decolouriser, DecolouriserConfig, ImagePool, PatchDiscriminator, lsgan_loss
from filmcolor.training.train import CycleGAN, Optimisers, TrainConfig, cyclegan_step, train


def _pictures(folder, n, colour, size=(40, 48), seed=0):
    folder.mkdir()
    rng = np.random.default_rng(seed)
    for i in range(n):
        shape = (*size, 3) if colour else size
        img = cv2.GaussianBlur(rng.integers(0, 256, shape, dtype=np.uint8), (7, 7), 2)
        cv2.imwrite(str(folder / f"{i}.png"), img)
    return folder


@pytest.fixture
def domains(tmp_path):
    return _pictures(tmp_path / "A", 3, False), _pictures(tmp_path / "B", 3, True, seed=1)


@pytest.fixture
def tiny(domains, tiny_weights):
    a, b = domains
    return TrainConfig(
        domain_a=str(a),
        domain_b=str(b),
        steps=4,
        batch_size=2,
        size=32,
        init=str(tiny_weights),
        decolouriser=DecolouriserConfig(base=4, blocks=1),
        disc_width=8,
        save_every=2,
        preview_every=2,
    )


# --- losses, pool, networks ---------------------------------------------------------------------


def test_lsgan_loss_is_squared_distance_to_the_label():
    scores = torch.tensor([[0.0, 0.5], [1.0, 2.0]])
    assert lsgan_loss(scores, True).item() == pytest.approx((1 + 0.25 + 0 + 1) / 4)
    assert lsgan_loss(scores, False).item() == pytest.approx((0 + 0.25 + 1 + 4) / 4)


def test_image_pool_fills_then_mixes_old_and_new():
    pool, g = ImagePool(3), torch.Generator().manual_seed(0)
    first = torch.arange(3.0).view(3, 1, 1, 1)
    assert torch.equal(pool.query(first, g), first)  # filling: passes through
    assert len(pool.images) == 3
    seen = set()
    for k in range(40):
        new = torch.full((2, 1, 1, 1), 10.0 + k)
        out = pool.query(new, g)
        assert out.shape == new.shape and len(pool.images) == 3
        seen.update(float(v) for v in out.flatten())
    assert any(v < 10 for v in seen) and any(v >= 10 for v in seen)  # old fakes and new ones
    assert torch.equal(ImagePool(0).query(first, g), first)


def test_image_pool_draws_only_from_its_generator():
    def run():
        pool, g = ImagePool(2), torch.Generator().manual_seed(5)
        return [pool.query(torch.full((1, 1, 1, 1), float(k)), g).item() for k in range(30)]

    torch.manual_seed(1)
    a = run()
    torch.manual_seed(2)
    assert run() == a


def test_patch_discriminator_sees_70x70_patches():
    d = PatchDiscriminator(1, width=8)
    assert d(torch.zeros(1, 1, 256, 256)).shape == (1, 1, 30, 30)  # as the reference's 70x70 PatchGAN
    convs = torch.nn.Sequential(*(m for m in d.body if not isinstance(m, torch.nn.InstanceNorm2d)))  # norms see all
    x = torch.rand(1, 1, 140, 140, requires_grad=True)
    convs(x)[0, 0, 5, 5].backward()
    rows, cols = np.nonzero(x.grad[0, 0].abs().numpy())
    assert rows.max() - rows.min() + 1 <= 70 and cols.max() - cols.min() + 1 <= 70
    assert rows.max() - rows.min() + 1 >= 60  # and about that much


def test_decolouriser_keeps_size_and_starts_near_the_pictures_luma():
    g = Decolouriser(DecolouriserConfig(base=4, blocks=1))
    ycc = torch.rand(2, 3, 37, 50) - torch.tensor([0.0, 0.5, 0.5]).view(1, 3, 1, 1)
    out = g(ycc)
    assert out.shape == (2, 1, 37, 50)
    assert (out - ycc[:, :1]).abs().max() <= 0.5


def test_step_reports_the_losses_it_uses_and_moves_both_players():
    torch.manual_seed(0)
    nets = CycleGAN(Generator(GeneratorConfig(base=8, blocks=1)), DecolouriserConfig(base=4, blocks=1), 8)
    # Y'CbCr, the given luma
    a, b = (torch.rand(2, 1, 32, 32), torch.rand(2, 4, 32, 32) - torch.tensor([0, 0.5, 0.5, 0]).view(1, 4, 1, 1))
    before = {k: v.clone() for k, v in nets.state_dict().items()}
    for config, keys in (
        (TrainConfig(), {"g_gan", "cycle", "identity", "paired"}),
        (TrainConfig(paired_weight=0), {"g_gan", "cycle", "identity"}),
        (TrainConfig(paired_weight=0, identity_weight=0), {"g_gan", "cycle"}),
    ):
        opt = Optimisers.create(nets, config, torch.device("cpu"))
        losses = cyclegan_step(nets, opt, (ImagePool(4), ImagePool(4)), a, b, config, torch.Generator().manual_seed(0))
        assert set(losses) == keys | {"g", "d_a", "d_b"}
        assert losses["g"] == pytest.approx(sum(losses[k] for k in keys), rel=1e-5)
    after = nets.state_dict()
    for name in ("g_ab", "g_ba", "d_a", "d_b"):
        assert any(not torch.equal(before[k], after[k]) for k in after if k.startswith(name + "."))


def test_the_pairs_alone_train_g_ab_and_run_nothing_else():
    torch.manual_seed(0)
    nets = CycleGAN(Generator(GeneratorConfig(base=8, blocks=1)), DecolouriserConfig(base=4, blocks=1), 8)
    b = torch.rand(2, 4, 32, 32) - torch.tensor([0, 0.5, 0.5, 0]).view(1, 4, 1, 1)
    config = TrainConfig(gan_weight=0, cycle_weight=0)
    before = {k: v.clone() for k, v in nets.state_dict().items()}
    losses = cyclegan_step(
        nets,
        Optimisers.create(nets, config, torch.device("cpu")),
        (ImagePool(4), ImagePool(4)),
        torch.rand(2, 1, 32, 32),
        b,
        config,
        torch.Generator(),
    )
    assert set(losses) == {"paired", "g"}
    with torch.no_grad():  # the loss is the chroma's mean squared error, from the given luma (channel 3)
        nets2 = CycleGAN(Generator(GeneratorConfig(base=8, blocks=1)), DecolouriserConfig(base=4, blocks=1), 8)
        nets2.load_state_dict(before)
        assert losses["paired"] == pytest.approx(
            config.paired_weight * ((nets2.g_ab(b[:, 3:]) - b[:, 1:3]) ** 2).mean().item(), rel=1e-5
        )
    after = nets.state_dict()
    changed = {k.split(".")[0] for k in after if not torch.equal(before[k], after[k])}
    assert changed == {"g_ab"}


def test_learning_rate_is_constant_then_decays_linearly():
    config = TrainConfig(constant_steps=10, decay_steps=5)
    assert [config.lr_factor(s) for s in (1, 10, 11, 13, 15, 20)] == [1.0, 1.0, 0.8, 0.4, 0.0, 0.0]


# --- runs -----------------------------------------------------------------------------------------


def test_run_folder_holds_checkpoint_weights_previews_and_log(tmp_path, tiny):
    result = train(tmp_path / "run", tiny)
    run = tmp_path / "run"
    assert result.step == 4 and result.steps_run == 4
    assert sorted(p.name for p in run.iterdir()) == [
        "SHA256SUMS",
        "checkpoint.pt",
        "log.jsonl",
        "previews",
        "weights.pt",
    ]
    # as sha256sum -c reads it
    sums = dict(reversed(line.split("  ")) for line in (run / "SHA256SUMS").read_text().splitlines())
    assert sums == {
        name: hashlib.sha256((run / name).read_bytes()).hexdigest() for name in ("checkpoint.pt", "weights.pt")
    }
    lines = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2, 3, 4]
    for r in lines:  # the generators' loss is the sum of the terms logged beside it
        assert r["g"] == pytest.approx(sum(r[k] for k in ("g_gan", "cycle", "identity", "paired")), abs=1e-4)
    grid = cv2.imread(str(run / "previews" / "step-000004.png"))
    assert grid.shape == (4 * 32, 5 * 32, 3)  # rows: A, G_AB(A), B, G_BA(B), G_AB(G_BA(B))
    assert sorted(p.name for p in (run / "previews").iterdir()) == ["step-000002.png", "step-000004.png"]
    model, meta = load_weights(run / "weights.pt")
    assert meta["step"] == 4 and model.config == GeneratorConfig(base=8, blocks=1)


def _weights(run):
    return load_weights(run / "weights.pt")[0].state_dict()


@pytest.mark.slow
def test_resume_gives_the_weights_of_one_uninterrupted_run(tmp_path, tiny):
    """20 steps, then 20 resumed == 40 at once, bit for bit (seeded, CPU)."""
    once, twice = tmp_path / "once", tmp_path / "twice"
    train(once, replace(tiny, steps=40, save_every=100, preview_every=100))
    train(twice, replace(tiny, steps=20, save_every=100, preview_every=100))
    result = train(twice, replace(tiny, steps=40), resume=True, given={"steps"})
    assert (result.step, result.steps_run) == (40, 20)
    a, b = _weights(once), _weights(twice)
    assert all(torch.equal(a[k], b[k]) for k in a)
    full = torch.load(once / "checkpoint.pt", weights_only=True)["nets"]
    resumed = torch.load(twice / "checkpoint.pt", weights_only=True)["nets"]
    assert all(torch.equal(full[k], resumed[k]) for k in full)  # G_BA and discriminators too


def test_an_interrupted_run_loses_only_the_steps_since_its_checkpoint(tmp_path, tiny):
    run = tmp_path / "run"

    def stop_at_3(step, total, losses):
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(run, tiny, progress=stop_at_3)
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 2
    result = train(run, tiny, resume=True)
    assert (result.step, result.steps_run) == (4, 2)
    assert [json.loads(line)["step"] for line in (run / "log.jsonl").read_text().splitlines()] == [1, 2, 3, 4]


def _middle_of_tensor_data(data: bytearray) -> int:
    """The offset nearest the file's middle around which 5,000 bytes are all one tensor's data:
    zeroed there, the damage reaches no zip header, so only a checksum can tell."""
    import io
    import zipfile

    spans = []
    for info in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist():
        at = info.header_offset  # a local header: 30 bytes, then the name and the extra field (lengths at 26 and 28)
        start = (
            at
            + 30
            + int.from_bytes(data[at + 26 : at + 28], "little")
            + int.from_bytes(data[at + 28 : at + 30], "little")
        )
        if info.compress_size >= 5000:
            spans.append((start + 2500, start + info.compress_size - 2500))
    middle = len(data) // 2
    return min((min(max(middle, lo), hi) for lo, hi in spans), key=lambda m: abs(m - middle))


def test_a_damaged_checkpoint_is_refused_by_resume(tmp_path, tiny, capsys):
    run = tmp_path / "run"
    train(run, replace(tiny, steps=2))
    path = run / "checkpoint.pt"
    data = bytearray(path.read_bytes())
    middle = _middle_of_tensor_data(data)
    data[middle - 2500 : middle + 2500] = bytes(5000)  # 5,000 bytes zeroed in the middle, inside a tensor's data
    path.write_bytes(bytes(data))
    assert torch.load(path, weights_only=True)["step"] == 2  # torch reads it without a word
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    code, err = run_cli(["train", "-o", run, "--steps", "4", "--resume"], capsys)
    assert_one_line_error(code, err, f"{path} does not match its checksum in {run / 'SHA256SUMS'}: the file is damaged")
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_a_checkpoint_without_checksums_is_refused_unless_asked(tmp_path, tiny, capsys):
    run = tmp_path / "run"
    train(run, replace(tiny, steps=2))
    (run / "SHA256SUMS").unlink()
    path = run / "checkpoint.pt"
    data = bytearray(path.read_bytes())
    middle = _middle_of_tensor_data(data)
    data[middle - 2500 : middle + 2500] = bytes(5000)  # damaged, and nothing to tell it by
    path.write_bytes(bytes(data))
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    code, err = run_cli(["train", "-o", run, "--steps", "3", "--resume"], capsys)
    assert_one_line_error(
        code,
        err,
        f"{run} has no SHA256SUMS, so its checkpoint cannot be checked for damage; pass --unchecked-checkpoint",
    )
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before
    code, err = run_cli(["train", "-o", run, "--steps", "3", "--resume", "--unchecked-checkpoint"], capsys)
    assert code == 0 and "has no SHA256SUMS: its checkpoint is used unchecked, as --unchecked-checkpoint asks" in err, (
        err
    )
    assert (run / "SHA256SUMS").is_file()  # the new checkpoint has one


def test_a_run_killed_between_summing_and_renaming_resumes_from_the_summed_files(tmp_path, tiny, monkeypatch):
    import filmcolor.training.runs as runs

    run = tmp_path / "run"
    train(run, replace(tiny, steps=2))
    real = runs.os.replace

    def killed(src, dst):  # kill -9 right after SHA256SUMS was written: the new checkpoint is still a .part
        if str(src).endswith(".checkpoint.pt.part.pt"):
            raise SystemExit("killed")
        real(src, dst)

    monkeypatch.setattr(runs.os, "replace", killed)
    with pytest.raises(SystemExit):
        train(run, replace(tiny, steps=4), resume=True, given={"steps"})
    monkeypatch.undo()
    assert (
        torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 2 and (run / ".checkpoint.pt.part.pt").exists()
    )
    result = train(run, replace(tiny, steps=5), resume=True, given={"steps"})
    assert (result.step, result.steps_run) == (5, 1)  # from the summed step-4 checkpoint, not the step-2 one


def test_weights_of_a_run_render_a_film(tmp_path, tiny, capsys):
    train(tmp_path / "run", replace(tiny, steps=1))
    film = make_film(tmp_path / "film.mp4", frames=3)
    code, err = run_cli(
        ["render", film, "-o", tmp_path / "out.mp4", "--weights", tmp_path / "run" / "weights.pt"], capsys
    )
    assert code == 0 and (tmp_path / "out.mp4").exists(), err


def test_extract_then_train_from_the_command_line(tmp_path, capsys, tiny_weights):
    film = make_film(tmp_path / "film.mp4", width=96, height=64, frames=12, rate=4)
    frames, run = tmp_path / "frames", tmp_path / "run"
    code, err = run_cli(["extract", film, "-o", frames, "--every", "0.5", "--size", "40"], capsys)
    assert code == 0 and "kept" in err, err
    args = [
        "train",
        "--domain-a",
        frames,
        "-o",
        run,
        "--steps",
        "2",
        "--size",
        "32",
        "--batch-size",
        "1",
        "--init",
        tiny_weights,
    ]
    code, err = run_cli(args, capsys)
    assert code == 0 and "now at step 2" in err, err
    code, err = run_cli(["train", "-o", run, "--steps", "3", "--resume"], capsys)
    assert code == 0 and "now at step 3" in err, err


# --- errors ---------------------------------------------------------------------------------------


def _text_files(folder, n):
    folder.mkdir()
    for i in range(n):
        (folder / f"{i}.png").write_text("not a picture")
    return folder


ERRORS = {
    "domain missing": (lambda t, a, b: ["--domain-a", t / "nope", "--domain-b", b], "does not exist"),
    "domain empty": (
        lambda t, a, b: ["--domain-a", (t / "empty").mkdir() or t / "empty", "--domain-b", b],
        "holds no pictures",
    ),
    "no domain a": (lambda t, a, b: ["--domain-b", b], "--domain-a is required"),
    "only unreadable": (
        lambda t, a, b: ["--domain-a", a, "--domain-b", _text_files(t / "junk", 2)],
        "none of the 2 files",
    ),
    "only too small": (
        lambda t, a, b: ["--domain-a", _pictures(t / "small", 2, False, size=(20, 20)), "--domain-b", b],
        "at least 32 px",
    ),
    "resume without checkpoint": (lambda t, a, b: ["--domain-a", a, "--resume"], "holds no checkpoint.pt"),
    "init not weights": (
        lambda t, a, b: ["--domain-a", a, "--domain-b", b, "--init", a / "0.png"],
        "not a filmcolor weights file",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_train_errors_are_one_line(tmp_path, domains, capsys, case):
    make_args, expected = ERRORS[case]
    args = make_args(tmp_path, *domains)
    code, err = run_cli(["train", "-o", tmp_path / "run", "--steps", "1", "--size", "32", *args], capsys)
    assert_one_line_error(code, err, expected)
    assert not (tmp_path / "run").exists()


def test_init_weights_of_another_architecture(tmp_path, domains, capsys):
    path = tmp_path / "other.pt"
    save_weights(Generator(GeneratorConfig(base=8, blocks=1)), path)
    blob = torch.load(path, weights_only=True)
    blob["config"]["heads"] = 3  # a generator this filmcolor does not know
    torch.save(blob, path)
    code, err = run_cli(["train", "--domain-a", domains[0], "-o", tmp_path / "run", "--init", path], capsys)
    assert_one_line_error(code, err, "another architecture")


def test_unreadable_and_small_pictures_are_skipped_and_counted(tmp_path, tiny, caplog):
    a = tmp_path / "A"
    (a / "junk.png").write_text("not a picture")
    cv2.imwrite(str(a / "tiny.png"), np.zeros((10, 10), np.uint8))
    train(tmp_path / "run", replace(tiny, steps=1))
    assert "skipped 2 of 5 files" in caplog.text


def test_run_folders_are_never_clobbered(tmp_path, tiny, capsys):
    run = tmp_path / "run"
    train(run, replace(tiny, steps=1))
    base = [
        "train",
        "--domain-a",
        tiny.domain_a,
        "--domain-b",
        tiny.domain_b,
        "-o",
        run,
        "--steps",
        "2",
        "--size",
        "32",
    ]
    assert_one_line_error(*run_cli(base, capsys), "pass --resume to continue it or --overwrite")
    assert_one_line_error(*run_cli(base + ["--resume", "--size", "64"], capsys), "was trained with --size 32")
    assert_one_line_error(*run_cli(["train", "-o", run, "--steps", "1", "--resume"], capsys), "already at step 1")
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert_one_line_error(*run_cli([*base[:-6], "-o", other, "--overwrite"], capsys), "not a training run")
    assert (other / "notes.txt").read_text() == "mine"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_training_on_cuda_with_autocast(tmp_path, tiny, amp):
    result = train(tmp_path / "run", replace(tiny, steps=2, device="cuda", amp=amp))
    assert result.step == 2
    assert all(torch.isfinite(v).all() for v in _weights(tmp_path / "run").values())


def test_the_cpu_trains_in_fp32_whatever_amp_says():
    from filmcolor.devices import autocast

    with autocast(torch.device("cpu"), "bf16"):
        assert not torch.is_autocast_enabled("cpu")


def test_the_confident_head_learns_its_error_and_the_edge_loss_sees_flat_luma():
    from filmcolor.models import with_confidence
    from filmcolor.training.train import confidence_loss, edge_loss

    torch.manual_seed(0)
    pred, target = torch.zeros(1, 2, 8, 8), torch.full((1, 2, 8, 8), 0.1)  # squared error 0.01
    losses = {
        lv: confidence_loss(pred, target, torch.full((1, 1, 8, 8), lv)).item() for lv in (-6.0, np.log(0.01), -2.0)
    }
    assert min(losses, key=losses.get) == np.log(0.01)  # the likelihood is best at the true error
    flat, edged = torch.full((1, 1, 8, 8), 0.5), torch.zeros(1, 1, 8, 8)
    edged[..., 4:] = 1.0
    bands = torch.zeros(1, 2, 8, 8)
    bands[:, 0, :, 4:] = 0.2  # a colour edge
    assert edge_loss(bands, torch.zeros_like(bands), flat) > 100 * edge_loss(bands, torch.zeros_like(bands), edged)
    assert edge_loss(bands, bands, flat) == 0
    nets = CycleGAN(
        with_confidence(Generator(GeneratorConfig(base=8, blocks=1))), DecolouriserConfig(base=4, blocks=1), 8
    )
    b = torch.rand(2, 4, 32, 32) - torch.tensor([0, 0.5, 0.5, 0]).view(1, 4, 1, 1)
    config = TrainConfig(gan_weight=0, cycle_weight=0, edge_weight=1.0, confidence_weight=0.1)
    losses = cyclegan_step(
        nets,
        Optimisers.create(nets, config, torch.device("cpu")),
        (ImagePool(4), ImagePool(4)),
        torch.rand(2, 1, 32, 32),
        b,
        config,
        torch.Generator(),
    )
    assert set(losses) == {"paired", "edge", "confidence", "g"}
    assert losses["g"] == pytest.approx(losses["paired"] + losses["edge"] + losses["confidence"], rel=1e-5)
