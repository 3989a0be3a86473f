"""`filmcolor ARGS...` that sends itself a signal part-way, as `kill` at that moment would: once N
segments (of a render) or checkpoints (of a training run) are saved, at the next frame encoded
or step taken.

    python signal_self.py KILL 8 render FILM -o OUT ...
    python signal_self.py TERM 1 train ...
    python signal_self.py INT*2 1 render ...   (twice, 50 ms apart: a second Ctrl-C)
"""

import os
import signal
import sys
import threading

from filmcolor import segments
from filmcolor.cli import main
from filmcolor.media import writer
from filmcolor.training import runs, train

name, _, times = sys.argv[1].partition("*")
sig, after, times = getattr(signal, f"SIG{name}"), int(sys.argv[2]), int(times or 1)
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
            for n in range(1, times):  # the later ones from another thread: the first interrupts this one
                threading.Timer(0.05 * n, os.kill, (os.getpid(), sig)).start()
            os.kill(os.getpid(), sig)
        return work(*args, **kwargs)

    return wrapped


segments.WorkFolder.save = counting(segments.WorkFolder.save)
runs.save_checkpoint = counting(runs.save_checkpoint)
writer.FilmWriter.write = dying(writer.FilmWriter.write)
train.cyclegan_step = dying(train.cyclegan_step)
main(sys.argv[3:])
