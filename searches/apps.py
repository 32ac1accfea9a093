from django.apps import AppConfig


class SearchesConfig(AppConfig):
    name = "searches"
    verbose_name = "Saved searches"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from clients.models import Contact

        from .signals import client_logged_in, contact_saved

        # A client logging in is a sign of life: slowed-down alerts go back to normal at once.
        user_logged_in.connect(client_logged_in, dispatch_uid="searches.client_logged_in")
        post_save.connect(contact_saved, sender=Contact, dispatch_uid="searches.contact_saved")
