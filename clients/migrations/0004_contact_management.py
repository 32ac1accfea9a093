import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import clients.models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_consent_via_address_check"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="must_change_password",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="AgentPreferences",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("contact_list_columns", models.JSONField(blank=True, default=list)),
                ("quick_add_collapsed", models.BooleanField(default=False)),
                (
                    "invitation_message",
                    models.TextField(
                        blank=True,
                        help_text="Sent with every portal invitation. Your login link is added below it.",
                        max_length=2000,
                        verbose_name="default invitation message",
                    ),
                ),
                ("portal_card_fields", models.JSONField(blank=True, default=list)),
                (
                    "notify_on_favorite",
                    models.BooleanField(default=True, verbose_name="a client favorites a listing"),
                ),
                (
                    "notify_on_comment",
                    models.BooleanField(
                        default=True, verbose_name="a client comments on a listing"
                    ),
                ),
                (
                    "notify_on_saved_search",
                    models.BooleanField(default=True, verbose_name="a client saves a search"),
                ),
                (
                    "notify_on_message",
                    models.BooleanField(default=True, verbose_name="a client sends you a message"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "agent",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="preferences",
                        to="clients.agent",
                    ),
                ),
            ],
            options={"verbose_name_plural": "agent preferences"},
        ),
        migrations.CreateModel(
            name="ContactImport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "file",
                    models.FileField(max_length=300, storage=clients.models.private_upload_storage, upload_to=clients.models.contact_import_path),
                ),
                ("original_name", models.CharField(blank=True, max_length=255)),
                (
                    "delimiter",
                    models.CharField(
                        choices=[
                            ("auto", "Detect automatically"),
                            (",", "Comma ( , )"),
                            (";", "Semicolon ( ; )"),
                            ("\t", "Tab"),
                            ("|", "Pipe ( | )"),
                        ],
                        default="auto",
                        max_length=4,
                    ),
                ),
                ("detected_format", models.CharField(blank=True, max_length=40)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("uploaded", "Uploaded"),
                            ("previewed", "Ready to import"),
                            ("queued", "Waiting to import"),
                            ("running", "Importing"),
                            ("done", "Imported"),
                            ("failed", "Failed"),
                        ],
                        default="uploaded",
                        max_length=10,
                    ),
                ),
                ("total_rows", models.PositiveIntegerField(default=0)),
                ("processed_rows", models.PositiveIntegerField(default=0)),
                ("created_count", models.PositiveIntegerField(default=0)),
                ("merged_count", models.PositiveIntegerField(default=0)),
                ("error_count", models.PositiveIntegerField(default=0)),
                ("summary", models.JSONField(blank=True, default=dict)),
                ("failure", models.CharField(blank=True, max_length=500)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "agent",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_imports",
                        to="clients.agent",
                    ),
                ),
            ],
            options={"ordering": ["-created_at"]},
        ),
        migrations.CreateModel(
            name="PortalLogin",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="portal_logins",
                        to="clients.contact",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(
                        fields=["contact", "-created_at"], name="clients_por_contact_9e9759_idx"
                    )
                ],
            },
        ),
    ]
