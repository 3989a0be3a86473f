"""The media layer's writing side: the pixel format it writes."""

from filmcolor.encoding import EncodeConfig


def test_pixel_format_choices():
    assert EncodeConfig().pixel_format(175, 143, 8) == "yuv444p"  # 4:2:0 cannot hold an odd size
    assert EncodeConfig().pixel_format(176, 144, 8) == "yuv420p"
    assert EncodeConfig().pixel_format(176, 144, 10) == "yuv420p10le"
    assert EncodeConfig(pix_fmt="yuv422p").pixel_format(175, 143, 8) == "yuv422p"
