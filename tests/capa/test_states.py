"""The CAPA states are named once, in capa/states.py: everything else agrees with it."""
import ast
import re
from pathlib import Path

import pytest

from fieldaudit import db as dbm
from fieldaudit.demo import capa as demo_capa
from fieldaudit.capa import states
from fieldaudit.refusal import Refusal

ROOT = Path(__file__).resolve().parents[2]


def test_the_derived_sets_fit_together():
    assert states.STATES == states.FLOW + states.DROPPED and len(set(states.STATES)) == len(states.STATES)
    assert set(states.TERMINAL) == {states.FLOW[-1], *states.DROPPED} and states.CLOSED == states.FLOW[-1]
    assert states.OPEN == states.FLOW[:-1]
    assert set(states.STATE_LABELS) == set(states.STATES)
    # Forward walks the main path one step at a time, from the first state to the last.
    step, walked = states.FLOW[0], [states.FLOW[0]]
    while step in states.FORWARD:
        step = states.FORWARD[step]
        walked.append(step)
    assert tuple(walked) == states.FLOW
    for state in states.STATES:
        assert set(states.allowed_targets(state)) <= set(states.STATES)
        assert (states.allowed_targets(state) == []) == (state in states.TERMINAL)
    assert set(states.BUTTON_LABELS) <= set(states.STATES)


def test_the_database_accepts_exactly_the_states(db):
    if dbm.engine_name(db) == "postgres":  # the same CHECK, as PostgreSQL keeps it: state = ANY (ARRAY['open'::text…
        checks = dbm.query(db, "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint"
                               " WHERE conrelid = 'capas'::regclass AND contype = 'c'")
        allowed = next(c["def"] for c in checks if re.match(r"CHECK \(\(state = ANY", c["def"]))
    else:
        sql = dbm.scalar(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'capas'")
        allowed = re.search(r"state TEXT NOT NULL CHECK \(state IN \(([^)]*)\)\)", sql).group(1)
    assert set(re.findall(r"'([a-z_]+)'", allowed)) == set(states.STATES)


def test_the_demo_walks_only_known_states():
    assert {target for target, _, _ in demo_capa.PLAN} == set(states.STATES)
    assert set(demo_capa.STEP_CONTENT) <= set(states.FLOW)


@pytest.mark.parametrize("path", sorted((ROOT / "templates" / "capa").glob("*.html"))
                         + [ROOT / "fieldaudit" / "capa" / n for n in ("data.py", "views.py", "commands.py")],
                         ids=lambda p: p.name)
def test_no_list_of_capa_states_outside_states_py(path):
    """Templates and SQL get the flow and the terminal states from states.py, not from a copy.

    A single step may still be named for what happens in it (the effectiveness result is entered during the check);
    what must not be copied is the end of the flow and the ways out ('cancelled' is also an action status).
    """
    text = path.read_text(encoding="utf-8")
    assert not [s for s in (states.CLOSED, "rejected") if re.search(rf"""['"]{s}['"]""", text)], path
    assert "STATES[" not in text and not re.search(r"state (NOT )?IN \('", text), path


@pytest.mark.parametrize("conflict,status", [(True, 409), (False, 422)])
def test_a_refused_transition_is_a_refusal_with_its_status(conflict, status):
    error = states.TransitionError("no", conflict=conflict)
    assert isinstance(error, Refusal) and error.status == status and error.conflict is conflict


def test_data_and_triage_do_not_import_each_other_inside_functions():
    for name in ("data", "triage", "actions", "commands", "access"):
        tree = ast.parse((ROOT / "fieldaudit" / "capa" / f"{name}.py").read_text(encoding="utf-8"))
        nested = [node for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
                  for node in ast.walk(fn) if isinstance(node, (ast.Import, ast.ImportFrom))]
        assert not nested, name
    data_tree = ast.parse((ROOT / "fieldaudit" / "capa" / "data.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(data_tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names} | {node.module for node in ast.walk(data_tree)
                                            if isinstance(node, ast.ImportFrom) and node.module}
    assert "triage" not in imported
