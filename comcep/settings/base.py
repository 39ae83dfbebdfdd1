"""Settings shared by every environment. Everything an operator changes comes from
the environment (see README "Configuration"); dev/test/production refine this file."""

from pathlib import Path

import dj_database_url
import dj_email_url
from django.utils.translation import gettext_lazy as _

from .env import cache_from_url, env_bool, env_email, env_int, env_list, env_str

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Comcep: cross-cutting apps, then the product apps.
    "comcep.core",
    "comcep.accounts",
    "comcep.taxonomy",
    "comcep.notifications",
    "comcep.directory",
    "comcep.conversations",
    "comcep.events",
    "comcep.news",
    "comcep.animation",
    "resources",
    "forums",
    "comcep.groups",
    "search",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Accounts: allauth for every login, with MFA.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Background work
    "django_tasks",
    "django_tasks_db",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "comcep.core.middleware.ExplicitLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "comcep.core.sessionuser.AuthenticationMiddleware",  # Django's, with the user loaded by a prepared query
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "comcep.core.middleware.ContentSecurityPolicyMiddleware",
    "comcep.core.middleware.RejectNullBytesMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "comcep.urls"
WSGI_APPLICATION = "comcep.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "comcep.core.context_processors.site_context",
                "csp.context_processors.nonce",
            ],
            # Constant tags rendered once per process (comcep/core/tagmemo.py): Django's i18n and static
            # libraries with {% translate %} and {% static %} memoised, {% url %} likewise, {% extends %} with the
            # root template's blocks collected once (comcep/core/templatetags/memo_builtins.py).
            "libraries": {
                "i18n": "comcep.core.templatetags.memo_i18n",
                "static": "comcep.core.templatetags.memo_static",
            },
            "builtins": ["comcep.core.templatetags.memo_builtins"],
        },
    },
]
# Replacing Django's i18n and static libraries under their own labels is deliberate (above); Django's
# templates.W003 would report it on every check. comcep.core.tagmemo.check_template_tag_labels reports every
# other label shared by several tag modules (comcep.W003).
SILENCED_SYSTEM_CHECKS = ["templates.W003"]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; the busy timeout makes a
    # writer wait for the lock instead of failing with "database is locked".
    # Django's backend plus a queue for the write lock (comcep/core/db/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = "comcep.core.db.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # A 16 MB page cache per connection (default 2 MB). It was 64 MB when search joined the
            # FTS matches to the index and facet rows by id (re-reading pages from the OS on every
            # search); since the facet counts come from in-memory bitmaps (search/sqlite_summary.py),
            # first visits cost the same CPU with 16 MB as with 64 MB, and a worker's connection no
            # longer fills 64 MB of pages at 100k entries (docs/performance.md, "Session 16: worker
            # memory"). Not mmap_size: mapped pages count in each worker's RSS (~380 MB of the large
            # bench database after 600 first-visit searches) and I/O errors become SIGBUS.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                            "PRAGMA cache_size=-16384;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameter binding with psycopg's automatic prepared statements (docs/performance.md,
    # "Session 7: PostgreSQL planning"): a statement sent DATABASE_PREPARE_THRESHOLD times on a
    # connection is prepared, and PostgreSQL then stops planning it (2-3x less server CPU per page).
    # On by default (DATABASE_SERVER_SIDE_BINDING=false goes back to Django's client-side binding).
    # Django alone passes prepare_threshold=None (never prepare) even with server-side binding.
    # Prepared statements live per connection: they pay off with persistent connections
    # (DATABASE_CONN_MAX_AGE). Behind pgbouncer in transaction mode, prepared statements need pgbouncer >= 1.21 with
    # max_prepared_statements > 0; otherwise keep DATABASE_PREPARE_THRESHOLD=none.
    # Django's backend with a health check that needs no round trip while the connection is quiet
    # (comcep/core/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "comcep.core.db.postgresql"
    _threshold = env_str("DATABASE_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": env_bool("DATABASE_SERVER_SIDE_BINDING", True),
            "prepare_threshold": None if _threshold.lower() == "none" else env_int("DATABASE_PREPARE_THRESHOLD", 5),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
CACHES = {"default": cache_from_url(env_str("CACHE_URL", "locmem://comcep"))}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "comcep.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "comcep.accounts.forms.SignupProfileForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Comcep] "
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell people by e-mail when their password, addresses or 2FA change
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Comcep"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
MFA_FORMS = {
    "add_webauthn": "comcep.accounts.mfa_forms.AddWebAuthnForm",
    "edit_webauthn": "comcep.accounts.mfa_forms.EditWebAuthnForm",
}
# No Gravatar in the admin: it would send a hash of every member's e-mail to a third party
# (and the admin's CSP blocks it anyway).
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- E-mail ---------------------------------------------------------------------------
_email = dj_email_url.parse(env_str("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or ""
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Comcep <no-reply@comcep.localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Where members write to the moderation team: the Reply-To of the membership e-mails (approval, refusal),
# and the address the "account pending" page gives. Empty: those texts promise no reply to anyone (the
# sender, DEFAULT_FROM_EMAIL, is usually a no-reply address). docs/accounts.md, "Contact address".
COMCEP_CONTACT_EMAIL = env_email("CONTACT_EMAIL")

# --- Background tasks -----------------------------------------------------------------
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")}}

# --- Wagtail --------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Comcep"
WAGTAILADMIN_BASE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "admin_login_gate"  # comcep.core.views.admin_login: allauth for visitors
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
# Search (docs/search.md): the database backend by default (SQLite FTS5, or PostgreSQL
# full text with the French unaccented configuration created by search's migration 0002);
# Elasticsearch 8/9 when ELASTICSEARCH_URL is set, OpenSearch 2/3 when OPENSEARCH_URL is.
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL", "")
OPENSEARCH_URL = env_str("OPENSEARCH_URL", "")
SEARCH_INDEX_PREFIX = env_str("SEARCH_INDEX_PREFIX", "comcep_")
SEARCH_TIMEOUT = env_int("SEARCH_TIMEOUT", 5)
SEARCH_RERANK_WINDOW = env_int("SEARCH_RERANK_WINDOW", 100)
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 120)  # search summaries (search.resultcache)
SEARCH_CACHE_ENTRIES = env_int("SEARCH_CACHE_ENTRIES", 1000)  # per process (search.resultcache)
# PostgreSQL engine: characters of a body its rank vector holds (search.pgrank); 0 = rank on the full body
SEARCH_RANK_BODY_CHARS = env_int("SEARCH_RANK_BODY_CHARS", 2000)
SEARCH_TITLE_NORM_SECONDS = env_int("SEARCH_TITLE_NORM_SECONDS", 600)  # cached average title length (search.engine)
SEARCH_LOG_RETENTION_DAYS = env_int("SEARCH_LOG_RETENTION_DAYS", 365)  # content gaps: logged searches
if ELASTICSEARCH_URL or OPENSEARCH_URL:
    from search.es_analysis import backend_config

    WAGTAILSEARCH_BACKENDS = {
        "default": backend_config(
            ELASTICSEARCH_URL or OPENSEARCH_URL,
            engine="elasticsearch" if ELASTICSEARCH_URL else "opensearch",
            version=env_int("SEARCH_ENGINE_VERSION", 9 if ELASTICSEARCH_URL else 3),
            index_prefix=SEARCH_INDEX_PREFIX,
            timeout=SEARCH_TIMEOUT,
        )
    }
else:
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    if DATABASES["default"]["ENGINE"] == "comcep.core.db.postgresql":
        WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] = env_str("SEARCH_CONFIG", "french_unaccent")
WAGTAILDOCS_DOCUMENT_MODEL = "resources.ResourceDocument"  # uploads checked by content (resources/uploads.py)
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods", "odp", "pptx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = env_int("DOCUMENT_MAX_UPLOAD_MB", 20) * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False  # passwords are managed through allauth
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# --- Logging: one structured line per event on stderr ---------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "comcep.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django.security": {"level": "WARNING", "propagate": True},
    },
}

# --- Comcep ---------------------------------------------------------------------------
SITE_URL = WAGTAILADMIN_BASE_URL
COMCEP_POST_MAX_LENGTH = env_int("POST_MAX_LENGTH", 20_000)
# Forums (docs/forums.md): posting rate per member ("N/10m", "N/1h"...), stricter for new members,
# days during which a new member's posts wait for approval (0: never), links before review.
FORUMS_POST_RATE = env_str("FORUMS_POST_RATE", "10/10m")
FORUMS_NEW_MEMBER_POST_RATE = env_str("FORUMS_NEW_MEMBER_POST_RATE", "3/10m")
FORUMS_NEW_MEMBER_DAYS = env_int("FORUMS_NEW_MEMBER_DAYS", 3)
FORUMS_MAX_LINKS_BEFORE_REVIEW = env_int("FORUMS_MAX_LINKS_BEFORE_REVIEW", 3)
# Notifications (docs/notifications.md): attempts before an e-mail is marked failed.
NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = env_int("NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", 5)
# A sender that died while it held an e-mail (status "sending") lets it go after this many minutes:
# longer than any SMTP exchange (EMAIL_TIMEOUT), shorter than requeue_stale_tasks' 30 minutes.
NOTIFICATIONS_EMAIL_CLAIM_MINUTES = env_int("NOTIFICATIONS_EMAIL_CLAIM_MINUTES", 20)
