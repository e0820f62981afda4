"""A developer's machine and the README's run command: debug on, SQLite, eager tasks, console
e-mail, unless the environment says otherwise."""

from .base import *
from .base import env

DEBUG = env.bool("DEBUG", default=True)
