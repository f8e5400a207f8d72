from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0008_audit_chain"),
    ]

    operations = [
        migrations.AddField(
            model_name="practice",
            name="progress_rebuild_requested_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="A rebuild of every dashboard row is wanted (practice.progress); "
                "cleared when one finishes, swept if its message was lost.",
                null=True,
            ),
        ),
    ]
