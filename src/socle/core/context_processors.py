from django.conf import settings


def platform(request):
    return {
        "SOCLE_DSFR": settings.SOCLE_DSFR,
        "SOCLE_SERVICE_NAME": settings.SOCLE_SERVICE_NAME,
        "SOCLE_SERVICE_TAGLINE": settings.SOCLE_SERVICE_TAGLINE,
    }
