"""The client registry, managed by operators: django-oauth-toolkit's Application admin with
Socle's profile (subject type, sector, released scopes) inline."""

from django.contrib import admin
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from .models import ClientProfile

Application = get_application_model()


class ClientProfileInline(admin.StackedInline):
    model = ClientProfile
    can_delete = False
    extra = 1
    max_num = 1


BaseApplicationAdmin = oauth2_settings.APPLICATION_ADMIN_CLASS


class ApplicationAdmin(BaseApplicationAdmin):
    inlines = [ClientProfileInline]


if admin.site.is_registered(Application):
    admin.site.unregister(Application)
admin.site.register(Application, ApplicationAdmin)
