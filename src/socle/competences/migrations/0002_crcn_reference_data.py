"""The CRCN as versioned reference data: version CRCN-2019, its 5 domains, 16 competences and
8 levels, from `socle.competences.reference` (sources cited there: décret n° 2019-919 du 30 août
2019, arrêté du 30 août 2019 and its annex, article D.121-1 du code de l'éducation)."""

from django.db import migrations

from socle.competences.reference import CRCN_2019, load


def forward(apps, schema_editor):
    load(*(apps.get_model("competences", name) for name in ("Framework", "Domain", "Competence", "Level")))


def backward(apps, schema_editor):
    Framework = apps.get_model("competences", "Framework")
    framework = Framework.objects.filter(code=CRCN_2019["code"]).first()
    if framework is not None:
        for name in ("Competence", "Level", "Domain"):
            apps.get_model("competences", name).objects.filter(framework=framework).delete()
        framework.delete()


class Migration(migrations.Migration):
    dependencies = [("competences", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
