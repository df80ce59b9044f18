"""Drop indexes no query needs: every case and case event wrote them (issue 3's load benchmark).

Every read of cases is within one organisation (``cases.selectors.cases._base``), so indexes that lead
with the organisation serve them all:

* ``organisation`` alone, and (organisation, assignee): covered by ``case_queue_newest`` and
  ``case_queue_assignee``;
* ``name_search`` and ``postcode_search`` alone (each with a LIKE-pattern copy on PostgreSQL): a name
  search is ``LIKE '%text%'``, which no btree serves; the postcode is ``case_queue_postcode``;
* on PostgreSQL the trigram index on ``name_search`` alone (0002): ``cases_case_org_name_trgm`` (0005)
  serves the organisation's name search;
* a case's events by ``case`` alone: covered by (case, occurred_at).
"""

import django.db.models.deletion
from django.db import migrations, models


def drop_name_trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS cases_case_name_search_trgm")


def restore_name_trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS cases_case_name_search_trgm ON cases_case USING gin (name_search gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_case_queue_postcode"),
        ("core", "0002_fewer_audit_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="cases_case_organis_498a06_idx"),
        migrations.AlterField(
            model_name="case", name="name_search", field=models.CharField(blank=True, max_length=200)
        ),
        migrations.AlterField(
            model_name="case", name="postcode_search", field=models.CharField(blank=True, max_length=10)
        ),
        migrations.AlterField(
            model_name="case",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="core.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="events", to="cases.case"
            ),
        ),
        migrations.RunPython(drop_name_trigram, restore_name_trigram, elidable=False),
    ]
