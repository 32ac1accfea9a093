#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    # The embedded default (SQLite, eager Celery, console email) unless told otherwise.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal_project.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
