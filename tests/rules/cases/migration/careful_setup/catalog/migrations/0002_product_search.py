from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.AddField(model_name="product", name="summary", field=models.TextField(null=True)),
        migrations.AlterField(model_name="product", name="name", field=models.CharField(max_length=200)),
        AddIndexConcurrently(
            model_name="product", index=models.Index(fields=["summary"], name="product_summary_idx")
        ),
        migrations.RunSQL(
            "ALTER TABLE catalog_product ADD CONSTRAINT product_name_len CHECK (length(name) > 0) NOT VALID",
            reverse_sql="ALTER TABLE catalog_product DROP CONSTRAINT product_name_len",
        ),
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
