"""Guided colour, the family: the interface a guidance mode shows the renderer (`guide`), the
colourist's keyframe files (`keyframe_files`), where shots start (`cuts`, `shots`), the carrier
that follows a keyframe's colour through its shot (`carry`), colour hints spread over a
picture (`hints`), the shots of one camera setup (`setups`) and the colour a shot with no
keyframe borrows from its setup's painted shot (`borrow`)."""
