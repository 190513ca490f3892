"""What Django's error reports (the debug page, error e-mails) may show of the settings.

Django hides settings whose names look secret (KEY, PASS, TOKEN, …). URLs and hosts can hold a
password too (`STREAMDEMO_BASE_URL=https://user:password@…`, `REDIS_URL`, the channel layer's
hosts): they are hidden as well.
"""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretsHidden(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|HOSTS|LOCATION", flags=re.I
    )
