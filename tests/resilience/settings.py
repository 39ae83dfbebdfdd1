"""Settings for the processes that the resilience tests start (gunicorn, db_worker, manage.py).

Test only: never used by a deployment. Production-like (comcep.settings.bench: DEBUG off,
production middleware and templates) plus:

- the test suite's SECRET_KEY (the tests pass it in the environment), so that sessions created by
  the tests are valid in the server;
- the fault-injection hooks of tests/resilience/hooks.py, inert unless the test sets
  RESILIENCE_PAUSE_MARKER / RESILIENCE_PAUSE_DIR in the process environment;
- the database task backend (django-tasks-db), as in production, and e-mails written to files
  (RESILIENCE_MAIL_DIR) so that the test can count what several processes sent.
"""

import os

from comcep.settings.bench import *  # noqa: F403

MIDDLEWARE = [*MIDDLEWARE, "tests.resilience.hooks.PauseInTransactionMiddleware"]  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "tests.resilience.hooks.PausingFileEmailBackend"
EMAIL_FILE_PATH = os.environ.get("RESILIENCE_MAIL_DIR", "/tmp/comcep-resilience-mail")
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
