"""The README against the code it describes: each command's option table is made from the click
command itself (names, defaults and help come from the config dataclasses), every option the
README names exists, and every repository path it names is there.

After changing an option, rewrite the tables with

    python tests/test_readme.py

A new command needs an empty block where its table goes, `<!-- options: NAME -->` then
`<!-- /options -->` on the next line, before that.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from filmcolor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- options: ([\w-]+) -->\n)(.*?)(<!-- /options -->)", re.S)
OTHER_TOOLS = {"--nproc-per-node"}  # torchrun's, in the README's training example
TOP_FOLDERS = ("filmcolor", "pipelines", "samples", "weights", "docs", "tests", ".ci")


def commands() -> dict[str, click.Command]:
    ctx = click.Context(cli, info_name="filmcolor")
    return {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}


def _default(param: click.Option, ctx: click.Context) -> str:
    default = param.get_default(ctx, call=False)
    if param.required:
        return "required"
    if (
        param.is_flag
    ):  # --smooth/--no-smooth: on when it defaults to the first; --auto: on when it defaults to its own value
        flag_value = param.flag_value if isinstance(param.flag_value, bool) else True
        return "on" if (bool(default) if param.secondary_opts else default == flag_value) else "off"
    if default in (None, "") or not param.show_default:
        return "-"
    return str(default)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def option_table(command: click.Command) -> str:
    """The markdown table of `command`'s options, as `--help` gives them: option, default, help."""
    ctx = click.Context(command, info_name=command.name)
    rows = ["| option | default | what it does |", "|---|---|---|"]
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option) or param.hidden or "--help" in param.opts:
            continue
        record = param.get_help_record(ctx)
        assert record is not None
        rows.append(f"| `{_cell(record[0])}` | {_cell(_default(param, ctx))} | {_cell(param.help or '')} |")
    return "\n".join(rows) + "\n"


def rewritten(text: str) -> str:
    """`text` with every options block holding its command's table now."""
    found = commands()
    return BLOCK.sub(lambda m: m.group(1) + option_table(found[m.group(2)]) + m.group(4), text)


def test_every_command_has_its_option_table_in_the_readme():
    text = README.read_text()
    blocks = [m.group(2) for m in BLOCK.finditer(text)]
    missing = sorted(set(commands()) - set(blocks))
    assert not missing, f"no options block for {missing} in README.md: add one (see tests/test_readme.py)"
    assert len(blocks) == len(set(blocks)), "a command has two options blocks"
    assert not set(blocks) - set(commands()), (
        f"options blocks of commands that do not exist: {set(blocks) - set(commands())}"
    )


def test_the_readme_option_tables_are_the_commands_own():
    text = README.read_text()
    assert text == rewritten(text), (
        "README.md's option tables differ from the commands: run python tests/test_readme.py"
    )


def test_every_option_the_readme_names_exists():
    ctx = click.Context(cli, info_name="filmcolor")
    known = set(OTHER_TOOLS)
    for command in commands().values():
        for param in command.get_params(ctx):
            if isinstance(param, click.Option):
                known.update(param.opts + param.secondary_opts)
    text = BLOCK.sub("", README.read_text())
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))
    assert not named - known, f"README.md names options no command has: {sorted(named - known)}"


def test_every_path_the_readme_and_docs_name_exists():
    stale = []
    for md in [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "weights" / "README.md"]:
        text = md.read_text()
        links = re.findall(r"\]\(([^)#\s]+)\)", text)
        paths = [p for p in re.findall(r"`([^`\s<>*]+)`", text) if p.split("/")[0] in TOP_FOLDERS and "/" in p]
        for path in links + paths:
            if path.startswith(("http://", "https://")):
                continue
            if not ((md.parent / path).exists() or (ROOT / path).exists()):
                stale.append(f"{md.relative_to(ROOT)}: {path}")
    assert not stale, stale


if __name__ == "__main__":
    old = README.read_text()
    new = rewritten(old)
    README.write_text(new)
    print(
        "README.md: option tables rewritten" if new != old else "README.md: option tables already up to date",
        file=sys.stderr,
    )
