from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Email and notifications"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the anymail tracking receiver)
