from django.shortcuts import render

from . import services


def school_list(request):
    return render(request, "referentiel/school_list.html", {"schools": services.schools()[:50]})
