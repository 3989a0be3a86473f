"""The documentation against the code and the tree it describes: each command's option table in
docs/commands.md is made from the click command itself (names, defaults and help come from the
config dataclasses), every option the user pages name exists, every link and repository path in
README.md, ARCHITECTURE.md and docs/ is there (anchors included), and the README stays short.

After changing an option, rewrite the tables with

    python tests/test_docs.py

A new command needs an empty block in docs/commands.md where its table goes,
`<!-- options: NAME -->` then `<!-- /options -->` on the next line, before that.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from filmcolor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
COMMANDS = ROOT / "docs" / "commands.md"  # where the option tables live
# The pages that tell a user what to type: every option they name must exist.
USER_PAGES = [
    README,
    COMMANDS,
    *(ROOT / "docs" / f"{n}.md" for n in ("guided-colour", "studio", "long-films", "troubleshooting")),
]
# Every page whose links and paths are checked.
PAGES = [
    README,
    ROOT / "ARCHITECTURE.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "weights" / "README.md",
    ROOT / "samples" / "README.md",
    ROOT / "filmcolor" / "shipped" / "README.md",
]
README_LIMIT = 12_000  # bytes: the README is a page a newcomer reads in five minutes; the rest is in docs/
BLOCK = re.compile(r"(<!-- options: ([\w-]+) -->\n)(.*?)(<!-- /options -->)", re.S)
OTHER_TOOLS = {"--nproc-per-node"}  # torchrun's, in docs/long-films.md's training example
TOP_FOLDERS = ("filmcolor", "pipelines", "samples", "weights", "docs", "tests", ".ci")
LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target) and ![alt](target)


def commands() -> dict[str, click.Command]:
    ctx = click.Context(cli, info_name="filmcolor")
    return {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}


def _default(param: click.Option, ctx: click.Context) -> str:
    default = param.get_default(ctx, call=False)
    if param.required:
        return "required"
    # --smooth/--no-smooth: on when it defaults to the first; --auto: on when it defaults to its own value
    if param.is_flag:
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


def test_every_command_has_its_option_table_in_docs_commands():
    text = COMMANDS.read_text()
    blocks = [m.group(2) for m in BLOCK.finditer(text)]
    missing = sorted(set(commands()) - set(blocks))
    assert not missing, f"no options block for {missing} in docs/commands.md: add one (see tests/test_docs.py)"
    assert len(blocks) == len(set(blocks)), "a command has two options blocks"
    assert not set(blocks) - set(commands()), (
        f"options blocks of commands that do not exist: {set(blocks) - set(commands())}"
    )


def test_the_option_tables_are_the_commands_own():
    text = COMMANDS.read_text()
    assert text == rewritten(text), (
        "docs/commands.md's option tables differ from the commands: run python tests/test_docs.py"
    )


def test_option_tables_live_only_in_docs_commands():
    stray = [str(page.relative_to(ROOT)) for page in PAGES if page != COMMANDS and BLOCK.search(page.read_text())]
    assert not stray, f"option tables outside docs/commands.md (one place only): {stray}"


def test_every_option_the_user_pages_name_exists():
    ctx = click.Context(cli, info_name="filmcolor")
    known = set(OTHER_TOOLS)
    for command in commands().values():
        for param in command.get_params(ctx):
            if isinstance(param, click.Option):
                known.update(param.opts + param.secondary_opts)
    for page in USER_PAGES:
        text = BLOCK.sub("", page.read_text())
        named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))
        assert not named - known, f"{page.relative_to(ROOT)} names options no command has: {sorted(named - known)}"


def test_every_command_the_user_pages_run_exists():
    for page in USER_PAGES:
        code = "\n".join(re.findall(r"^```.*?^```", page.read_text(), re.S | re.M))
        run = set(re.findall(r"^(?:torchrun .*?-m )?filmcolor ([a-z-]+)", code, re.M))
        assert not run - set(commands()), (
            f"{page.relative_to(ROOT)} runs commands filmcolor has not: {run - set(commands())}"
        )


def test_the_readme_is_short():
    size = len(README.read_bytes())
    assert size < README_LIMIT, f"README.md is {size} bytes (limit {README_LIMIT}): move details to docs/"


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives `page`'s headings: lower case, punctuation dropped, spaces as
    hyphens, a repeated one numbered."""
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", _prose(page.read_text()), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def _prose(text: str) -> str:
    """`text` without its fenced code blocks (a shell comment there is no heading, a path there is an example)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def test_every_link_and_path_in_the_docs_exists():
    stale = []
    for page in PAGES:
        text = _prose(page.read_text())
        where = page.relative_to(ROOT)
        for target in LINK.findall(text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                stale.append(
                    f"{where}: link {target} (no file {path}, relative to {page.parent.relative_to(ROOT) or '.'})"
                )
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                stale.append(f"{where}: link {target} (no heading #{anchor} in {file.relative_to(ROOT)})")
        for path in re.findall(r"`([^`\s<>*]+)`", text):
            if path.split("/")[0] in TOP_FOLDERS and "/" in path and not (ROOT / path).exists():
                stale.append(f"{where}: path {path}")
    assert not stale, "\n".join(stale)


if __name__ == "__main__":
    old = COMMANDS.read_text()
    new = rewritten(old)
    COMMANDS.write_text(new)
    print(
        "docs/commands.md: option tables rewritten"
        if new != old
        else "docs/commands.md: option tables already up to date",
        file=sys.stderr,
    )
