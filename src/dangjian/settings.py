"""Settings: every value comes from an environment variable with a safe default.

SQLite in the data directory is the embedded default; PostgreSQL is used when DATABASE_URL is set.
The security numbers follow ../shared/spec/security.md §6 and can all be overridden.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DATA_DIR = Path(env("DANGJIAN_DATA_DIR", str(Path.cwd() / "dangjian-data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_from_data_dir(filename: str, nbytes: int) -> str:
    """Read a secret kept in the data directory, creating it (mode 600) on first use."""
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("DANGJIAN_SECRET_KEY") or _secret_from_data_dir("secret_key", 50)
SECRET_KEY_FROM_ENV = bool(env("DANGJIAN_SECRET_KEY"))
DEBUG = env_bool("DANGJIAN_DEBUG", False)
# Demo mode marks a disposable installation: demo accounts and data are allowed there only.
DEMO_MODE = env_bool("DANGJIAN_DEMO", False)
ALLOWED_HOSTS = [h.strip() for h in env("DANGJIAN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("DANGJIAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
HTTPS = env_bool("DANGJIAN_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.orglife",
    "dangjian.dues",
    "dangjian.points",
    "dangjian.stats",
    "dangjian.recruitment",
    "dangjian.api",
    "dangjian.demo",
    "dangjian.security",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "dangjian.core.middleware.RequestContextMiddleware",
    "dangjian.security.networks.AdminNetworkMiddleware",  # AC-11: administration pages only from these networks
    "dangjian.security.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dangjian.security.middleware.TwoFactorMiddleware",
    "dangjian.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
    "dangjian.security.middleware.SecurityHeadersMiddleware",
    "dangjian.security.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.core.context_processors.site",
                "csp.context_processors.nonce",
            ],
            # {% url %} answers kept per process (core/templatetags/kept_urls.py, docs/bench-load.md).
            "builtins": ["dangjian.core.templatetags.kept_urls"],
        },
    },
]

# ---------------------------------------------------------------- database
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_health_checks=True)
    if _db["ENGINE"] == "django.db.backends.postgresql" and env_bool("DANGJIAN_DB_POOL", True):
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DANGJIAN_DB_POOL_MIN", 2),
            "max_size": env_int("DANGJIAN_DB_POOL_MAX", 10),
            "timeout": 10,
        }
    else:
        _db["CONN_MAX_AGE"] = env_int("DANGJIAN_DB_CONN_MAX_AGE", 60)
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "dangjian.sqlite3"),
        "OPTIONS": {
            # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
            # writers queue on busy_timeout instead of failing half-way through a transaction.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # Kept between requests like PostgreSQL's (opening one ran the PRAGMAs and started its page cache cold
        # on every request: ~17 % of the server's CPU under load, docs/bench-load.md session 7).
        "CONN_MAX_AGE": env_int("DANGJIAN_DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- locale
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------- static and uploads
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "uploads"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Django's, with each file's URL kept per process (core/staticstorage.py).
    "staticfiles": {"BACKEND": "dangjian.core.staticstorage.KeptUrlStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# ---------------------------------------------------------------- authentication (security.md §6)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with the per-request user read compiled once (accounts/backends.py).
    "dangjian.accounts.backends.ModelBackend",
]
PASSWORD_MIN_LENGTH = env_int("DANGJIAN_PASSWORD_MIN_LENGTH", 8)
PASSWORD_MIN_CLASSES = env_int("DANGJIAN_PASSWORD_MIN_CLASSES", 3)
PASSWORD_MIN_LENGTH_ADMIN = env_int("DANGJIAN_PASSWORD_MIN_LENGTH_ADMIN", 12)
PASSWORD_ADMIN_ROLES = [
    r.strip()
    for r in env("DANGJIAN_PASSWORD_ADMIN_ROLES", "system_admin,security_admin,audit_admin,org_admin").split(",")
    if r.strip()
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "dangjian.accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
    },
    # IA-02 (issue 8): ≥12 characters for the administrator roles; never the username, phone or ID number.
    {
        "NAME": "dangjian.accounts.validators.AdministratorLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH_ADMIN, "roles": PASSWORD_ADMIN_ROLES},
    },
    {"NAME": "dangjian.accounts.validators.PersonalDataValidator"},
]
LOGIN_FAILURE_LIMIT = env_int("DANGJIAN_LOGIN_FAILURE_LIMIT", 5)
LOCKOUT_MINUTES = env_int("DANGJIAN_LOCKOUT_MINUTES", 30)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dangjian.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

SESSION_IDLE_SECONDS = env_int("DANGJIAN_SESSION_IDLE_SECONDS", 1800)
SESSION_IDLE_SECONDS_ADMIN = env_int("DANGJIAN_SESSION_IDLE_SECONDS_ADMIN", 900)
SESSION_ABSOLUTE_HOURS = env_int("DANGJIAN_SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
# The session row is rewritten at most this often when nothing in it changed (core/sessions.py; 0: always).
SESSION_ENGINE = "dangjian.core.sessions"
SESSION_SAVE_INTERVAL_SECONDS = env_int("DANGJIAN_SESSION_SAVE_INTERVAL_SECONDS", 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = False
if HTTPS:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("DANGJIAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DANGJIAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DANGJIAN_BEHIND_PROXY", False) else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Background jobs: a database-backed queue served by `dangjian manage db_worker` (started by `dangjian serve`).
# DANGJIAN_TASKS=immediate runs them inside the request instead (tests, scripts).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if env("DANGJIAN_TASKS") == "immediate"
        else "django_tasks_db.DatabaseBackend"
    }
}

EXPORT_SYNC_MAX_ROWS = env_int("DANGJIAN_EXPORT_SYNC_MAX_ROWS", 5000)  # larger exports run in the background
EXPORT_LINK_TTL_HOURS = env_int("DANGJIAN_EXPORT_LINK_TTL_HOURS", 24)
ORGLIFE_THEME_DAY_REMINDER_DAY = env_int("DANGJIAN_ORGLIFE_THEME_DAY_REMINDER_DAY", 20)  # 主题党日 reminder from
TRANSFER_LETTER_VALIDITY_MONTHS = env_int("DANGJIAN_TRANSFER_LETTER_VALIDITY_MONTHS", 3)  # REL-06 (P)

AUDIT_RETENTION_DAYS = env_int("DANGJIAN_AUDIT_RETENTION_DAYS", 365)
# AU-03: the audit trail shipped in near real time to a log server or SIEM as syslog (core/audit_ship.py):
# udp://host:514, tcp://host:601 or tls://host:6514; empty: not shipped. The CA file verifies a TLS receiver.
AUDIT_SYSLOG = env("DANGJIAN_AUDIT_SYSLOG", "")
AUDIT_SYSLOG_CA = env("DANGJIAN_AUDIT_SYSLOG_CA", "")
AUDIT_SYSLOG_INTERVAL = env_int("DANGJIAN_AUDIT_SYSLOG_INTERVAL", 2)
BACKUP_DIR = env("DANGJIAN_BACKUP_DIR")

# ---------------------------------------------------------------- REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dangjian.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dangjian.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "dangjian API",
    "DESCRIPTION": "基层党建工作平台 REST API。所有数据按账号的党组织管辖范围过滤。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MemberStatusEnum": "dangjian.members.choices.MemberStatus",
        "DuesCategoryEnum": "dangjian.dues.models.DuesCategory",
        "PaymentMethodEnum": "dangjian.dues.models.PaymentMethod",
        "HardshipKindEnum": "dangjian.dues.models.HardshipKind",
        "LedgerKindEnum": "dangjian.dues.models.LedgerKind",
        "UsageCategoryEnum": "dangjian.dues.models.UsageCategory",
        "KindEnum": "dangjian.orgs.models.OrgKind",
        "AidKindEnum": "dangjian.dues.models.AidKind",
        "PioneerKindEnum": "dangjian.points.models.PioneerKind",
    },
}

# ---------------------------------------------------------------- logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DANGJIAN_LOG_LEVEL", "WARNING")},
}

SITE_NAME = env("DANGJIAN_SITE_NAME", "基层党建工作平台")
PASSWORD_MAX_AGE_DAYS = env_int("DANGJIAN_PASSWORD_MAX_AGE_DAYS", 90)

# ---------------------------------------------------------------- security (issue 8, docs/security.md)
# IA-08: roles whose holders must use a second factor (TOTP); DANGJIAN_2FA_ALL=1 requires it of everyone.
TWO_FACTOR_REQUIRED_ROLES = [
    r.strip()
    for r in env("DANGJIAN_2FA_ROLES", "system_admin,security_admin,audit_admin,org_admin").split(",")
    if r.strip()
]
TWO_FACTOR_REQUIRED_FOR_ALL = env_bool("DANGJIAN_2FA_ALL", False)
# IA-08: algorithm of newly enrolled authenticators: totp-sha1 (authenticator apps) or sm3 (GM/T 0021, for 密评).
OTP_ALGORITHM = env("DANGJIAN_OTP_ALGORITHM", "totp-sha1")

# DC-01 / PRV-09: Content-Security-Policy with per-request nonces, no inline script or style, nothing
# from another origin. A template that must keep an inline block writes nonce="{{ CSP_NONCE }}".
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# IP-06 / REL-06: requests per account per window ("count/period"); an address may make
# RATE_LIMIT_ADDRESS_FACTOR times as many (offices share one NAT address).
RATE_LIMITS = {
    "login": env("DANGJIAN_RATE_LOGIN", "10/m"),
    "otp": env("DANGJIAN_RATE_OTP", "10/m"),
    "password": env("DANGJIAN_RATE_PASSWORD", "10/h"),
    "search": env("DANGJIAN_RATE_SEARCH", "120/m"),
    "export": env("DANGJIAN_RATE_EXPORT", "20/h"),
    "api": env("DANGJIAN_RATE_API", "600/m"),
}
RATE_LIMIT_ADDRESS_FACTOR = env_int("DANGJIAN_RATE_ADDRESS_FACTOR", 5)
RATE_LIMITS_ENABLED = env_bool("DANGJIAN_RATE_LIMITS", True)
RATELIMIT_CACHE = "ratelimit"
# 待办事项 and the home page's summary of it, kept per user this long (core/todos.py: the user's own changes
# show at once; 0: always live).
TODO_CACHE_SECONDS = env_int("DANGJIAN_TODO_CACHE_SECONDS", 60)
# The roster's total per user and filters (members/views.py: own changes at once, the rows always live).
ROSTER_COUNT_CACHE_SECONDS = env_int("DANGJIAN_ROSTER_COUNT_CACHE_SECONDS", 30)
# PRV-08: reads of a member's record (page, tabs, API) are audited as `member.view`, once per viewer, session and
# member within this many seconds (a page and the tabs opened from it are one read; 0: every request).
MEMBER_READ_LOG_SECONDS = env_int("DANGJIAN_MEMBER_READ_LOG_SECONDS", 300)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Shared by all worker processes: a file cache in the data directory (no extra service).
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "ratelimit"),
        "OPTIONS": {"MAX_ENTRIES": 100000},
    },
}

# RI-02: uploaded and generated files (imports, exports, job progress, reports) are deleted after this
# many hours by `dangjian manage purge_files`; files are created owner-only (umask).
FILE_RETENTION_HOURS = env_int("DANGJIAN_FILE_RETENTION_HOURS", 24)
FILE_UMASK = env("DANGJIAN_UMASK", "077")
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Issue 8, personal-information protection (docs/security.md).
EXPORT_MAX_ROWS = env_int("DANGJIAN_EXPORT_MAX_ROWS", 5000)  # PRV-04: rows per export of personal data (0 = no cap)
RETENTION_YEARS_AFTER_LEAVING = env_int("DANGJIAN_RETENTION_YEARS_AFTER_LEAVING", 10)  # PRV-07 (0 = never)
# PRV-07: applicants, activists and candidates whose recruitment case closed without admission (0 = never)
RETENTION_YEARS_AFTER_APPLICATION_CLOSED = env_int("DANGJIAN_RETENTION_YEARS_AFTER_APPLICATION_CLOSED", 5)

# DJ-01: HSTS preload (security.W021). Deployments on a government intranet host cannot be submitted to the
# browsers' public preload list, so preload is off by default and W021 is silenced for that written reason;
# a public host sets DANGJIAN_HSTS_PRELOAD=1 (and submits the domain to hstspreload.org).
SECURE_HSTS_PRELOAD = HTTPS and env_bool("DANGJIAN_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]

# AC-11: the administration pages (accounts, roles, security administration, audit trail: security/networks.py)
# answer only to these networks (comma-separated CIDR, e.g. "10.8.0.0/24,192.168.10.5/32"); elsewhere they are
# 404. Empty: not restricted (development); `dangjian check --deploy` fails on it.
ADMIN_NETWORKS = [n.strip() for n in env("DANGJIAN_ADMIN_NETWORKS", "").split(",") if n.strip()]

# AC-03: staff accounts without a login (or API-token use) for this many days, and accounts past their expiry
# date, are disabled by the daily `dangjian manage disable_dormant_accounts` (0: dormancy never disables).
# Self-service accounts (linked to a member, only the `member` role) follow DORMANT_MEMBER_DAYS (0: never).
DORMANT_DAYS = env_int("DANGJIAN_DORMANT_DAYS", 90)
DORMANT_MEMBER_DAYS = env_int("DANGJIAN_DORMANT_MEMBER_DAYS", 0)
