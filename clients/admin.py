from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction

from notifications.services import agent_welcome_send

from .models import (
    Agent,
    AgentPreferences,
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactGroup,
    ContactImport,
    User,
)
from .services import agent_create


class UserAdminCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "role")


class UserAdminChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAdminCreationForm
    form = UserAdminChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "role"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "role", "usable_password", "password1", "password2"],
            },
        ),
    ]


class AgentAddForm(forms.ModelForm):
    """Adding an agent creates their login too; they get an email to choose a password."""

    email = forms.EmailField(help_text="The agent logs in with this address.")
    send_welcome = forms.BooleanField(
        required=False, initial=True, label="Email a link to choose a password"
    )

    class Meta:
        model = Agent
        fields = ["display_name", "title", "brokerage_name", "phone_mobile", "brand_color"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(f"There is already an account for {email}.")
        return email


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["display_name", "brokerage_name", "user", "phone_mobile"]
    search_fields = ["display_name", "brokerage_name", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    actions = ["send_welcome"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AgentAddForm
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["email", *AgentAddForm.Meta.fields, "send_welcome"]})]
        return super().get_fieldsets(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        with transaction.atomic():
            agent = agent_create(
                email=data["email"],
                display_name=data["display_name"],
                title=data["title"],
                brokerage_name=data["brokerage_name"],
                phone_mobile=data["phone_mobile"],
                brand_color=data["brand_color"],
            )
        if data.get("send_welcome"):
            agent_welcome_send(agent=agent)
        # The admin's change view and messages need the saved instance's primary key.
        obj.pk = agent.pk
        obj.user = agent.user

    @admin.action(description="Email a set-password link")
    def send_welcome(self, request, queryset):
        for agent in queryset.select_related("user"):
            agent_welcome_send(agent=agent)
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


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "contact", "kind", "via", "actor", "detail"]
    list_filter = ["kind", "via"]
    list_select_related = ["contact", "actor"]
    raw_id_fields = ["contact", "actor"]


@admin.register(AgentPreferences)
class AgentPreferencesAdmin(admin.ModelAdmin):
    list_display = ["agent", "quick_add_collapsed", "updated_at"]
    search_fields = ["agent__display_name", "agent__user__email"]
    raw_id_fields = ["agent"]


@admin.register(ContactImport)
class ContactImportAdmin(admin.ModelAdmin):
    # Read-only: an address book is the agent's; staff see what happened, not the file.
    list_display = ["agent", "original_name", "status", "total_rows", "created_count", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ContactImport._meta.fields if f.name != "file"]
    exclude = ["file"]

    def has_add_permission(self, request) -> bool:
        return False
