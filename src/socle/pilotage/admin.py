from django.contrib import admin

from .models import Indicator, IndicatorValue, IndicatorVersion


class VersionInline(admin.TabularInline):
    model = IndicatorVersion
    extra = 0
    readonly_fields = ("version", "definition", "parameters", "created_at")
    can_delete = False


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "unit", "current_version")
    readonly_fields = ("current_version",)
    inlines = [VersionInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ("indicator_code", "vintage", "level", "territory_code", "value", "coverage", "version")
    list_filter = ("level", "vintage", "indicator_code")
    search_fields = ("territory_code",)
