from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.services import agent_create
from notifications.services import agent_welcome_send


class Command(BaseCommand):
    help = "Create an agent account and email them a link to choose their password."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="Display name (default: from the email).")
        parser.add_argument("--brokerage", default="")
        parser.add_argument(
            "--no-email", action="store_true", help="Do not send the welcome email."
        )

    def handle(self, *args, email: str, name: str, brokerage: str, no_email: bool, **options):
        display_name = name.strip() or email.split("@")[0].replace(".", " ").title()
        try:
            agent = agent_create(email=email, display_name=display_name, brokerage_name=brokerage)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if not no_email:
            agent_welcome_send(agent=agent)
            self.stdout.write(f"Sent a set-password link to {agent.user.email}.")
        self.stdout.write(
            self.style.SUCCESS(f"Created agent {agent.display_name} <{agent.user.email}>.")
        )
