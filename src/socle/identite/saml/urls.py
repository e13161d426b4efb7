from django.urls import path

from . import views

app_name = "identite_saml"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("sso/redirect", views.sso_redirect, name="sso-redirect"),
    path("sso/post", views.sso_post, name="sso-post"),
    path("sso/resume", views.sso_resume, name="sso-resume"),
    path("slo/redirect", views.slo_redirect, name="slo-redirect"),
    path("slo/post", views.slo_post, name="slo-post"),
]
