def default_to_rs256(sender, instance, **kwargs):
    """ID tokens are signed with the provider's RSA key (published in the JWKS) unless an operator
    chose otherwise for this client."""
    if not instance.algorithm:
        instance.algorithm = instance.RS256_ALGORITHM
