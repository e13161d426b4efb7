from django.contrib import admin
from django.urls import include, path, re_path

from socle.referentiel.api import api as referentiel_api
from socle.ressources.api import api as ressources_api
from socle.traces.views import unknown_path as xapi_unknown_path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/referentiel/", referentiel_api.urls),
    path("xapi/", include("socle.traces.urls")),
    # Any other path under /xapi/: xAPI's JSON 404, through the full middleware stack.
    re_path(r"^xapi/", xapi_unknown_path),
    path("", include("socle.core.urls")),
    # Operations: liveness and readiness (/sante/…), the scheduled jobs' page and API (/exploitation/).
    path("", include("socle.operations.urls")),
    path("referentiel/", include("socle.referentiel.urls")),
    path("admin/", admin.site.urls),
    # OneRoster 1.2 rostering service and its OAuth 2 token endpoint (socle.echanges).
    path("ims/oneroster/", include("socle.echanges.urls")),
    path("identite/", include("socle.identite.urls")),
    # Identité protocols: OIDC discovery at the root (OIDC Discovery), the provider under /oidc/.
    path("", include("socle.identite.oidc.wellknown")),
    path("oidc/", include("socle.identite.oidc.urls")),
    path("cas/", include("socle.identite.cas.urls")),
    path("saml/", include("socle.identite.saml.urls")),
    path("federation/", include("socle.identite.federation.urls")),
    # Ressources: catalogue, médiacentre, console d'affectation; the GAR-like subscription web
    # service keeps the real GAR's path shape.
    path("ressources/", include("socle.ressources.urls")),
    path("api/ressources/", ressources_api.urls),
    path("ressources/acces/", include("socle.ressources.gar.urls")),
    path("abonnements-ws/", include("socle.ressources.gar.ws_urls")),
    path("vie-scolaire/", include("socle.viescolaire.urls")),
    path("vie-scolaire/diffusion/", include("socle.viescolaire.diffusion.urls")),
    path("pilotage/", include("socle.pilotage.urls")),
    path("pilotage/collecte/", include("socle.pilotage.collecte.urls")),
    path("competences/", include("socle.competences.urls")),
]

# The 500 page goes through the common base template without touching the database.
handler500 = "socle.core.views.server_error"
