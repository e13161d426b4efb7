from django.core.management.base import BaseCommand

from socle.competences import retention


class Command(BaseCommand):
    help = (
        "Apply the retention rule of digital-skills results (docs/competences.md): delete the "
        "results of persons who left the registry, Pix profiles past their school year + "
        "SOCLE_COMPETENCES_PROFILE_YEARS, 6e parcours and certifications past + "
        "SOCLE_COMPETENCES_RESULT_YEARS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args, **options):
        result = retention.purge(dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        departed = ", ".join(f"{name} {count}" for name, count in result.departed.items())
        self.stdout.write(
            f"Compétences retention: {verb} {result.profiles} profile(s), {result.parcours} 6e parcours, "
            f"{result.certifications} certification(s) past retention; "
            f"persons who left the registry: {departed}."
        )
