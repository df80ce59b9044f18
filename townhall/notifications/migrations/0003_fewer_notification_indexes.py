"""Fewer indexes written with every message: the organisation is covered by (organisation, case_reference),
and case references and provider ids are looked up exactly, so they lose their LIKE-pattern copies."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_fewer_audit_indexes"),
        ("notifications", "0002_inbound_closed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="case_reference",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name="notification",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notifications",
                to="core.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="provider_id",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["case_reference"], name="notification_case_reference"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["provider_id"], name="notification_provider_id"),
        ),
    ]
