from django.contrib import admin

from .models import ServiceProvider


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "entity_id", "enabled", "encrypt_assertions", "organisation", "updated_at"]
    list_filter = ["enabled", "encrypt_assertions"]
    search_fields = ["name", "entity_id", "organisation"]
