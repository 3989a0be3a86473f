"""The media layer's reading side: what a film is, and its frames as the one reader gives them."""

from fractions import Fraction

import pytest

from testfilms import make_film
from filmcolor import media
from filmcolor.errors import DecodeError


def test_film_info_reads_range_matrix_and_rate(tmp_path):
    src = make_film(tmp_path / "in.mp4", pix_fmt="yuvj420p", rate=Fraction(30000, 1001), width=64, height=48)
    with media.open_film(src) as c:
        info = media.film_info(c)
    assert info.code_range.full and info.code_range.bits == 8
    assert info.matrix == "bt601" and info.rate == Fraction(30000, 1001) and info.frames == 6


def test_the_reader_numbers_and_times_every_frame(tmp_path):
    src = make_film(tmp_path / "in.mp4", frames=12, keyint=4, audio=("aac",))
    with media.open_film(src) as c:
        whole = list(media.read(c))
    assert [f.index for f in whole] == list(range(12))
    assert all(isinstance(f, media.Decoded) and f.luma().shape == (48, 64) for f in whole)
    pts = [f.pts for f in whole]
    with media.open_film(src) as c:  # a span from a keyframe, numbered as the film's frames
        span = list(media.read(c, start=pts[4], end=pts[8], first_index=4))
    assert [(f.index, f.pts) for f in span] == [(i, pts[i]) for i in range(4, 8)]
    with media.open_film(src) as c:  # with the other streams' packets, in the container's order
        items = list(media.read(c, packets=True))
    assert sum(isinstance(i, media.Decoded) for i in items) == 12 and any(not isinstance(i, media.Decoded) for i in items)


def test_a_preview_read_is_rebased_to_the_films_start(tmp_path):
    src = make_film(tmp_path / "in.mp4", frames=24, rate=Fraction(24), keyint=6)
    with media.open_film(src) as c:
        tb = c.streams.video[0].time_base
        frames = list(media.read(c, start=media.seconds_to_pts(0.5, tb), rebase=True))
    assert len(frames) == 12 and frames[0].index == 0 and frames[0].pts == 0


def test_a_film_cut_short_is_refused_where_it_breaks(tmp_path):
    whole = make_film(tmp_path / "film.mkv", frames=48)
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    with media.open_film(broken) as c, pytest.raises(DecodeError, match="breaks at frame"):
        list(media.read(c))
