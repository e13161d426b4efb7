"""The `socle` console command: Django's manage.py under the platform's own name.

`socle import-annuaire FILE` and `socle demo-data --scale tiny` read better than manage.py
invocations; hyphenated names are mapped to the underlying management commands."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
