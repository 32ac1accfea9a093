"""The file email backend, slowed down like a real provider's API call (for the fault scripts).

EMAIL_BACKEND=benchmarks.slow_email_backend.SlowFileBackend, SLOW_EMAIL_SECONDS (default 0.05):
the pause comes before the file is written, so a worker killed during it has not sent."""

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0.05")))
        return super().send_messages(email_messages)
