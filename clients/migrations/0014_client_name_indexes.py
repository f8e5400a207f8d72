# The dashboard's sort by name (issue 17): read in order from an index leading with the
# practice (and the primary clinician) with LIMIT, in either direction, instead of sorting every
# client of the caseload. The first index replaces (practice, status, full_name), its prefix.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0012_client_attention"),
        ("practice", "0016_practice_overview_counts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="client",
            name="clients_cli_practic_e543e9_idx",
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["practice", "status", "full_name", "id"], name="client_name_practice"
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                fields=["practice", "primary_clinician", "status", "full_name", "id"],
                name="client_name_clinician",
            ),
        ),
    ]
