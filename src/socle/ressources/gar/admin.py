from django.contrib import admin

from .models import Assignment, AssignmentEvent, Distributor, Subscription, SubscriptionSchool


@admin.register(Distributor)
class DistributorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "enabled", "token_prefix"]
    readonly_fields = ["token_prefix", "created_at"]
    search_fields = ["code", "name"]


class SchoolInline(admin.TabularInline):
    model = SubscriptionSchool
    extra = 0


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["subscription_id", "resource_label", "distributor", "assignment_type", "valid_until"]
    list_filter = ["assignment_type", "transferable"]
    search_fields = ["subscription_id", "resource_ark", "resource_label"]
    inlines = [SchoolInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["subscription", "uai", "target_label", "created_by", "created_at"]
    list_filter = ["target_kind"]


@admin.register(AssignmentEvent)
class AssignmentEventAdmin(admin.ModelAdmin):
    list_display = ["at", "uai", "action", "target_label", "actor"]
