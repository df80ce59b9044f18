"""A journey's organisation is indexed with its status (Meta): no index of its own, written with every journey."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_fewer_audit_indexes"),
        ("journeys", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="journeysession",
            name="organisation",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.organisation"
            ),
        ),
    ]
