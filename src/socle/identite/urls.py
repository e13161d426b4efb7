"""Identité's pages, mounted at /identite/ (French paths: the users are French)."""

from django.urls import path

from . import views
from .models import CodePurpose

app_name = "identite"
urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("connexion/code/", views.login_totp_view, name="login_totp"),
    path("double-authentification/", views.totp_enrol_view, name="totp_enrol"),
    path("double-authentification/retirer/", views.totp_remove_view, name="totp_remove"),
    path("activation/", views.code_view, {"purpose": CodePurpose.ACTIVATION}, name="activation"),
    path("activation/demande/", views.activation_request_view, name="activation_request"),
    path("mot-de-passe-oublie/", views.reset_request_view, name="reset_request"),
    path("mot-de-passe-oublie/code/", views.code_view, {"purpose": CodePurpose.RESET}, name="reset"),
    path("compte/", views.account_view, name="account"),
    path("compte/mot-de-passe/", views.PasswordChange.as_view(), name="password_change"),
    path("compte/sessions/<int:session_id>/fermer/", views.session_revoke_view, name="session_revoke"),
    path("compte/services/<str:key>/revoquer/", views.service_revoke_view, name="service_revoke"),
    path("etablissements/<str:uai>/lettres/", views.school_letters_view, name="school_letters"),
    path(
        "etablissements/<str:uai>/classes/<uuid:class_uid>/lettres/",
        views.class_letters_view,
        name="class_letters",
    ),
]
