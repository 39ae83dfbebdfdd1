"""Development settings: what `make run` uses. Safe defaults, no external service."""

from .base import *  # noqa: F403
from .env import env_email, env_list, env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# An example contact address (a reserved .localhost domain, like DEFAULT_FROM_EMAIL's), so that the membership
# e-mails printed on the console carry their Reply-To and the pending page its link, as in production.
COMCEP_CONTACT_EMAIL = env_email("CONTACT_EMAIL", "Équipe d'animation Comcep <animation@comcep.localhost>")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# `make run` prints the demo accounts at the end of the import: keep Wagtail's per-page audit lines quiet.
LOGGING["loggers"]["wagtail"] = {"level": "WARNING"}  # noqa: F405
