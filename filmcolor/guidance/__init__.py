"""Guided colour, the family: the one interface a guidance mode plugs into (`guide`: the modes'
registry, `prepare`, the plan and the per-frame guide), the keyframes mode (`keyframe_mode`),
the colourist's keyframe files (`keyframe_files`), where shots start (`cuts`, `shots`), the
carrier that follows a keyframe's colour through its shot (`carry`), colour hints spread over a
picture (`hints`), the shots of one camera setup (`setups`) and the colour a shot with no
keyframe borrows from its setup's painted shot (`borrow`). A new mode is one more module here
(`guide`'s docstring says how)."""
