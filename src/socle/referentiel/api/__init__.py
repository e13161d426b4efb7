"""The Référentiel read API (django-ninja): routes in `routes`, response schemas in `schemas`,
keyset pagination in `pagination`. `socle.urls` mounts `api` at /api/referentiel/."""

from .routes import api

__all__ = ["api"]
