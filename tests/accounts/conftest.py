import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs what the block queued with transaction.on_commit, as a
    real commit would (tests themselves run inside a transaction that never commits)."""

    def _committed():
        return django_capture_on_commit_callbacks(execute=True)

    return _committed
