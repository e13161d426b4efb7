"""Upstream identity federation: guardians sign in with a FranceConnect-style OpenID Connect
provider (configurable issuer). The first time, their identity is matched to a guardian of the
registry by its pivot identity, and linked only after an explicit confirmation (the birth dates of
their children, as ÉduConnect asks)."""
