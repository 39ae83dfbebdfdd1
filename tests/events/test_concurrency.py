"""Several members racing for the last seat: exactly one gets it."""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from comcep.events import services
from comcep.events.models import Registration
from tests.factories import UserFactory
from tests.factories.events import EventPageFactory

RACERS = 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_only_one_member_gets_the_last_seat():
    event = EventPageFactory(capacity=2, starts_at=timezone.now() + dt.timedelta(days=3))
    Registration.objects.create(event=event, user=UserFactory())
    racers = [UserFactory() for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(user):
        try:
            barrier.wait()
            try:
                services.register(event=event, user=user)
                result = "ok"
            except services.RegistrationError as exc:
                result = str(exc)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                result = f"error: {exc!r}"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(u,)) for u in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == RACERS, outcomes
    assert outcomes.count("ok") == 1, outcomes
    assert sorted(set(outcomes) - {"ok"}) == ["L'événement est complet."]
    assert Registration.objects.active().filter(event=event).count() == 2
