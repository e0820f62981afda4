"""A developer's machine and the README's run command: debug on, SQLite, eager tasks, e-mail
saved under var/mail/ with one line in the log, unless the environment says otherwise."""

from .base import *
from .base import BASE_DIR, LOGGING, env

# Demo and benchmark data generators (load_demo, benchmark): never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

DEBUG = env.bool("DEBUG", default=True)

# E-mail: saved whole under var/mail/, one line in the log (not the whole MIME text), unless
# EMAIL_URL names a server or another backend.
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "portal.mail.SavedAndLoggedBackend"
    EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"

# The demo runs as 唐山's portal; a real city sets its own in the environment.
PORTAL_HOST = env("PORTAL_HOST", default="唐山市科学技术局（演示）")
PORTAL_HELPLINE = env("PORTAL_HELPLINE", default="12345")
PORTAL_HELP_HOURS = env("PORTAL_HELP_HOURS", default="工作日 8:30–12:00，14:30–17:30")

# A quiet run command: what a developer needs (requests, warnings, one line per e-mail), not
# every login attempt's bookkeeping or every eager task's trace.
LOGGING["loggers"].update(
    {
        "axes": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
    }
)
