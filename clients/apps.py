from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Agents and contacts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .receivers import login_recorded

        # Framework integration only: the receiver calls a service.
        user_logged_in.connect(login_recorded, dispatch_uid="clients.login_recorded")
