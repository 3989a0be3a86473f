"""`filmcolor keyframes` (`filmcolor.keyframes`): a picture per shot, named by its frame number."""

import json

import cv2
import numpy as np
import pytest
from clirun import assert_one_line_error, run_cli
from testfilms import make_film, picture


@pytest.fixture
def two_shots(tmp_path):
    """24 frames, 96x72: a moving square on a gradient, then (a cut) the same upside down and mirrored."""
    pictures = [picture(i, 96, 72) for i in range(12)] + [picture(i, 96, 72)[::-1, ::-1].copy() for i in range(12)]
    return make_film(tmp_path / "film.mp4", pictures=pictures, keyint=6)


def test_one_gray_picture_per_shot_and_their_list(tmp_path, two_shots, capsys):
    out = tmp_path / "keys"
    code, err = run_cli(["keyframes", two_shots, "-o", out], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["000000.png", "000012.png", "keyframes.json"]
    first = cv2.imread(str(out / "000012.png"))
    assert first.shape == (72, 96, 3) and np.array_equal(first[..., 0], first[..., 2])  # full size, gray
    listing = json.loads((out / "keyframes.json").read_text())
    assert [(k["frame"], k["shot"], k["shot_first"], k["shot_last"]) for k in listing["keyframes"]] == [
        (0, 0, 0, 11),
        (12, 1, 12, 23),
    ]
    assert listing["keyframes"][1]["time"] == pytest.approx(12 * 1001 / 24000, abs=1e-3)
    assert (listing["frames"], listing["cuts"], listing["shots_edited"]) == (24, [12], False)  # the render's list


def _coloured_keyframes(tmp_path, film, capsys):
    """`filmcolor keyframes` of `film`, its first keyframe tinted red (a keyframe coloured)."""
    out = tmp_path / "keys"
    assert run_cli(["keyframes", film, "-o", out], capsys)[0] == 0
    first = cv2.imread(str(out / "000000.png"))
    first[..., 2] = np.minimum(255, first[..., 2].astype(int) + 60)
    cv2.imwrite(str(out / "000000.png"), first)
    return out


def test_a_guided_render_follows_the_shots_keyframes_json_lists(tmp_path, two_shots, tiny_weights, capsys):
    """The colourist's corrections win over the detector: a cut taken out is no cut, one put in is."""
    from configs import render_config

    from filmcolor.keyframes import listed_shots
    from filmcolor.render import render

    out = _coloured_keyframes(tmp_path, two_shots, capsys)
    detected = render(two_shots, tmp_path / "a.mp4", render_config(weights=tiny_weights, keyframes=out))
    assert detected.cuts == [12]
    listing = json.loads((out / "keyframes.json").read_text())
    listing["cuts"] = [6]  # by hand: the cut at 12 taken out, one at 6 put in
    (out / "keyframes.json").write_text(json.dumps(listing))
    assert listed_shots(out, 24).cuts == [6]
    corrected = render(two_shots, tmp_path / "b.mp4", render_config(weights=tiny_weights, keyframes=out))
    assert corrected.cuts == [6]


@pytest.mark.parametrize(
    "listing, message",
    [({"frames": 99, "cuts": [5]}, "film of 99 frames"), ({"frames": 24, "cuts": ["x"]}, "list of frame numbers")],
)
def test_a_shot_list_of_another_film_or_not_a_list_is_refused(
    tmp_path, two_shots, tiny_weights, capsys, listing, message
):
    out = _coloured_keyframes(tmp_path, two_shots, capsys)
    full = json.loads((out / "keyframes.json").read_text())
    full.update(listing)
    (out / "keyframes.json").write_text(json.dumps(full))
    code, err = run_cli(
        ["render", two_shots, "-o", tmp_path / "c.mp4", "--weights", tiny_weights, "--keyframes", out], capsys
    )
    assert code == 2 and message in err and not (tmp_path / "c.mp4").exists()


def test_every_adds_keyframes_within_a_shot_and_auto_colours_them(tmp_path, two_shots, tiny_weights, capsys):
    out = tmp_path / "keys"
    code, err = run_cli(
        ["keyframes", two_shots, "-o", out, "--every", "0.25", "--auto", "--weights", tiny_weights], capsys
    )
    assert code == 0, err
    frames = [k["frame"] for k in json.loads((out / "keyframes.json").read_text())["keyframes"]]
    assert frames == [0, 6, 12, 18]  # 0.25 s is 6 frames at 24000/1001
    coloured = cv2.imread(str(out / "000006.png"))
    assert not np.array_equal(coloured[..., 0], coloured[..., 2])  # the automatic colour, not gray


def _contents(folder):
    """Every file under `folder` and its bytes: what must survive a refused command."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_coloured_keyframes_are_never_written_over_without_asking(tmp_path, two_shots, capsys):
    out = tmp_path / "keys"
    run_cli(["keyframes", two_shots, "-o", out], capsys)
    (out / "000000.png").write_bytes(b"an afternoon's colouring")
    code, err = run_cli(["keyframes", two_shots, "-o", out], capsys)
    assert_one_line_error(code, err, "holds what filmcolor keyframes wrote before; pass --overwrite to replace it")
    assert (out / "000000.png").read_bytes() == b"an afternoon's colouring"
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, err = run_cli(["keyframes", two_shots, "-o", other, "--overwrite"], capsys)
    assert_one_line_error(
        code, err, "exists and is not empty (notes.txt), and is no earlier filmcolor keyframes output"
    )
    code, err = run_cli(["keyframes", two_shots, "-o", out, "--overwrite"], capsys)
    assert code == 0 and (out / "000000.png").read_bytes() != b"an afternoon's colouring"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "keys", "mine"]  # nothing set aside is left


@pytest.mark.parametrize("added", ["the film", "notes", "a rendered film", "a subfolder", "an unlisted keyframe"])
def test_overwrite_never_deletes_what_keyframes_did_not_write(tmp_path, two_shots, capsys, added):
    out = tmp_path / "keys"
    code, err = run_cli(["keyframes", two_shots, "-o", out], capsys)
    assert code == 0, err
    if added == "the film":
        (out / "film.mp4").write_bytes(two_shots.read_bytes())
    elif added == "notes":
        (out / "notes.txt").write_text("shot 2: the dress is red (costume records)")
    elif added == "a rendered film":
        (out / "film-color.mp4").write_bytes(b"an hour of rendering")
    elif added == "a subfolder":
        (out / "old").mkdir()
        (out / "old" / "000000.png").write_bytes(b"last week's colouring")
    else:
        (out / "000005.png").write_bytes(b"a keyframe the user added")
    before = _contents(out)
    code, err = run_cli(["keyframes", two_shots, "-o", out, "--overwrite"], capsys)
    assert_one_line_error(code, err, "holds files filmcolor keyframes did not write (")
    assert "--overwrite replaces only its own" in err
    assert _contents(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "keys"]


def test_an_interrupted_overwrite_leaves_the_old_keyframes_whole(tmp_path, two_shots):
    from filmcolor.inference import InferenceConfig
    from filmcolor.keyframes import KeyframesConfig, write_keyframes

    out = tmp_path / "keys"
    write_keyframes(two_shots, out, KeyframesConfig(), InferenceConfig())
    (out / "000012.png").write_bytes(b"coloured")
    before = _contents(out)

    def interrupt(done, total):
        if done == 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_keyframes(two_shots, out, KeyframesConfig(every=0.25, overwrite=True), InferenceConfig(), interrupt)
    assert _contents(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "keys"]
    write_keyframes(two_shots, out, KeyframesConfig(every=0.25, overwrite=True), InferenceConfig())
    assert sorted(p.name for p in out.iterdir()) == [
        "000000.png",
        "000006.png",
        "000012.png",
        "000018.png",
        "keyframes.json",
    ]
