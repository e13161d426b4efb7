"""Per-client policies that django-oauth-toolkit asks for by client id."""


def pkce_required(client_id: str) -> bool:
    """PKCE (S256 only, see settings) is mandatory for public clients, and for confidential ones
    unless their operator turned it off."""
    from oauth2_provider.models import get_application_model

    from .models import profile_of

    application = get_application_model().objects.filter(client_id=client_id).first()
    if application is None:
        return True
    if application.client_type == application.CLIENT_PUBLIC:
        return True
    return profile_of(application).require_pkce
