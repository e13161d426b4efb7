from django.db import migrations


def seed_calendar(apps, schema_editor):
    from socle.viescolaire.diffusion.holidays import seed

    seed(apps.get_model("viescolaire_diffusion", "HolidayPeriod"))


class Migration(migrations.Migration):
    dependencies = [("viescolaire_diffusion", "0001_initial")]

    operations = [migrations.RunPython(seed_calendar, migrations.RunPython.noop)]
