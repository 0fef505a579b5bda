"""Settings for Bianzhi, read from the environment through helpers that fail loudly."""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BIANZHI_VAR_DIR", BASE_DIR / "var"))
TESTING = "pytest" in sys.modules or os.environ.get("BIANZHI_TESTING") == "1"


def env_str(name: str, default: str | None = None) -> str:
    """A string from NAME, or from the file named by NAME_FILE (for secrets)."""
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text(encoding="utf-8").strip()
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE"):
        return env_str("SECRET_KEY")
    if TESTING:
        return "insecure-test-key-" + "x" * 40
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Deployment (see docs/security.md): PROFILE is development or production (production turns on
# TOTP for staff, secure cookies, HSTS and refuses superusers); NETWORK is intranet (涉密内网,
# every module) or extranet (政务外网, public-facing modules only).
PROFILE = os.environ.get("BIANZHI_PROFILE", "development")
NETWORK = os.environ.get("BIANZHI_NETWORK", "intranet")
if PROFILE not in {"development", "production"}:
    raise ImproperlyConfigured(f"BIANZHI_PROFILE={PROFILE!r}: use development or production")
if NETWORK not in {"intranet", "extranet"}:
    raise ImproperlyConfigured(f"BIANZHI_NETWORK={NETWORK!r}: use intranet or extranet")
PRODUCTION = PROFILE == "production"

# This installation's identity (design principle 5): records carry it as their origin.
NODE_CODE = env_str("BIANZHI_NODE_CODE", "000000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "bianzhi.core",
    "bianzhi.accounts",
    "bianzhi.audit",
    "bianzhi.orgs",
    "bianzhi.staffing",
    "bianzhi.personnel",
    "bianzhi.matters",
    "bianzhi.registration",
    "bianzhi.annualreports",
    "bianzhi.supervision",
    "bianzhi.public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bianzhi.core.middleware.ContentSecurityPolicyMiddleware",
    "bianzhi.core.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bianzhi.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "bianzhi.urls"
WSGI_APPLICATION = "bianzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bianzhi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bianzhi.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "bianzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders until collected
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("BIANZHI_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("BIANZHI_IMPORT_MAX_BYTES", 20 * 1024 * 1024)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING or env_bool("BIANZHI_TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- matters: notifications by e-mail (console in development) and attachment limits ---
SITE_URL = env_str("BIANZHI_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_BACKEND = env_str(
    "BIANZHI_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("BIANZHI_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("BIANZHI_EMAIL_PORT", 25)
EMAIL_USE_TLS = env_bool("BIANZHI_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("BIANZHI_EMAIL_FROM", "bianzhi@localhost")

MATTER_ATTACHMENT_MAX_BYTES = env_int("BIANZHI_MATTER_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)

# Public registration service (公示): the address printed in certificate QR codes, and the
# requests one client address may make per window ("count/seconds") before a 429.
PUBLIC_BASE_URL = env_str("BIANZHI_PUBLIC_BASE_URL", SITE_URL).rstrip("/")
PUBLIC_RATE_LIMIT = env_str("BIANZHI_PUBLIC_RATE_LIMIT", "120/60")
# Shared cache (rate-limit counters): Redis when BIANZHI_CACHE_URL is set, else per process.
_cache_url = env_str("BIANZHI_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Search and list pagination.
PAGE_SIZE = env_int("BIANZHI_PAGE_SIZE", 50)

# --- security: audit (audit app) ---
# Audit (docs/adr/0006-tamper-evident-audit.md). AUDIT_ENABLED exists only for the overhead
# benchmark's baseline: production keeps it on (GB/T 22239 level 3 requires the audit).
AUDIT_ENABLED = env_bool("BIANZHI_AUDIT_ENABLED", True)
AUDIT_RETENTION_DAYS = env_int("BIANZHI_AUDIT_RETENTION_DAYS", 180)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("BIANZHI_AUDIT_RETENTION_DAYS must be at least 180 (等保 2.0)")
# Seal committed rows after a commit (on_commit) at most once per this interval per process
# (tests: every commit); `bianzhi audit seal|verify|checkpoint` and the task seal the rest.
AUDIT_SEAL_INTERVAL = env_int("BIANZHI_AUDIT_SEAL_INTERVAL_MS", 0 if TESTING else 1000) / 1000
# Rows written outside a business transaction (views, exports, refusals) commit without waiting
# for the WAL flush on PostgreSQL (docs/adr/0006); 0 makes them wait like every other row.
AUDIT_ASYNC_STANDALONE = env_bool("BIANZHI_AUDIT_ASYNC_STANDALONE", True)
AUDIT_CHECKPOINT_INTERVAL = env_int("BIANZHI_AUDIT_CHECKPOINT_INTERVAL", 3600)  # seconds
AUDIT_ARCHIVE_DIR = Path(os.environ.get("BIANZHI_AUDIT_ARCHIVE_DIR", VAR_DIR / "audit-archive"))
# Ed25519 private key (PEM) of this node; generated under VAR_DIR outside production.
BIANZHI_NODE_KEY_FILE = Path(os.environ.get("BIANZHI_NODE_KEY_FILE", VAR_DIR / "node_key.pem"))
AUDIT_GENERATE_NODE_KEY = not PRODUCTION

# --- security: login, passwords, lockout, TOTP, sessions (accounts) ---
# See docs/adr/0007-login-passwords-lockout-otp-sessions.md.
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
_after_messages = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_after_messages:_after_messages] = [
    "django_otp.middleware.OTPMiddleware",
    "bianzhi.accounts.middleware.SessionPolicyMiddleware",
    "bianzhi.accounts.middleware.SecurityStepsMiddleware",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last: turns a lockout into its page
# Axes first: it refuses locked accounts and addresses before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

if not TESTING:
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        # Older hashes still verify and are re-hashed with Argon2 at the next login.
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)  # the last N passwords cannot be reused
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)  # 0: passwords never expire
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "bianzhi.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "bianzhi.accounts.passwords.ComplexityValidator"},
    {"NAME": "bianzhi.accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "bianzhi.accounts.passwords.CommonPasswordValidator"},
    {
        "NAME": "bianzhi.accounts.passwords.HistoryValidator",
        "OPTIONS": {"history": PASSWORD_HISTORY},
    },
]

# Lockout (django-axes): per account and per address independently. A cool-off of 30 minutes
# by default (0 = locked until the security administrator unlocks): a permanent lock would let
# anyone on the network lock every known account; 5 tries per 30 minutes still makes guessing
# a 12-character password hopeless, and the monitoring rules alert on the failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
_cooloff = env_int("AXES_COOLOFF_MINUTES", 30)
AXES_COOLOFF_TIME = _cooloff / 60 if _cooloff > 0 else None  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "bianzhi.core.net.client_address"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
AXES_ENABLE_ADMIN = False
# The client address behind a proxy: X-Forwarded-For is believed only from CERT_TRUSTED_PROXIES
# (certificates block below), the one list of trusted proxies (core.net.client_address).

# TOTP second factor (django-otp); required for every interactive account in production.
OTP_REQUIRED = env_bool("BIANZHI_OTP_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = env_str("BIANZHI_OTP_ISSUER", "Bianzhi 编制")
OTP_RECOVERY_CODES = 10
OTP_PENDING_SECONDS = env_int("BIANZHI_OTP_PENDING_SECONDS", 300)  # password → code step

# Sessions: idle timeout and absolute lifetime, one live session per account by default.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 3600)
SESSION_SINGLE = env_bool("SESSION_SINGLE", True)
SESSION_TOUCH_SECONDS = 60  # last_seen_at is written at most once a minute

# API tokens: the scopes a token may carry ("*" only when asked for explicitly).
API_TOKEN_SCOPES = [
    f"{area}:{mode}"
    for area in ("core", "orgs", "staffing", "personnel")
    for mode in ("read", "write")
]

# --- security: certificates, classification, network profiles, encryption ---
# Certificate login (电子身份认证, docs/adr/0008): the TLS terminator verifies the client's
# certificate and passes its PEM in CERT_HEADER; the header is believed only from the proxies in
# CERT_TRUSTED_PROXIES (addresses or CIDRs; empty = feature off), and re-verified here against
# the CA bundle and the CRL.
CERT_HEADER = os.environ.get("BIANZHI_CERT_HEADER", "X-SSL-Client-Cert")
CERT_TRUSTED_PROXIES = env_list("BIANZHI_CERT_TRUSTED_PROXIES", "")
CERT_CA_FILE = os.environ.get("BIANZHI_CERT_CA_FILE", "")
CERT_CRL_FILE = os.environ.get("BIANZHI_CERT_CRL_FILE", "")

# Network profile (涉密内网 / 政务外网): on the extranet only these path prefixes are served.
EXTRANET_ALLOWED_PREFIXES = env_list(
    "BIANZHI_EXTRANET_ALLOWED_PREFIXES",
    "/accounts/,/healthz,/i18n/,/static/,/portal/,/unit/",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("bianzhi.audit.context.AuditContextMiddleware") + 1,
    "bianzhi.core.profiles.NetworkProfileMiddleware",
)

# SM4 encryption of sensitive columns (bianzhi.core.crypto): a 128-bit key in hex, from the
# environment or a file (required in production, at first use); development generates one
# under VAR_DIR, tests use a fixed key. FIELD_ENCRYPTION_OLD_KEYS still open older values.
FIELD_ENCRYPTION_KEY = os.environ.get("BIANZHI_FIELD_ENCRYPTION_KEY", "")
FIELD_ENCRYPTION_KEY_FILE = os.environ.get("BIANZHI_FIELD_ENCRYPTION_KEY_FILE", "")
FIELD_ENCRYPTION_OLD_KEYS = env_list("BIANZHI_FIELD_ENCRYPTION_OLD_KEYS", "")
if TESTING and not (FIELD_ENCRYPTION_KEY or FIELD_ENCRYPTION_KEY_FILE):
    FIELD_ENCRYPTION_KEY = "0123456789abcdeffedcba9876543210"  # the fixed test key

# Production hardening (等保 2.0 level 3): HTTPS only, secure cookies, HSTS, no DEBUG, a real key.
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in the production profile")
    if not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
        raise ImproperlyConfigured("the production profile needs SECRET_KEY or SECRET_KEY_FILE")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if _proxy_ssl := os.environ.get("SECURE_PROXY_SSL_HEADER"):  # e.g. HTTP_X_FORWARDED_PROTO=https
        _name, _, _value = _proxy_ssl.partition("=")
        SECURE_PROXY_SSL_HEADER = (_name.strip(), _value.strip() or "https")

# --- security: three administrators and monitoring ---
# Monitoring rules (bianzhi/audit/monitoring.py): N events within M minutes raise one alert for the
# security administrator; working hours are local (Asia/Shanghai) "HH:MM" and ISO weekdays 1-7.
SECURITY_RULES = {
    "enabled": env_bool("BIANZHI_MONITORING", True),
    "login_failures": {
        "count": env_int("BIANZHI_ALERT_LOGIN_FAILURES", 5),
        "minutes": env_int("BIANZHI_ALERT_LOGIN_MINUTES", 15),
    },
    "bulk_export": {
        "count": env_int("BIANZHI_ALERT_EXPORTS", 10),
        "minutes": env_int("BIANZHI_ALERT_EXPORT_MINUTES", 10),
    },
    "full_record_views": {
        "count": env_int("BIANZHI_ALERT_FULL_VIEWS", 50),
        "minutes": env_int("BIANZHI_ALERT_FULL_VIEW_MINUTES", 10),
    },
    "off_hours": {
        "enabled": env_bool("BIANZHI_ALERT_OFF_HOURS", True),
        "timezone": "Asia/Shanghai",
        "hours": tuple(env_list("BIANZHI_WORK_HOURS", "08:00,18:30")),
        "weekdays": [int(day) for day in env_list("BIANZHI_WORK_DAYS", "1,2,3,4,5")],
    },
    "permission_change": {"minutes": 24 * 60},
    "out_of_scope": {
        "count": env_int("BIANZHI_ALERT_OUT_OF_SCOPE", 1),
        "minutes": env_int("BIANZHI_ALERT_OUT_OF_SCOPE_MINUTES", 60),
    },
}
if len(SECURITY_RULES["off_hours"]["hours"]) != 2:
    raise ImproperlyConfigured("BIANZHI_WORK_HOURS must be two times, e.g. 08:00,18:30")
