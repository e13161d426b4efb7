"""The Référentiel's public interface: every other brick reads the registry through these
functions, never through the models directly."""

from django.db.models import QuerySet

from .models import Etablissement


def schools(**filters) -> QuerySet[Etablissement]:
    return Etablissement.objects.filter(**filters).select_related("departement", "academie", "commune")
