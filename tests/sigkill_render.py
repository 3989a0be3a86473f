"""`filmcolor render ARGS...` that kills itself with SIGKILL part-way: once N segments are saved,
at the next frame it encodes (so a segment is half written), as `kill -9` at that moment would.

    python sigkill_render.py N render FILM -o OUT ...
"""

import os
import signal
import sys

from filmcolor import segments, writer
from filmcolor.cli import main

after = int(sys.argv[1])
saved = 0
save, write = segments.WorkFolder.save, writer.FilmWriter.write


def counting_save(self, *args, **kwargs):
    global saved
    save(self, *args, **kwargs)
    saved += 1


def dying_write(self, *args, **kwargs):
    if saved >= after:
        os.kill(os.getpid(), signal.SIGKILL)
    write(self, *args, **kwargs)


segments.WorkFolder.save, writer.FilmWriter.write = counting_save, dying_write
main(sys.argv[2:])
