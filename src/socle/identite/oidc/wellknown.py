"""Included at the site root: OIDC Discovery requires `<issuer>/.well-known/openid-configuration`."""

from django.urls import path

from .views import DiscoveryView

urlpatterns = [
    path(".well-known/openid-configuration", DiscoveryView.as_view(), name="openid-configuration"),
]
