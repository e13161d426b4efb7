"""Identité's OpenID Connect provider (django-oauth-toolkit underneath): pairwise subjects,
ÉduConnect-named claims per scope, consent for third-party clients, a client registry managed by
operators in the admin."""
