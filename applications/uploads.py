"""Moved to :mod:`portal.uploads` (enterprises' verification uploads use it too). Kept for the
callers written before the move; new code imports ``portal.uploads``."""

from portal.uploads import *  # noqa: F403
from portal.uploads import AttachmentField, UploadRefused, inspect_upload, storage_path  # noqa: F401
