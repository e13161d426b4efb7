"""Identité's CAS 3.0 server, written here: no maintained Django CAS server library supports
Django 5.2 (django-mama-cas, the usual choice, is unmaintained since 2021)."""
