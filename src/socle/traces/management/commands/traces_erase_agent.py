"""`socle traces-erase-agent '{"mbox": "mailto:a@example.org"}'`: the right to erasure: delete
every statement and document of an agent."""

import json

from django.core.management.base import BaseCommand, CommandError

from socle.traces.privacy import erase_agent
from socle.traces.validation import XAPIValidationError, check_actor


class Command(BaseCommand):
    help = "Erase every statement and document of an agent (RGPD right to erasure)."

    def add_arguments(self, parser):
        parser.add_argument("agent", help="the agent as xAPI JSON, or an email address")
        parser.add_argument("--tenant", help="limit the erasure to one tenant (default: all)")

    def handle(self, *args, **options):
        raw = options["agent"]
        if raw.lstrip().startswith("{"):
            try:
                agent = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise CommandError(f"not valid JSON: {exc}") from exc
        else:
            agent = {"mbox": raw if raw.startswith("mailto:") else f"mailto:{raw}"}
        try:
            check_actor(agent, "agent")
        except XAPIValidationError as exc:
            raise CommandError(str(exc)) from exc
        report = erase_agent(agent, options["tenant"])
        self.stdout.write(f"erased {report.statements} statement(s) and {report.documents} document(s)")
