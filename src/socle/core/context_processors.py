"""Values every page of every brick needs: the service name, the theme switch and the main
navigation. Nothing here touches the database (the 500 page renders it without one)."""

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (label, URL name) of the main navigation; bricks add their entry here when they get pages.
MAIN_NAVIGATION = [
    (_("Home"), "core:home"),
    (_("Registry"), "referentiel:school_list"),
    (_("Resources"), "ressources:search"),
    (_("My resources"), "ressources_gar:mediacentre"),
    (_("School life"), "viescolaire:inbox"),
    (_("Digital skills"), "competences:home"),
    (_("Steering"), "pilotage:dashboard"),
]


def main_navigation(path: str) -> list[dict]:
    items = []
    for label, url_name in MAIN_NAVIGATION:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        # The home page is current only on itself; a brick's entry is current on all its pages.
        current = path == url if url == "/" else path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return items


def platform(request):
    return {
        "SOCLE_DSFR": settings.SOCLE_DSFR,
        "SOCLE_SERVICE_NAME": settings.SOCLE_SERVICE_NAME,
        "SOCLE_SERVICE_TAGLINE": settings.SOCLE_SERVICE_TAGLINE,
        "SOCLE_MAIN_NAVIGATION": main_navigation(getattr(request, "path", "")),
        # The header's "Log in" goes to the platform's login (settings.LOGIN_URL: Identité's,
        # with its second factor, once that brick is installed).
        "SOCLE_LOGIN_URL": resolve_url(settings.LOGIN_URL),
    }
