"""clients/ pages, by face. portal_project.urls_agent / urls_portal gather every app's lists."""

from django.urls import path

from .views import agent, contacts, invitations

agent_urlpatterns = [
    path("", agent.agent_home, name="home"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/quick-add/", contacts.contact_quick_add_view, name="contact_quick_add"),
    path("contacts/quick-add/toggle/", contacts.quick_add_toggle, name="quick_add_toggle"),
    path("contacts/bulk/", contacts.contacts_bulk, name="contacts_bulk"),
    path("contacts/columns/", contacts.columns_customize, name="contact_columns"),
    path("contacts/groups/", contacts.group_list, name="group_list"),
    path("contacts/groups/<int:pk>/rename/", contacts.group_rename_view, name="group_rename"),
    path("contacts/groups/<int:pk>/remove/", contacts.group_delete_view, name="group_delete"),
    path("contacts/export/", contacts.contacts_export, name="contacts_export"),
    path("contacts/import/", contacts.import_upload, name="import_upload"),
    path("contacts/import/<uuid:token>/", contacts.import_preview, name="import_preview"),
    path("contacts/import/<uuid:token>/confirm/", contacts.import_confirm, name="import_confirm"),
    path("contacts/import/<uuid:token>/status/", contacts.import_status, name="import_status"),
    path("contacts/portal-accounts/", contacts.portal_accounts, name="portal_accounts"),
    path(
        "contacts/portal-accounts/<str:token>.csv",
        contacts.portal_accounts_download,
        name="portal_accounts_download",
    ),
    path("contacts/summary/", contacts.contact_summary_view, name="contact_summary"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete_view, name="contact_delete"),
    path("contacts/<int:pk>/deactivate/", contacts.contact_deactivate, name="contact_deactivate"),
    path("contacts/<int:pk>/restore/", agent.contact_restore, name="contact_restore"),
    path("contacts/<int:pk>/status/", agent.contact_status, name="contact_status"),
    path("contacts/<int:pk>/invite/", agent.contact_invite, name="contact_invite"),
    path("contacts/<int:pk>/listings/", agent.contact_listings, name="contact_listings"),
    path(
        "contacts/<int:pk>/listings/<int:listing_pk>/comments/",
        agent.contact_listing_comment,
        name="contact_listing_comment",
    ),
    path("contacts/invalid-emails/", agent.invalid_emails, name="invalid_emails"),
    path("contacts/emails/<int:pk>/edit/", agent.contact_email_edit, name="contact_email_edit"),
    path(
        "contacts/emails/<int:pk>/remove/", agent.contact_email_remove, name="contact_email_remove"
    ),
    path("settings/profile/", agent.profile_edit, name="profile_edit"),
    path("settings/portal/", contacts.portal_preferences, name="portal_preferences"),
]

portal_urlpatterns: list = [
    path(
        "invitation/<str:uidb36>/<str:key>/",
        invitations.invitation_accept,
        name="invitation_accept",
    ),
    path(
        "invitation/<str:uidb36>/<str:key>/request/",
        invitations.invitation_request,
        name="invitation_request",
    ),
]
