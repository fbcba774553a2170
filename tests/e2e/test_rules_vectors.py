"""The rule language's conformance vectors against the browser's evaluator (static/js/rules.js) in Chromium: the
same file tests/offline/test_rules_vectors.py replays against the server's."""
import json
from pathlib import Path

import pytest

from fieldaudit.checklists import parse_checklist
from fieldaudit.offline.rulebook import compile_rules

from .harness import login

pytestmark = pytest.mark.slow

VECTORS = json.loads((Path(__file__).parent.parent / "offline" / "rules-vectors.json").read_text(encoding="utf-8"))


def test_the_browser_evaluator_meets_every_vector(live_server, page):
    books = {name: compile_rules(parse_checklist(json.dumps(body), f"{name}.yaml"))
             for name, body in VECTORS["checklists"].items()}
    login(page, live_server, "auditor")  # any page of the app loads rules.js
    results = page.evaluate("""([books, cases]) => cases.map(c => {
        const book = books[c.checklist];
        const shown = window.FARules.visible(book, c.answers, c.excluded || []);
        return {name: c.name, visible: book.questions.map(q => q.id).filter(id => shown.has(id)),
                proposed: window.FARules.proposed(book, c.answers, c.excluded || [])};
    })""", [books, VECTORS["cases"]])
    expected = [{"name": c["name"], "visible": c["visible"], "proposed": c["proposed"]} for c in VECTORS["cases"]]
    assert results == expected
