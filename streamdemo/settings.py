"""Settings, all read from the environment (and an optional `.env`) through django-environ.

The defaults run on a fresh machine with nothing but Python: SQLite and an in-memory channel
layer. PostgreSQL and Redis are opt-in through `DATABASE_URL` and `REDIS_URL`.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# Off unless asked for: a deployment that forgets to say must not show settings on error pages.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Without debug the key must come from the environment: left empty, nothing can be signed with
# it, and `manage.py check` (run by migrate and runserver) says what to set (chat/checks.py).
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="insecure-dev-key-set-DJANGO_SECRET_KEY-in-production" if DEBUG else "",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# The pages that may open the websocket, exactly (scheme://host[:port]); unset, the site's own
# scheme, an allowed host and the port it is served on (chat/origins.py).
STREAMDEMO_ALLOWED_ORIGINS = env.list("STREAMDEMO_ALLOWED_ORIGINS", default=[])

# Behind HTTPS (a proxy that terminates TLS and sets X-Forwarded-Proto), DJANGO_SECURE=true
# redirects plain HTTP, sends HSTS and keeps the cookies off plain HTTP. Off by default so
# `make run` works on http://127.0.0.1.
DJANGO_SECURE = env.bool("DJANGO_SECURE", default=False)
if DJANGO_SECURE:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Browsers do not separate cookies by port: a page on another port of the same host could
    # plant a session key of its choosing and read what the visitor then asks. A `__Host-`
    # cookie can be set only over HTTPS, by the host itself, for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
X_FRAME_OPTIONS = "DENY"
# Error reports hide URLs too: a base URL or REDIS_URL may carry a password.
DEFAULT_EXCEPTION_REPORTER_FILTER = "chat.error_reports.SecretsHidden"

INSTALLED_APPS = [
    # The first app with a runserver command provides it: chat's is daphne's, made to exit
    # when it cannot listen; daphne's (an ASGI one) comes before Django's.
    "chat",
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "channels",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# The page runs only its own script and styles, never inline ones: injected markup cannot
# run. 'self' in connect-src covers the page's own ws:// and wss:// origin (CSP level 3).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "streamdemo.urls"
ASGI_APPLICATION = "streamdemo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every ask and every answer's end is a commit: WAL makes each one cheap, and IMMEDIATE
    # transactions queue writers instead of failing them with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    # One connection kept per thread, not one opened (and its pragmas run) for every query:
    # Channels closes connections after each message a socket sends unless they may live on.
    DATABASES["default"].setdefault("CONN_MAX_AGE", None)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Channels closes the database connection after each message a socket sends; from a pool,
    # the next ask gets an open connection back instead of opening a new one.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "chat": {"handlers": ["console"], "level": env.str("STREAMDEMO_LOG_LEVEL", default="INFO")}
    },
}

# The backend answering questions; see README "Settings".
STREAMDEMO_MODEL = env.str("STREAMDEMO_MODEL", default="gpt-4")
STREAMDEMO_PROVIDER = env.str("STREAMDEMO_PROVIDER", default="") or None
STREAMDEMO_BASE_URL = env.str("STREAMDEMO_BASE_URL", default="") or None
STREAMDEMO_API_KEY = env.str("STREAMDEMO_API_KEY", default="") or None
# What visitors see of STREAMDEMO_BASE_URL (one per URL): by default its host and port alone.
STREAMDEMO_BACKEND_LABEL = env.str("STREAMDEMO_BACKEND_LABEL", default="") or None
# Seconds to wait for the first text of an answer, and then between two pieces of it.
STREAMDEMO_FIRST_TOKEN_TIMEOUT = env.float("STREAMDEMO_FIRST_TOKEN_TIMEOUT", default=60.0)
STREAMDEMO_IDLE_TIMEOUT = env.float("STREAMDEMO_IDLE_TIMEOUT", default=60.0)
# What a client may pick in an ask; anything else is refused.
STREAMDEMO_MODELS = env.list("STREAMDEMO_MODELS", default=[STREAMDEMO_MODEL])
STREAMDEMO_PROVIDERS = env.list(
    "STREAMDEMO_PROVIDERS", default=[STREAMDEMO_PROVIDER] if STREAMDEMO_PROVIDER else []
)
STREAMDEMO_MAX_QUESTION_CHARS = env.int("STREAMDEMO_MAX_QUESTION_CHARS", default=16_000)
# The most characters of a conversation the model receives with a question (the question
# included): the newest turns that fit. About 8,000 tokens; raise it for larger contexts.
STREAMDEMO_CONTEXT_CHARS = env.int("STREAMDEMO_CONTEXT_CHARS", default=32_000)
# A running reply's text is saved at most this often, so that a crash loses no more of it.
STREAMDEMO_CHECKPOINT_SECONDS = env.float("STREAMDEMO_CHECKPOINT_SECONDS", default=1.0)
# A reply runs on after its socket closes until it ends, is stopped, or nobody has followed it
# for this many seconds (0: as soon as nobody follows).
STREAMDEMO_REPLY_GRACE_SECONDS = env.float("STREAMDEMO_REPLY_GRACE_SECONDS", default=60.0)
# How long an ended reply stays replayable from the log (then the database answers for it),
# how many bytes the in-memory log keeps of ended replies, and how many deltas a log keeps.
STREAMDEMO_REPLY_TTL = env.int("STREAMDEMO_REPLY_TTL", default=600)
STREAMDEMO_REPLY_LOG_BYTES = env.int("STREAMDEMO_REPLY_LOG_BYTES", default=64 * 1024 * 1024)
STREAMDEMO_REPLY_MAX_DELTAS = env.int("STREAMDEMO_REPLY_MAX_DELTAS", default=100_000)
# With REDIS_URL: a worker silent on a running reply for this long is taken for dead, and its
# followers are told the reply was interrupted. Longer than the worst stall of its event loop.
STREAMDEMO_WORKER_LEASE_SECONDS = env.float("STREAMDEMO_WORKER_LEASE_SECONDS", default=10.0)
# Seconds between two renderings of an answer's markdown sent to the page while it streams.
STREAMDEMO_RENDER_INTERVAL = env.float("STREAMDEMO_RENDER_INTERVAL", default=0.1)
# Past these, an answer (or one block of it) is shown as plain preformatted text, unrendered.
# The most an answer and its thinking may hold, in bytes of JSON: the final frame carries both,
# and daphne sends no websocket message over 1 MiB. An answer that reaches it is cut off there.
STREAMDEMO_MAX_ANSWER_BYTES = env.int("STREAMDEMO_MAX_ANSWER_BYTES", default=512 * 1024)
STREAMDEMO_RENDER_MAX_CHARS = env.int("STREAMDEMO_RENDER_MAX_CHARS", default=100_000)
STREAMDEMO_RENDER_BLOCK_CHARS = env.int("STREAMDEMO_RENDER_BLOCK_CHARS", default=20_000)
# Long renderings run in a process of their own (false: in a thread of this one).
STREAMDEMO_RENDER_PROCESS = env.bool("STREAMDEMO_RENDER_PROCESS", default=True)
# Limits that keep one client, or many, from degrading everyone else (README, "Limits"). Per
# session, across its sockets and workers; an address may do STREAMDEMO_PER_ADDRESS times as
# much. A person asking as fast as answers come never meets the ask limit; a flood does.
STREAMDEMO_MAX_FRAME_BYTES = env.int("STREAMDEMO_MAX_FRAME_BYTES", default=64 * 1024)
# How fast a session's sockets are read, on average, in messages and in bytes (chat/inbound.py).
STREAMDEMO_MESSAGES_PER_SECOND = env.float("STREAMDEMO_MESSAGES_PER_SECOND", default=50)
STREAMDEMO_MESSAGE_BYTES_PER_SECOND = env.int(
    "STREAMDEMO_MESSAGE_BYTES_PER_SECOND", default=256 * 1024
)
STREAMDEMO_ASK_BURST = env.int("STREAMDEMO_ASK_BURST", default=20)
STREAMDEMO_ASKS_PER_MINUTE = env.float("STREAMDEMO_ASKS_PER_MINUTE", default=30)
STREAMDEMO_RESUME_BURST = env.int("STREAMDEMO_RESUME_BURST", default=30)
STREAMDEMO_RESUMES_PER_MINUTE = env.float("STREAMDEMO_RESUMES_PER_MINUTE", default=60)
STREAMDEMO_SESSION_REPLIES = env.int("STREAMDEMO_SESSION_REPLIES", default=2)
STREAMDEMO_SESSION_SOCKETS = env.int("STREAMDEMO_SESSION_SOCKETS", default=20)
# New sessions (page loads without one) an address may start a minute, after two minutes' worth.
STREAMDEMO_NEW_SESSIONS_PER_MINUTE = env.float("STREAMDEMO_NEW_SESSIONS_PER_MINUTE", default=60)
STREAMDEMO_PER_ADDRESS = env.int("STREAMDEMO_PER_ADDRESS", default=10)
# Proxies (addresses or networks) whose X-Forwarded-For names the client; nobody else's is read.
STREAMDEMO_TRUSTED_PROXIES = env.list("STREAMDEMO_TRUSTED_PROXIES", default=[])
STREAMDEMO_MAX_REPLIES = env.int("STREAMDEMO_MAX_REPLIES", default=1000)
# Bytes of frames one socket may have unacknowledged (docs/protocol.md, "Flow control"): its
# replies pause there until the client acknowledges. The page acknowledges every 64 KiB.
STREAMDEMO_SOCKET_WINDOW_BYTES = env.int("STREAMDEMO_SOCKET_WINDOW_BYTES", default=1024 * 1024)
# Bytes all of a process's sockets together may have unacknowledged: past it, each socket may
# have no more than 128 KiB (chat/unread_budget.py).
STREAMDEMO_UNREAD_BYTES = env.int("STREAMDEMO_UNREAD_BYTES", default=256 * 1024 * 1024)
