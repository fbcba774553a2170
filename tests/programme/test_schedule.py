"""The calendar of a plan: month ends, leap years, "first Monday", weekdays, working-day windows, DST."""
from datetime import date, datetime, timezone

from fieldaudit.programme import schedule as s


def test_monthly_on_the_31st_falls_on_each_month_s_last_day_and_leap_february():
    days = s.occurrences("monthly", {"day": 31}, date(2028, 1, 1), date(2028, 6, 30))
    assert days == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30), date(2028, 5, 31),
                    date(2028, 6, 30)]
    assert s.occurrences("monthly", {"day": 29}, date(2027, 2, 1), date(2027, 3, 31)) == [date(2027, 2, 28),
                                                                                          date(2027, 3, 29)]


def test_first_monday_and_last_friday():
    firsts = s.occurrences("monthly", {"nth": 1, "weekday": 0}, date(2026, 1, 1), date(2026, 4, 30))
    assert firsts == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 6)]
    assert all(d.weekday() == 0 and d.day <= 7 for d in firsts)
    lasts = s.occurrences("monthly", {"nth": -1, "weekday": 4}, date(2026, 1, 1), date(2026, 2, 28))
    assert lasts == [date(2026, 1, 30), date(2026, 2, 27)]


def test_weekly_on_given_days_and_daily_on_working_days():
    weekly = s.occurrences("weekly", {"weekdays": [0, 3]}, date(2026, 3, 1), date(2026, 3, 14))
    assert weekly == [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 9), date(2026, 3, 12)]
    daily = s.occurrences("daily", {}, date(2026, 3, 6), date(2026, 3, 10))
    assert daily == [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)]  # no weekend by default


def test_quarterly_semiannual_and_annual_keep_the_plan_s_phase():
    anchor = date(2026, 2, 10)
    quarterly = s.occurrences("quarterly", {"day": 10}, date(2026, 1, 1), date(2026, 12, 31), anchor)
    assert quarterly == [date(2026, 2, 10), date(2026, 5, 10), date(2026, 8, 10), date(2026, 11, 10)]
    assert s.occurrences("semiannual", {}, date(2026, 1, 1), date(2027, 12, 31), anchor) == [
        date(2026, 2, 10), date(2026, 8, 10), date(2027, 2, 10), date(2027, 8, 10)]
    assert s.occurrences("annual", {"day": 29, "month": 2}, date(2027, 1, 1), date(2028, 12, 31)) == [
        date(2027, 2, 28), date(2028, 2, 29)]


def test_window_counts_working_days_only():
    assert s.add_working_days(date(2026, 3, 6), 0) == date(2026, 3, 6)  # a Friday
    assert s.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # over the weekend
    assert s.add_working_days(date(2026, 3, 2), 5) == date(2026, 3, 9)
    assert s.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)  # a Saturday plan's own day
    assert s.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_local_today_across_dst_changes():
    # Berlin goes to summer time on 29 March 2026 at 01:00 UTC; 22:30 UTC is the next day there either way.
    assert s.local_today("Europe/Berlin", datetime(2026, 3, 28, 22, 30, tzinfo=timezone.utc)) == date(2026, 3, 28)
    assert s.local_today("Europe/Berlin", datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)) == date(2026, 3, 29)
    assert s.local_today("Europe/Berlin", datetime(2026, 3, 29, 22, 30, tzinfo=timezone.utc)) == date(2026, 3, 30)
    # Chicago falls back on 1 November 2026: 05:30 UTC is 23:30 of 31 October before, 00:30 of 1 November after.
    assert s.local_date_of("2026-11-01T04:30:00Z", "America/Chicago") == "2026-10-31"
    assert s.local_date_of("2026-11-01T05:30:00Z", "America/Chicago") == "2026-11-01"
    assert s.local_date_of("2026-11-02T05:30:00Z", "America/Chicago") == "2026-11-01"


def test_daily_dates_are_calendar_days_through_a_dst_change():
    days = s.occurrences("daily", {"weekdays": [0, 1, 2, 3, 4, 5, 6]}, date(2026, 3, 28), date(2026, 3, 31))
    assert days == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 3, 31)]


def test_risk_steps_stay_in_range():
    assert s.stepped("monthly", 1) == "weekly" and s.stepped("monthly", -1) == "quarterly"
    assert s.stepped("daily", 1) == "daily" and s.stepped("annual", -1) == "annual"
