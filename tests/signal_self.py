"""`filmcolor ARGS...` that sends itself a signal part-way, as `kill` at that moment would: once N
segments (of a render) or checkpoints (of a training run) are saved, at the next frame encoded
or step taken.

    python signal_self.py KILL 8 render FILM -o OUT ...
    python signal_self.py TERM 1 train ...
"""

import os
import signal
import sys

from filmcolor import runs, segments, train, writer
from filmcolor.cli import main

sig, after = getattr(signal, f"SIG{sys.argv[1]}"), int(sys.argv[2])
saved = 0


def counting(save):
    def wrapped(*args, **kwargs):
        global saved
        save(*args, **kwargs)
        saved += 1

    return wrapped


def dying(work):
    def wrapped(*args, **kwargs):
        if saved >= after:
            os.kill(os.getpid(), sig)
        return work(*args, **kwargs)

    return wrapped


segments.WorkFolder.save = counting(segments.WorkFolder.save)
runs.save_checkpoint = counting(runs.save_checkpoint)
writer.FilmWriter.write = dying(writer.FilmWriter.write)
train.cyclegan_step = dying(train.cyclegan_step)
main(sys.argv[3:])
