"""The state of a scheduled audit on a given local day (pure, so tests pass any `today`)."""
from datetime import date

STATES = ("upcoming", "due", "overdue", "done", "missed")
STATE_LABELS = {"upcoming": "Upcoming", "due": "Due", "overdue": "Overdue", "done": "Done", "missed": "Missed"}


def state(row: dict, today: date | str) -> str:
    """'upcoming' before its due date, 'due' within its window, 'overdue' after it until a quality manager marks
    it 'missed' (with a reason), 'done' once its linked audit is submitted (done_on set), however late."""
    today = today if isinstance(today, str) else today.isoformat()
    if row.get("done_on"):
        return "done"
    if row.get("missed_reason"):
        return "missed"
    if today < row["due_date"]:
        return "upcoming"
    if today <= row["window_end"]:
        return "due"
    return "overdue"


def on_time(row: dict) -> bool:
    """Done on time: the linked audit was submitted on a local date within the window."""
    return bool(row.get("done_on")) and row["done_on"] <= row["window_end"]
