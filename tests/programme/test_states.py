from datetime import date

from fieldaudit.programme.states import on_time, state

ROW = {"due_date": "2026-03-02", "window_end": "2026-03-06", "done_on": None, "missed_reason": None}


def test_states_follow_the_clock_passed_in():
    assert state(ROW, date(2026, 3, 1)) == "upcoming"
    assert state(ROW, date(2026, 3, 2)) == "due"
    assert state(ROW, "2026-03-06") == "due"
    assert state(ROW, date(2026, 3, 7)) == "overdue"
    assert state(ROW, date(2027, 1, 1)) == "overdue"  # overdue until someone marks it missed


def test_missed_and_done():
    assert state({**ROW, "missed_reason": "Line stopped"}, date(2026, 3, 9)) == "missed"
    done_late = {**ROW, "done_on": "2026-03-09"}
    assert state(done_late, date(2026, 3, 9)) == "done" and not on_time(done_late)
    assert on_time({**ROW, "done_on": "2026-03-06"})
