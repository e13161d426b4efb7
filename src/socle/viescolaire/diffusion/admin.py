from django.contrib import admin

from .models import HolidayPeriod, OperatorBounds, Publication, SchoolSettings


@admin.register(OperatorBounds)
class OperatorBoundsAdmin(admin.ModelAdmin):
    list_display = [
        "earliest_evening_start",
        "latest_evening_start",
        "earliest_morning_end",
        "latest_morning_end",
    ]


@admin.register(SchoolSettings)
class SchoolSettingsAdmin(admin.ModelAdmin):
    list_display = ["uai", "evening_start", "morning_end", "holiday_zone", "guardian_marks_delay_hours"]
    search_fields = ["uai"]


@admin.register(HolidayPeriod)
class HolidayPeriodAdmin(admin.ModelAdmin):
    list_display = ["zone", "school_year", "label", "first_day", "last_day"]
    list_filter = ["zone", "school_year"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = [
        "item_kind",
        "item_id",
        "school_uai",
        "written_at",
        "deliver_at",
        "delivered_at",
        "urgent",
    ]
    list_filter = ["urgent"]
    search_fields = ["school_uai", "item_id"]
    readonly_fields = [f.name for f in Publication._meta.fields]
