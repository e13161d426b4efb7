from django.contrib import admin

from .models import CasService


@admin.register(CasService)
class CasServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "service_url", "enabled", "single_logout", "organisation"]
    list_filter = ["enabled", "single_logout"]
    search_fields = ["name", "service_url", "organisation"]
