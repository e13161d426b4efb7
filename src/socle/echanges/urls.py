"""URLs of the exchange formats: the OneRoster 1.2 rostering service and its token endpoint."""

from django.urls import path, re_path

from .oneroster import api

urlpatterns = [
    path("token", api.token, name="oneroster-token"),
    re_path(r"^rostering/v1p2/(?P<subpath>(?s:.+))\Z", api.rostering, name="oneroster-rostering"),
    re_path(r"^", api.unknown_path),
]
