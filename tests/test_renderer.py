"""The render's stage graph (`filmcolor.renderer`): chunking, and chroma planes at the film's size."""

import numpy as np

from filmcolor import media
from filmcolor.color import CodeRange
from filmcolor.renderer import chroma_planes, chunks


def _frame(i):
    return media.LumaFrame(luma=np.zeros((2, 2), np.uint8), pts=i, index=i)


def test_chunks_keep_every_item_in_order():
    items = ["a0", _frame(0), "a1", _frame(1), _frame(2), "a2", _frame(3), _frame(4), "a3", "a4"]
    got = list(chunks(items, batch_size=2))
    assert [len(c.frames) for c in got] == [2, 2, 1]
    assert [x for c in got for x in c.items] == items  # nothing dropped, nothing reordered
    assert got[-1].items[-2:] == ["a3", "a4"]  # packets after the last frame still come out
    assert [len(c.frames) for c in chunks(["a0", "a1"], batch_size=2)] == [0]  # a film of packets only


def test_chroma_planes_are_codes_at_the_films_chroma_size():
    chroma = np.zeros((2, 18, 32), np.float32)
    chroma[0, :, 16:] = 0.25  # blue-ish on the right half
    planes = chroma_planes(chroma, np.full((18, 32), 0.5, np.float32), "bt601", "bt601", (64, 36), CodeRange(8, False))
    assert planes.shape == (2, 36, 64) and planes.dtype == np.uint8
    assert planes[0, :, :28].max() == 128 and planes[0, :, 36:].min() == 128 + 56  # 0.25 of 224 codes
    assert np.all(planes[1] == 128)
