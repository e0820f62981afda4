"""A developer's machine and the README's run command: debug on, SQLite, eager tasks, e-mail
saved under var/mail/ with one line in the log, unless the environment says otherwise."""

from .base import *
from .base import BASE_DIR, env

# Demo and benchmark data generators (load_demo, benchmark): never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

DEBUG = env.bool("DEBUG", default=True)

# E-mail: saved whole under var/mail/, one line in the log (not the whole MIME text), unless
# EMAIL_URL names a server or another backend.
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "portal.mail.SavedAndLoggedBackend"
    EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
