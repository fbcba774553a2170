"""The README's two commands: they make and use a virtual environment, and CI runs the second one verbatim."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The commands in the code blocks of the README's 'Two commands' part, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    part = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```\n(.*?)```", part, flags=re.S)]


def test_both_commands_make_and_use_a_venv():
    # Debian and Ubuntu refuse `pip install` into the system Python (PEP 668): a bare `python3 -m pip` fails there.
    commands = readme_commands()
    assert len(commands) == 2
    for command in commands:
        assert command.startswith("python3 -m venv .venv && "), command
        assert "python3 -m pip" not in command and " pip install" not in command.replace("-m pip install", ""), command
        steps = command.split(" && ")[1:]
        assert all(step.startswith(".venv/bin/") for step in steps), command


def test_ci_runs_the_second_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"{readme_commands()[1]} || status=$?" in ci
