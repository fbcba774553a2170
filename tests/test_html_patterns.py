"""Template hygiene: every `pattern` attribute is valid under the `v` flag browsers now compile it with (bug 9):
an invalid one is a console error and the browser silently skips the check."""
import re

from fieldaudit.paths import resource

# Inside a v-flag class these must be escaped; a plain "-" is allowed only between two ends of a range.
_RESERVED_IN_CLASS = set("()[]{}/|") | {"-"}


def _class_problems(pattern: str) -> list[str]:
    problems, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "[":
            j, body = i + 1, []
            while j < len(pattern) and pattern[j] != "]":
                body.append(pattern[j:j + 2] if pattern[j] == "\\" else pattern[j])
                j += 2 if pattern[j] == "\\" else 1
            for k, c in enumerate(body):
                ranged = c == "-" and 0 < k < len(body) - 1 and len(body[k - 1]) == 1 and len(body[k + 1]) == 1
                if c in _RESERVED_IN_CLASS and not ranged:
                    problems.append(f"{pattern}: unescaped {c!r} in a class")
            i = j
        i += 1
    return problems


def test_every_template_pattern_is_valid_with_the_v_flag():
    found = []
    for path in resource("templates").rglob("*.html"):
        for pattern in re.findall(r'pattern="([^"]*)"', path.read_text()):
            found += [f"{path.name}: {p}" for p in _class_problems(pattern)]
    assert not found


def test_the_checker_catches_the_old_site_code_pattern():
    assert _class_problems("[A-Za-z0-9][A-Za-z0-9-]*") and not _class_problems(r"[A-Za-z0-9][A-Za-z0-9\-]*")


def test_templates_use_shipped_icons_not_emoji():
    """The 📷 emoji rendered as an empty box on tablets without an emoji font."""
    emoji = re.compile("[\U0001F300-\U0001FAFF\u2600-\u26FF]")
    found = [path.name for path in resource("templates").rglob("*.html") if emoji.search(path.read_text())]
    assert not found
