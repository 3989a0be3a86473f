"""Running the command line inside the test process, and what an error must look like."""

from filmcolor.cli import main


def run_cli(args, capsys):
    """(exit status, stderr) of the command line run in this process."""
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


def assert_one_line_error(code, err, expected):
    lines = err.rstrip("\n").splitlines()  # not stripped: a stray empty line is a second line
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    assert expected in lines[0], lines[0]
