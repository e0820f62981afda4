"""A developer's machine and the README's run command: debug on, SQLite, eager tasks, console
e-mail, unless the environment says otherwise."""

from .base import *
from .base import env

# Demo and benchmark data generators (load_demo, benchmark): never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

DEBUG = env.bool("DEBUG", default=True)
