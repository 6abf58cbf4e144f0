from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("shop", "0003_concurrent_indexes")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["currency"], name="shop_order_currency_idx"),
        ),
        migrations.RunSQL(
            "ALTER TABLE shop_order ADD CONSTRAINT shop_order_ref_not_null "
            "CHECK (reference IS NOT NULL) NOT VALID",
            reverse_sql="ALTER TABLE shop_order DROP CONSTRAINT shop_order_ref_not_null",
        ),
    ]
