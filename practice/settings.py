"""Attune settings, read from the environment.

Defaults are the embedded, local ones (SQLite under ``var/``, a filesystem Celery broker,
e-mails written to ``var/outbox/``). Production is whatever the environment says; every
variable is listed in the README. A variable ``NAME_FILE`` may point at a file holding the
value of ``NAME`` (Docker secrets). Bad values fail loudly at start-up. A ``.env`` file in the
project folder is read too (values already in the environment win) unless ATTUNE_SKIP_DOTENV is
set, which the settings tests use to see exactly what the environment alone gives.
"""

import os
from pathlib import Path

import csp.constants as csp
import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.FileAwareEnv()
if (BASE_DIR / ".env").is_file() and not os.environ.get("ATTUNE_SKIP_DOTENV"):
    environ.FileAwareEnv.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but a clear yes/no is a configuration error."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    """A whole-number variable, optionally with a lower bound."""
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


DEBUG = env_bool("DEBUG", False)
DEV_SECRET_KEY = "attune-insecure-development-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random "
            "value; only DEBUG=true runs with the built-in development key."
        )
    SECRET_KEY = DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 40 characters.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# In development the default follows PORT, the port `make run PORT=N` serves on (Procfile.dev
# hands the web server's port to the worker too, which sends the e-mails).
_DEV_PORT = env_int("PORT", 8000, minimum=1) if DEBUG else 8000
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{_DEV_PORT}").rstrip("/")

INSTALLED_APPS = [
    "practice.admin_config.AdminConfig",  # django.contrib.admin behind allauth's login and MFA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "practice",
    "clients",
    "assessments",
]

MIDDLEWARE = [
    # First, so it times everything below (per view, for /metrics).
    "practice.request_metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching; every other response gets the
    # Content-Security-Policy, Permissions-Policy and no-store (see "Response headers" below).
    "practice.headers.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Outside the practice middleware, so it sees its refusals and the request's practice.
    "practice.auth_audit.RefusalAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A session handed to a client in session answers only the lock screen (and its pages).
    "practice.session_lock.SessionLockMiddleware",
    "practice.middleware.PracticeMiddleware",
]

ROOT_URLCONF = "practice.urls"
WSGI_APPLICATION = "practice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practice.context_processors.practice",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'attune.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the Celery worker share the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "practice.User"

REDIS_URL = env.str("REDIS_URL", default="")
# With Redis down the cache degrades instead of failing the request: django-redis answers a
# miss (None) for reads and ignores writes, logging each error (logger "django_redis.cache"),
# and gives up on a dead server within a second. What that means for each use of the cache:
# the /q/ link limiter stops counting (it never stands between a client and a valid link);
# allauth's login rate limits cannot take their lock and TOTP codes cannot be marked used, so
# sign-in answers 429 until Redis is back (failing closed: a lockout that an outage lifts would
# invite one), while signed-in people carry on: sessions live in the database (Django's default
# SESSION_ENGINE), never in the cache.
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
REDIS_CACHE_OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 1.0}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    # A database cache is shared by every process, so login rate limits hold across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "attune_cache",
        }
    }

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-gb"
# The languages a client's pages and e-mails come in (Client.language). No LocaleMiddleware:
# the language follows the client's record, never the browser alone (assessments/views).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# Report, export and import files. "local": MEDIA_ROOT on this machine (make run, one machine).
# "s3": an S3-compatible object store through django-storages, shared by every web and worker
# machine. Files are only ever read back by the audited download views (streamed through
# Django), so the bucket stays private and no signed URL is handed out.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local").strip().lower()
if STORAGE_BACKEND == "local":
    _default_storage = {"BACKEND": "practice.storage.LocalStorage"}
elif STORAGE_BACKEND == "s3":
    S3_BUCKET = env.str("S3_BUCKET", default="").strip()
    if not S3_BUCKET:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET, the bucket's name")
    _s3_addressing = env.str("S3_ADDRESSING_STYLE", default="auto").strip().lower()
    if _s3_addressing not in {"auto", "path", "virtual"}:
        raise ImproperlyConfigured(
            f"S3_ADDRESSING_STYLE must be auto, path or virtual, not {_s3_addressing!r}"
        )
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "location": env.str("S3_PREFIX", default="").strip("/"),
            # Unset: boto3's own chain (instance role, AWS_* variables, ~/.aws).
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": None if _s3_addressing == "auto" else _s3_addressing,
            # Names are fresh random ones; never overwrite a stored file.
            "file_overwrite": False,
            # Objects inherit the bucket's (private) policy; no public ACL is ever set.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 30,
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Sessions and security -------------------------------------------------------------
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # each request pushes the idle deadline back
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL = env_bool("SECURE_SSL", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL and env_bool("SECURE_SSL_REDIRECT", True)
# Health probes (compose, load balancers) call the container over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_SSL else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# How many proxies append to X-Forwarded-For in front of the app. The client's address (for
# login rate limits and the audit log) is read that many entries from the right; with no proxy
# it is REMOTE_ADDR and X-Forwarded-For is ignored, since anyone could send it.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0, minimum=0)
X_FRAME_OPTIONS = "DENY"

# --- Response headers (practice/headers.py) ----------------------------------------------------
# No inline script anywhere: pages load JavaScript from our static files only (HTMX from
# django-htmx, Swagger UI from the sidecar through SpectacularSwaggerSplitView). Styles come from
# our stylesheet; the one inline <style> left, the tooltip rules inside an SVG chart, carries
# the request's nonce (assessments/templatetags/trajectories.py), so no 'unsafe-inline' either.
# NONCE appears in the header only on responses that used it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],  # allauth's TOTP QR code is a data: URI
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
# Browser features Attune never uses are switched off for every page, so injected or third-party
# code cannot reach them either. WebAuthn (publickey-credentials-*) stays available for passkeys.
# Only features Chromium recognises: an unknown one is an error in every page's console.
_DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY: dict[str, list[str]] = {feature: [] for feature in _DENIED_FEATURES}
# HSTS preloading binds the whole domain and its subdomains to HTTPS for months and is slow to
# undo, so it is the operator's opt-in (SECURE_HSTS_PRELOAD=true), not a default to warn about.
SILENCED_SYSTEM_CHECKS: list[str] = ["security.W021"]

# --- Accounts (django-allauth) -----------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_ADAPTER = "practice.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # accounts exist only by invitation, so the address is proven
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Attune] "
LOGIN_FAILURES_ALLOWED = env_int("LOGIN_FAILURES_ALLOWED", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
ACCOUNT_RATE_LIMITS = {
    # After LOGIN_FAILURES_ALLOWED failures for one address (any source), or 4x that from one IP,
    # further attempts are refused until the window passes.
    "login_failed": f"{LOGIN_FAILURES_ALLOWED * 4}/{LOGIN_LOCKOUT_MINUTES}m/ip,"
    f"{LOGIN_FAILURES_ALLOWED}/{LOGIN_LOCKOUT_MINUTES}m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Attune"
# Showing the set-up page keeps the secret in the session instead of making a new one per GET
# (practice/mfa.py), so a browser's extra requests cannot invalidate the code being scanned.
MFA_FORMS = {"activate_totp": "practice.mfa.ActivateTOTPForm"}
# Django's admin is mounted only when asked for (default: in development), and then signs in
# through allauth (lockout, two-factor) and opens only for staff with an authenticator app.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", DEBUG)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_OUTBOX_DIR = VAR_DIR / "outbox"
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url_config(_email_url))
else:
    EMAIL_BACKEND = "practice.mail.OutboxEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Attune <no-reply@attune.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message not acknowledged within this window is handed to another worker. A dead Redis
    # host is given up on within two seconds rather than the operating system's minutes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request publishes after its commit (practice/queue.py); with the broker down it tries once
# more and moves on, leaving the row for its sweeper, instead of holding the request.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # state lives in the database, never in a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
CELERY_TIMEZONE = "UTC"
# Two queues: "celery" for e-mail and the beat's sweeps, "reports" for PDF rendering, so a large
# batch of reports cannot hold back invitations and alert notices. A worker started without
# -Q consumes both, fairly; docker-compose.yml gives reports a worker of their own.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue("celery", routing_key="celery"),
    Queue("reports", routing_key="reports"),  # its own key: a message reaches one queue only
    Queue("webhooks", routing_key="webhooks"),
)
# Webhook deliveries wait on other people's servers (within timeouts): their own queue, so a
# receiver that is down never holds back e-mail or reports (practice/webhooks.py).
CELERY_TASK_ROUTES = {
    "clients.tasks.render_report": {"queue": "reports"},
    # Export archives (clients/exports) are long, like reports: never in e-mail's way.
    "clients.tasks.build_export": {"queue": "reports"},
    "practice.webhooks.deliver_webhook": {"queue": "webhooks"},
}
CELERY_BEAT_SCHEDULE: dict = {
    # Re-enqueues outbound e-mails whose task message was lost. A sweep not started within
    # a minute is dropped rather than piling up behind a stopped worker.
    "sweep-outbound-email": {
        "task": "practice.tasks.sweep_outbound_email",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Chains the audit events written since the last run (practice/audit_chain.py) and writes
    # the counts of refusal windows that closed.
    "seal-audit-log": {
        "task": "practice.tasks.seal_audit_log",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Questionnaires (assessments/tasks.py): each claims its rows with a compare-and-set, so an
    # overlapping or repeated run sends nothing twice.
    "dispatch-due-questionnaires": {
        "task": "assessments.tasks.dispatch_due_questionnaires",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "send-questionnaire-reminders": {
        "task": "assessments.tasks.send_questionnaire_reminders",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "expire-questionnaire-links": {
        "task": "assessments.tasks.expire_questionnaire_links",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Alerts still open past their practice's escalation time go to the safety lead or the
    # owners, once (a compare-and-set on escalated_at).
    "escalate-overdue-alerts": {
        "task": "assessments.tasks.escalate_overdue_alerts",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Reports (clients/tasks.py): re-enqueue reports whose worker died or whose message was
    # lost; delete report files past each practice's retention.
    "sweep-reports": {
        "task": "clients.tasks.sweep_reports",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Dashboard rebuilds a practice asked for whose message was lost (broker down at commit).
    "sweep-progress-rebuilds": {
        "task": "practice.tasks.sweep_progress_rebuilds",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "expire-reports": {
        "task": "clients.tasks.expire_reports",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Caseload imports (clients/import_tasks.py) whose message was lost or whose worker died;
    # uploads never confirmed within a day are deleted with their files.
    "sweep-client-imports": {
        "task": "clients.tasks.sweep_client_imports",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Webhook deliveries whose message was lost or whose worker died (practice/webhooks.py).
    "sweep-webhook-deliveries": {
        "task": "practice.tasks.sweep_webhook_deliveries",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "prune-webhook-deliveries": {
        "task": "practice.tasks.prune_webhook_deliveries",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Idempotency keys keep a copy of the API's answer (practice/idempotency.py): deleted after
    # their day, whether or not their sender posts again.
    "prune-idempotency-keys": {
        "task": "practice.tasks.prune_idempotency_keys",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
}
# Webhooks go to public HTTPS addresses only; this also admits loopback ones, over plain HTTP
# too (development, tests). Never in production: it would let a URL reach this machine.
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", DEBUG)

# --- Reports ----------------------------------------------------------------------------------
# Each PDF is laid out in a child process bounded by these (clients/reports/pdf.py); the report
# task's own soft and hard time limits are derived from the seconds.
REPORT_RENDER_SECONDS = env_int("REPORT_RENDER_SECONDS", 60, minimum=5)
REPORT_RENDER_MEMORY_MB = env_int("REPORT_RENDER_MEMORY_MB", 1024, minimum=128)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Django ValidationErrors raised by services answer 400 (practice/api.py).
    "EXCEPTION_HANDLER": "practice.api.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "practice.api_auth.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # In this order: IsPracticeMember resolves the membership MfaSatisfied checks.
    "DEFAULT_PERMISSION_CLASSES": [
        "practice.api_auth.IsPracticeMember",
        "practice.mfa.MfaSatisfied",
    ],
    # Deeply nested JSON is a 400, not a RecursionError (practice/api_parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "practice.api_parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "practice.api_schema.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Attune API",
    "DESCRIPTION": "Practice dashboard API: clients, assessments, trajectories, notes and reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our own static files, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ClientStatusEnum": "clients.models.Client.Status",
        "NoteStatusEnum": "clients.models.SessionNote.Status",
        "ClientImportStatusEnum": "clients.models.ClientImport.Status",
    },
}

# --- Logging: never personal data, only ids -------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# Every record reaches the one console handler, which redacts questionnaire link tokens
# (practice/log_redaction.py); the loggers that carry request paths redact at the source too.
# "django" is listed to drop Django's own handlers (a second console, mail to ADMINS), and
# "django.server" to let it propagate here instead of to nowhere.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_link_tokens": {"()": "practice.log_redaction.RedactLinkTokens"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_link_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"level": LOG_LEVEL},
        "django.request": {"level": "ERROR", "filters": ["redact_link_tokens"]},
        "django.server": {
            "level": "WARNING",
            "propagate": True,
            "filters": ["redact_link_tokens"],
        },
    },
}

HEALTHZ_BROKER_TIMEOUT = 2

# /metrics answers only with this bearer token; without one it is off (404). README: Operating.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
