"""Identité's SAML 2.0 identity provider, on pysaml2's `saml2.server.Server` (djangosaml2idp, the
Django wrapper, is unmaintained): metadata, SSO over HTTP-Redirect and HTTP-POST, responses and
assertions signed with RSA-SHA256, optional encryption, SP-initiated single logout."""
