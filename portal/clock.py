"""What day it is for the portal: the date in its time zone (Asia/Shanghai). Every app asks here,
so a test can move the whole portal to another day by patching one function."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()
