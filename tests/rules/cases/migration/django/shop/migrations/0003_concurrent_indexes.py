from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_order_changes")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["placed_at"], name="shop_order_placed_idx"),
        ),
    ]
