#!/usr/bin/env python
"""Django's command-line utility for Attune."""

import os
import secrets
import sys

# Commands that only compare the models with the migration files: they sign, hash and send
# nothing, so they may run on a machine with no SECRET_KEY (a fresh clone without a .env, a
# pre-commit or CI hook). Any other command without a key still stops at the settings.
SCHEMA_ONLY_COMMANDS = {"makemigrations"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in SCHEMA_ONLY_COMMANDS and not (
        os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")
    ):
        # A throwaway key of this process alone, never the development key: nothing made with
        # it outlives the command, and a production process never sees it.
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
