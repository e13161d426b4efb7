from django.contrib import admin
from django.urls import include, path

from socle.referentiel.api import api as referentiel_api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/referentiel/", referentiel_api.urls),
    path("", include("socle.core.urls")),
    path("referentiel/", include("socle.referentiel.urls")),
    path("admin/", admin.site.urls),
    # OneRoster 1.2 rostering service and its OAuth 2 token endpoint (socle.echanges).
    path("ims/oneroster/", include("socle.echanges.urls")),
]

# The 500 page goes through the common base template without touching the database.
handler500 = "socle.core.views.server_error"
