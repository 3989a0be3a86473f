"""Guided colour, the family: the interface a guidance mode shows the renderer (`guide`), the
colourist's keyframe files (`keyframe_files`), where shots start (`cuts`, `shots`), the carrier
that follows a keyframe's colour through its shot (`carry`), and colour hints spread over a
picture (`hints`)."""
