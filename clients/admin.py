from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Agent, Contact, ContactEmail, ContactGroup, User
from .services import agent_send_welcome


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]}),
    ]


class AgentAdminForm(forms.ModelForm):
    class Meta:
        model = Agent
        fields = "__all__"


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    form = AgentAdminForm
    list_display = ["display_name", "brokerage_name", "user", "phone_mobile"]
    search_fields = ["display_name", "brokerage_name", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    actions = ["send_welcome"]

    @admin.action(description="Email a set-password link")
    def send_welcome(self, request, queryset):
        for agent in queryset.select_related("user"):
            agent_send_welcome(agent=agent)
        self.message_user(request, f"Sent {queryset.count()} link(s).", messages.SUCCESS)


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "agent", "status", "user", "email_opted_out_at", "created_at"]
    list_filter = ["status", "agent"]
    search_fields = ["first_name", "last_name", "emails__address", "agent__display_name"]
    list_select_related = ["agent", "user"]
    raw_id_fields = ["agent", "user"]
    filter_horizontal = ["groups"]
    inlines = [ContactEmailInline]


@admin.register(ContactGroup)
class ContactGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "agent"]
    list_select_related = ["agent"]
    search_fields = ["name"]
