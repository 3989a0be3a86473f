"""Named errors. Each one is something the user can fix; the CLI prints its message on one
line and exits with status 2. Anything else is a bug and keeps its traceback."""


class FilmcolorError(Exception):
    """Base of the errors a user can act on."""


class InputError(FilmcolorError):
    """The input is missing, unreadable, or not what the command needs."""


class OutputError(FilmcolorError):
    """The output cannot be written where asked (exists, no folder, ...)."""


class WeightsError(FilmcolorError):
    """A weights file is missing or does not fit the generator."""


class DecodeError(InputError):
    """The film broke part-way; the message names the frame where it broke."""
