"""django-oauth-toolkit scopes backend: the catalogue of scopes, narrowed per client to what its
operator allowed (attribute release)."""

from oauth2_provider.scopes import BaseScopes

from .scopes_catalogue import SCOPES


class ClientScopes(BaseScopes):
    def get_all_scopes(self):
        return {name: str(label) for name, label in SCOPES.items()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return list(SCOPES)
        from .models import profile_of

        return profile_of(application).scopes

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return ["openid"]
