"""The client registry, managed by operators: django-oauth-toolkit's Application admin with
Socle's profile (subject type, sector, released scopes) inline."""

from django.contrib import admin
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from .models import ClientProfile, ResourceServer

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


@admin.register(ResourceServer)
class ResourceServerAdmin(admin.ModelAdmin):
    """The APIs allowed to introspect tokens, and the clients whose tokens each one receives."""

    list_display = ["application", "auth_method", "enabled", "organisation"]
    list_filter = ["auth_method", "enabled"]
    raw_id_fields = ["application"]
    filter_horizontal = ["served_clients"]
