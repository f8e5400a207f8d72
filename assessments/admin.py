"""Read-mostly admin for instruments: versions are immutable and loaded from files."""

from django.contrib import admin

from assessments.models import (
    Instrument,
    InstrumentVersion,
    LicenceAcknowledgement,
    PracticeCitedValue,
    PracticeInstrumentSettings,
)


class InstrumentVersionInline(admin.TabularInline):
    model = InstrumentVersion
    fields = ["number", "label", "source_name", "content_hash", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "practice", "is_active", "current_version"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "practice", "family", "current_version", "uploaded_by"]
    inlines = [InstrumentVersionInline]


@admin.register(LicenceAcknowledgement)
class LicenceAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["instrument", "practice", "acknowledged_by_email", "acknowledged_at"]
    readonly_fields = [
        "practice",
        "instrument",
        "licence_hash",
        "acknowledged_by",
        "acknowledged_by_email",
    ]


@admin.register(PracticeInstrumentSettings)
class PracticeInstrumentSettingsAdmin(admin.ModelAdmin):
    list_display = ["instrument", "practice", "classification_rule", "rci_critical_value"]


@admin.register(PracticeCitedValue)
class PracticeCitedValueAdmin(admin.ModelAdmin):
    list_display = ["instrument", "practice", "subscale", "kind", "value"]
    search_fields = ["citation"]
