"""Mounted at /oidc/ (namespace `oauth2_provider`, which django-oauth-toolkit reverses). The
discovery document is also served at the root: see `wellknown.py`."""

from django.urls import path
from oauth2_provider import views as dot

from . import introspection, views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("token/", dot.TokenView.as_view(), name="token"),
    path("revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", introspection.IntrospectTokenView.as_view(), name="introspect"),
    path(
        ".well-known/openid-configuration", views.DiscoveryView.as_view(), name="oidc-connect-discovery-info"
    ),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    path("logout/", views.LogoutView.as_view(), name="rp-initiated-logout"),
]
