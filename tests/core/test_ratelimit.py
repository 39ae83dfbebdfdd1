"""The fixed-window rate limit shared by posting and private messages."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from comcep.core import ratelimit
from comcep.core.models import RateCounter
from tests.factories import UserFactory


@pytest.mark.parametrize("rate, expected", [("10/10m", (10, 600)), ("5/h", (5, 3600)), (" 3 / 2d ", (3, 172800)),
                                            ("1/30s", (1, 30))])
def test_rates_are_parsed(rate, expected):
    assert ratelimit.parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "10", "10/10x", "ten/10m", "10/-1m"])
def test_malformed_rates_are_refused(rate):
    with pytest.raises(ValueError):
        ratelimit.parse_rate(rate)


@pytest.mark.django_db
def test_hits_are_counted_per_scope_member_and_window_length():
    first, second, third = UserFactory.create_batch(3)
    for expected in (1, 2, 3):
        ratelimit.hit("test:a", first.pk, 600)
        assert ratelimit.used("test:a", first.pk, 600) == expected
    ratelimit.hit("test:b", first.pk, 600)
    ratelimit.hit("test:a", second.pk, 600)
    ratelimit.hit("test:a", first.pk, 60)  # another rate (a new member's) counts apart
    assert ratelimit.used("test:a", first.pk, 600) == 3
    assert ratelimit.used("test:b", first.pk, 600) == 1
    assert ratelimit.used("test:a", second.pk, 600) == 1
    assert ratelimit.used("test:a", first.pk, 60) == 1
    assert ratelimit.used("test:a", third.pk, 600) == 0


@pytest.mark.django_db
def test_a_new_window_starts_again_at_one(monkeypatch):
    member = UserFactory()
    now = 1_800_000_000 - 1_800_000_000 % 600  # the start of a 10-minute window
    monkeypatch.setattr(ratelimit.time, "time", lambda: now + 599)
    ratelimit.hit("test:a", member.pk, 600)
    ratelimit.hit("test:a", member.pk, 600)
    assert ratelimit.used("test:a", member.pk, 600) == 2
    monkeypatch.setattr(ratelimit.time, "time", lambda: now + 600)
    assert ratelimit.used("test:a", member.pk, 600) == 0
    ratelimit.hit("test:a", member.pk, 600)
    assert ratelimit.used("test:a", member.pk, 600) == 1
    assert RateCounter.objects.filter(user=member).count() == 1  # one row per member, scope and rate


@pytest.mark.django_db
def test_a_count_written_in_a_transaction_that_rolls_back_is_not_kept():
    member = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        ratelimit.hit("test:a", member.pk, 600)
        raise RuntimeError("the post failed")
    assert ratelimit.used("test:a", member.pk, 600) == 0


def _in_transaction_retrying(action) -> None:
    """``action()`` in a transaction, run again while SQLite answers with its shared-cache table lock."""
    for attempt in range(50):
        try:
            with transaction.atomic():
                action()
            return
        except OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.01 * (attempt + 1))


def _run_threads(work, count: int) -> None:
    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_hits_are_all_counted():
    """Several workers counting for one member at once: no count is lost (the database cache's
    ``incr``, a read then a write, lost them)."""
    member = UserFactory()
    workers, each = 4, 10
    barrier, errors = threading.Barrier(workers), []

    def work():
        try:
            barrier.wait()
            for _ in range(each):
                _in_transaction_retrying(lambda: ratelimit.hit("test:a", member.pk, 3600))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    _run_threads(work, workers)
    assert errors == []
    assert ratelimit.used("test:a", member.pk, 3600) == workers * each


@pytest.mark.django_db
@pytest.mark.parametrize("returning", [True, False], ids=["one statement (RETURNING)", "upsert then read"])
def test_take_counts_and_refuses_beyond_the_limit_and_a_refusal_rolled_back_is_not_counted(returning, monkeypatch):
    if returning and not connection.features.can_return_columns_from_insert:
        pytest.skip("the database has no RETURNING")
    member = UserFactory()
    monkeypatch.setattr(type(connection.features), "can_return_columns_from_insert", returning)
    for _ in range(3):
        with transaction.atomic():
            assert ratelimit.take("test:a", member.pk, 600, limit=3)
    with pytest.raises(RuntimeError), transaction.atomic():
        if not ratelimit.take("test:a", member.pk, 600, limit=3):
            raise RuntimeError("refused: the caller raises, the transaction rolls back")
    assert ratelimit.used("test:a", member.pk, 600) == 3


@pytest.mark.django_db
def test_take_is_one_statement_where_the_database_returns_the_count():
    if not connection.features.can_return_columns_from_insert:
        pytest.skip("the database has no RETURNING")
    member = UserFactory()
    ratelimit.hit("test:a", member.pk, 600)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert ratelimit.take("test:a", member.pk, 600, limit=2)
        assert not ratelimit.take("test:a", member.pk, 600, limit=2)
    assert len(queries) == 2
    assert ratelimit.used("test:a", member.pk, 600) == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_take_outside_a_transaction_is_refused():
    """In autocommit the count of a refused action would be kept."""
    member = UserFactory()
    with pytest.raises(RuntimeError):
        ratelimit.take("test:a", member.pk, 600, limit=3)
    assert ratelimit.used("test:a", member.pk, 600) == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_takes_never_let_more_than_the_limit_through():
    """Several requests of one member at once, as with several workers: exactly ``limit`` pass. With a
    check then an act (read the count, then add one) they could all pass the check on PostgreSQL."""
    member = UserFactory()
    workers, limit = 6, 3
    barrier, passed, errors = threading.Barrier(workers), [], []

    def act():
        if not ratelimit.take("test:a", member.pk, 3600, limit):
            raise LookupError("refused")  # the caller's error: the transaction rolls back
        time.sleep(0.05)  # the action itself, while others try

    def work():
        try:
            barrier.wait()
            _in_transaction_retrying(act)
            passed.append(1)
        except LookupError:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    _run_threads(work, workers)
    assert errors == []
    assert len(passed) == limit
    assert ratelimit.used("test:a", member.pk, 3600) == limit
