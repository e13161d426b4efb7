"""A short path through the middleware stack for the xAPI endpoints.

xAPI clients authenticate every request with HTTP Basic or a bearer token (`http.authenticate`)
and never use a session, a CSRF token, the messages framework, OTP, the audit log's user
tracking, django-axes (which guards the *login* views) nor the locale: for /xapi/ that work is
pure per-request overhead. Placed right after SecurityMiddleware (which still applies to every
response), this middleware answers /xapi/ requests by calling the Traces view directly and
hands every other request to the rest of the stack unchanged. A path under /xapi/ that no
Traces view serves also goes the normal way (so 404 pages, APPEND_SLASH… behave as before).

Installed in src/socle/settings/base.py:

    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "socle.traces.middleware.XAPIShortPathMiddleware",
        ...
    ]
"""

from __future__ import annotations

from functools import cache

from django.urls import Resolver404, get_resolver, reverse


@cache
def xapi_prefix() -> str:
    """The path under which the Traces URLs are mounted ("/xapi/" by default)."""
    return reverse("traces:about").rsplit("about", 1)[0]


class XAPIShortPathMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(xapi_prefix()):
            try:
                match = get_resolver().resolve(path)
            except Resolver404:
                match = None
            if match is not None and match.namespace == "traces":
                request.resolver_match = match
                return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
