"""`filmcolor keyframes` (`filmcolor.keyframes`): a picture per shot, named by its frame number."""

import json
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest
import skimage.data
from clirun import assert_one_line_error, run_cli
from testfilms import camera_pan, make_film, picture

from filmcolor.errors import InputError


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
    assert listing["rest"] == "gray"  # what the strokes do not reach: gray until the colourist chooses


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
    [
        ({"frames": 99, "cuts": [5]}, "film of 99 frames"),
        ({"frames": 24, "cuts": ["x"]}, "list of frame numbers"),
        ({"rest": "colour"}, '"rest" must be "gray" or "automatic", not "colour"'),
    ],
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


def _first_frame(path):
    """(H, W, 3) float R'G'B' of a film's first frame, as stored (not turned)."""
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24").astype(float)


def _red_and_blue(keys, split):
    """Paint keys/000000.png red on one side of `split` (a function of the picture's shape giving
    the red part's mask) and blue on the other, over its gray."""
    gray = cv2.imread(str(keys / "000000.png"))
    red = split(*gray.shape[:2])
    painted = np.where(red[..., None], (60, 60, 220), (220, 60, 60)).astype(np.uint8)  # BGR
    cv2.imwrite(str(keys / "000000.png"), painted)


def test_an_anamorphic_films_keyframes_are_as_shown(tmp_path, tiny_weights, capsys):
    """SAR 2:1, stored 160x120: the keyframes are 320x120, as players show it; painted there,
    they colour the stored frames in the same places; another shape is refused by that shape."""
    film = make_film(tmp_path / "dvd.mp4", 160, 120, frames=6, audio=(), sample_aspect_ratio=Fraction(2, 1))
    keys = tmp_path / "keys"
    code, err = run_cli(["keyframes", film, "-o", keys], capsys)
    assert code == 0, err
    assert cv2.imread(str(keys / "000000.png")).shape == (120, 320, 3)
    _red_and_blue(keys, lambda h, w: np.arange(w)[None, :].repeat(h, 0) < w // 2)  # the left half red
    code, err = run_cli(
        ["render", film, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, "--keyframes", keys], capsys
    )
    assert code == 0, err
    rgb = _first_frame(tmp_path / "out.mp4")  # (120, 160, 3)
    left, right = rgb[:, 8:72].mean(axis=(0, 1)), rgb[:, 88:152].mean(axis=(0, 1))
    assert left[0] > left[2] + 40 and right[2] > right[0] + 40
    cv2.imwrite(str(keys / "000000.png"), np.zeros((120, 160, 3), np.uint8))  # the stored shape
    code, err = run_cli(
        ["render", film, "-o", tmp_path / "b.mp4", "--weights", tiny_weights, "--keyframes", keys], capsys
    )
    assert_one_line_error(code, err, "000000.png is 160x120, not of the film's shape as shown (320x120)")


def test_a_rotated_films_keyframes_are_upright(tmp_path, tiny_weights, capsys):
    """A phone's portrait film: stored 64x48 on its side, turned a quarter counter-clockwise to
    play. The keyframes are the upright 48x64 frames; painted there, they colour the stored
    frames where the painted parts are stored."""
    upright = [picture(i, 48, 64) for i in range(6)]
    stored = [np.ascontiguousarray(np.rot90(p, -1)) for p in upright]  # turned a quarter clockwise
    film = make_film(tmp_path / "phone.mp4", pictures=stored, audio=(), rotation=90)
    keys = tmp_path / "keys"
    code, err = run_cli(["keyframes", film, "-o", keys], capsys)
    assert code == 0, err
    gray = cv2.imread(str(keys / "000000.png"), cv2.IMREAD_GRAYSCALE).astype(float)
    assert gray.shape == (64, 48)
    truth = cv2.cvtColor(upright[0], cv2.COLOR_RGB2GRAY).astype(float)
    assert np.abs(gray - truth).mean() < 6  # upright, not on its side
    _red_and_blue(keys, lambda h, w: np.arange(h)[:, None].repeat(w, 1) < h // 2)  # the top half red
    code, err = run_cli(
        ["render", film, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, "--keyframes", keys], capsys
    )
    assert code == 0, err
    rgb = _first_frame(tmp_path / "out.mp4")  # (48, 64, 3), stored: the upright top is its right half
    right, left = rgb[:, 36:60].mean(axis=(0, 1)), rgb[:, 4:28].mean(axis=(0, 1))
    assert right[0] > right[2] + 40 and left[2] > left[0] + 40


@pytest.mark.slow
def test_strokes_on_a_transparent_layer_are_filled_along_the_film(tmp_path, tiny_weights, capsys):
    """An image editor's export: the strokes on a transparent layer, black under its clear
    pixels. The fill follows the film's frame (dark left half, bright right half): each half
    takes the colour of its own stroke, however near the other stroke is."""
    halves = np.where(np.arange(96) < 48, 50, 200).astype(np.uint8)[None, :, None].repeat(72, 0).repeat(3, 2)
    film = make_film(tmp_path / "halves.mp4", pictures=[halves] * 6, audio=())
    keys = tmp_path / "keys"
    keys.mkdir()
    layer = np.zeros((72, 96, 4), np.uint8)  # BGRA: black and clear
    layer[30:40, 4:10] = (40, 40, 220, 255)  # red, far left
    layer[30:40, 52:58] = (220, 40, 40, 255)  # blue, just right of the edge
    cv2.imwrite(str(keys / "000000.png"), layer)
    code, err = run_cli(
        ["render", film, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, "--keyframes", keys], capsys
    )
    assert code == 0, err
    rgb = _first_frame(tmp_path / "out.mp4")
    near_edge, far_right = rgb[:, 38:46].mean(axis=(0, 1)), rgb[:, 84:94].mean(axis=(0, 1))
    assert near_edge[0] > near_edge[2] + 20  # red up to the edge, not the blue stroke's
    assert far_right[2] > far_right[0] + 20


@pytest.mark.parametrize("listing", ['{"format": "filmcolor-keyframes", "keyframes": [', "[]", '{"cuts": [12]}'])
def test_a_keyframes_json_that_cannot_be_read_is_refused_and_kept(tmp_path, two_shots, tiny_weights, capsys, listing):
    """A damaged keyframes.json (cut short, or no keyframes list) holds the colourist's work:
    the render and the studio refuse it in one line naming it, and leave it as it is."""
    from filmcolor.studio import engine
    from filmcolor.studio.session import Session

    out = _coloured_keyframes(tmp_path, two_shots, capsys)
    (out / "keyframes.json").write_text(listing)
    code, err = run_cli(
        ["render", two_shots, "-o", tmp_path / "c.mp4", "--weights", tiny_weights, "--keyframes", out], capsys
    )
    assert_one_line_error(code, err, f"{out / 'keyframes.json'} ")
    assert "fix it, or move it out of the folder" in err
    with pytest.raises(InputError, match="keyframes.json"):
        Session(engine.open_film(two_shots), out)
    assert (out / "keyframes.json").read_text() == listing


def test_a_keyframe_of_another_shape_is_refused_when_the_studio_opens_the_folder(tmp_path, two_shots, capsys):
    """Named as the user has it, with the shape wanted: not minutes later, from the render's copy."""
    from filmcolor.studio import engine
    from filmcolor.studio.session import Session

    out = _coloured_keyframes(tmp_path, two_shots, capsys)
    cv2.imwrite(str(out / "000010.png"), np.zeros((50, 50, 3), np.uint8))
    with pytest.raises(InputError) as caught:
        Session(engine.open_film(two_shots), out)
    assert str(caught.value).startswith(f"{out / '000010.png'} is 50x50, not of the film's shape as shown (96x72)")


@pytest.mark.slow
def test_a_keyframes_folder_of_another_film_is_refused_unless_asked(tmp_path, two_shots, tiny_weights, capsys):
    """Known by the film's content, not its name: a copy elsewhere is the same film; another
    film of the same size and length is not, unless --keyframes-of-another-film."""
    out = _coloured_keyframes(tmp_path, two_shots, capsys)
    copy = tmp_path / "elsewhere" / "renamed.mp4"
    copy.parent.mkdir()
    copy.write_bytes(two_shots.read_bytes())
    other = make_film(tmp_path / "other.mp4", pictures=[picture(i, 96, 72)[::-1].copy() for i in range(24)], keyint=6)
    args = ["--weights", tiny_weights, "--keyframes", out]
    code, err = run_cli(["render", copy, "-o", tmp_path / "a.mp4", *args], capsys)
    assert code == 0, err
    code, err = run_cli(["render", other, "-o", tmp_path / "b.mp4", *args], capsys)
    assert_one_line_error(code, err, f"--keyframes {out} was made for {two_shots}")
    assert "pass --keyframes-of-another-film" in err and not (tmp_path / "b.mp4").exists()
    code, err = run_cli(["render", other, "-o", tmp_path / "b.mp4", *args, "--keyframes-of-another-film"], capsys)
    assert code == 0, err


@pytest.mark.slow
def test_the_studio_paints_a_rotated_film_upright(tmp_path, tiny_weights, capsys):
    """The page sees and paints the frames as shown (48x64, upright); what it saves, the render
    reads in the same places of the stored frames, and the render's own fill comes back upright."""
    from filmcolor.studio import engine
    from filmcolor.studio.session import Session

    upright = [picture(i, 48, 64) for i in range(6)]
    film = make_film(tmp_path / "phone.mp4", pictures=[np.rot90(p, -1).copy() for p in upright], audio=(), rotation=90)
    keys = tmp_path / "keys"
    keys.mkdir()
    session = Session(engine.open_film(film), keys)
    try:
        shape = session.state()["film"]
        assert (shape["width"], shape["height"]) == (48, 64)
        truth = cv2.cvtColor(upright[0], cv2.COLOR_RGB2GRAY).astype(float)
        assert np.abs(session.gray(0).astype(float) - truth).mean() < 6
        strokes = np.zeros((64, 48, 4), np.uint8)
        strokes[4:28, 4:44] = (220, 40, 40, 255)  # red, in the upright top half
        assert session.save_strokes(0, engine.encode_png(strokes), 0) == 1
    finally:
        session.close()
    chroma = engine.render_fill(session.film, keys / "000000.png", 0)[0]  # (h, w, 2) Cb, Cr
    assert chroma.shape[0] > chroma.shape[1]  # upright
    assert chroma[: chroma.shape[0] // 4, :, 1].mean() > 0.1  # red at the top
    code, err = run_cli(
        ["render", film, "-o", tmp_path / "out.mp4", "--weights", tiny_weights, "--keyframes", keys], capsys
    )
    assert code == 0, err
    rgb = _first_frame(tmp_path / "out.mp4")  # stored: the upright top is its right half
    right = rgb[4:44, 40:60].mean(axis=(0, 1))
    assert right[0] > right[2] + 40


def test_the_rest_in_keyframes_json(tmp_path):
    """keyframes.json's "rest" (what a stroke keyframe's unreached part keeps): gray for a folder
    without a list, a list written before there was a choice, and "gray"; "automatic" read back;
    anything else refused, naming the file and what to write."""
    from filmcolor.keyframes import LIST_FORMAT, listed_rest

    assert listed_rest(tmp_path) == "gray"  # no keyframes.json: a folder made by hand
    listing = tmp_path / "keyframes.json"
    for written, read in (({}, "gray"), ({"rest": "gray"}, "gray"), ({"rest": "automatic"}, "automatic")):
        listing.write_text(json.dumps({"format": LIST_FORMAT, "version": 1, **written}))
        assert listed_rest(tmp_path) == read
    listing.write_text(json.dumps({"format": LIST_FORMAT, "version": 1, "rest": "auto"}))
    with pytest.raises(InputError, match='"rest" must be "gray" or "automatic", not "auto"'):
        listed_rest(tmp_path)


def test_a_shot_that_comes_in_by_a_dissolve_gets_its_keyframe_past_it(tmp_path, capsys):
    """A dissolve's frames are two pictures at once: painting its middle (where the shot
    starts) would paint both. The keyframe is the shot's first frame past the dissolve."""
    coffee = cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2GRAY)
    a, b = [cv2.resize(p, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC) for p in (coffee, skimage.data.camera())]
    shot_a, shot_b = camera_pan(a, 56, 1 / 60, blur=False), camera_pan(b, 56, 1 / 60, blur=False)
    mixed = [((1 - (k + 1) / 37) * shot_a[20 + k] + (k + 1) / 37 * shot_b[k]).astype(np.uint8) for k in range(36)]
    grays = shot_a[:20] + mixed + shot_b[36:]  # the dissolve: frames 20-55
    film = make_film(tmp_path / "film.mp4", pictures=[np.repeat(g[..., None], 3, axis=2) for g in grays])
    out = tmp_path / "keys"
    assert run_cli(["keyframes", film, "-o", out], capsys)[0] == 0
    listing = json.loads((out / "keyframes.json").read_text())
    (cut,), (dissolve,) = listing["cuts"], listing["transitions"]
    assert 20 <= cut <= 55 and dissolve["cut"] == cut
    frames = [k["frame"] for k in listing["keyframes"]]
    assert frames == [0, dissolve["last"] + 1] and frames[1] > cut
    assert [(k["shot_first"], k["shot_last"]) for k in listing["keyframes"]] == [(0, cut - 1), (cut, 75)]
