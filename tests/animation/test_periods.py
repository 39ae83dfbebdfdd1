"""Periods are whole days in Europe/Paris, whatever the server's time zone and the DST change."""

from datetime import UTC, date, datetime

from comcep.animation.periods import PeriodForm, custom, last_days, last_months, last_weeks


def test_last_30_days_include_today_and_start_at_paris_midnight():
    period = last_days(30, date(2026, 11, 28))
    assert (period.first_day, period.last_day) == (date(2026, 10, 30), date(2026, 11, 28))
    assert period.start == datetime(2026, 10, 29, 23, 0, tzinfo=UTC)  # winter time: UTC+1
    assert period.end == datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    assert period.days == 30


def test_summer_days_start_two_hours_before_utc_midnight():
    period = custom(date(2026, 7, 1), date(2026, 7, 31))
    assert period.start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 7, 31, 22, 0, tzinfo=UTC)


def test_a_period_across_the_dst_change_is_23_or_25_hours_on_that_day():
    period = custom(date(2026, 10, 25), date(2026, 10, 25))  # clocks go back that night
    assert (period.end.astimezone(UTC) - period.start.astimezone(UTC)).total_seconds() == 25 * 3600


def test_twelve_weeks_are_whole_iso_weeks():
    period = last_weeks(12, date(2026, 11, 28))  # a Saturday
    assert period.first_day == date(2026, 9, 7) and period.first_day.weekday() == 0
    assert period.last_day == date(2026, 11, 29) and period.last_day.weekday() == 6
    assert len(period.weeks()) == 12


def test_twelve_months_are_whole_months():
    period = last_months(12, date(2026, 1, 15))
    assert (period.first_day, period.last_day) == (date(2025, 2, 1), date(2026, 1, 31))
    period = last_months(12, date(2026, 12, 3))
    assert (period.first_day, period.last_day) == (date(2026, 1, 1), date(2026, 12, 31))


def test_custom_period_form():
    form = PeriodForm({"periode": "perso", "du": "2026-03-01", "au": "2026-03-31"})
    assert form.is_valid()
    assert form.period() == custom(date(2026, 3, 1), date(2026, 3, 31))
    form = PeriodForm({"periode": "perso", "du": "2026-03-31", "au": "2026-03-01"})
    assert not form.is_valid()
    assert form.errors["au"] == ["Le dernier jour doit être après le premier."]
    assert form.period(date(2026, 4, 10)) == last_days(30, date(2026, 4, 10))
    form = PeriodForm({"periode": "perso"})
    assert not form.is_valid() and "du" in form.errors and "au" in form.errors
