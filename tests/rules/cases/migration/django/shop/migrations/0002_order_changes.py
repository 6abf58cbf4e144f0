import uuid

from django.db import migrations, models


def forwards(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(status="canceled").update(status="cancelled")


def backwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="customer", name="fax"),
        migrations.RenameField(model_name="order", old_name="number", new_name="reference"),
        migrations.AddField(
            model_name="order",
            name="currency",
            field=models.CharField(max_length=3),
        ),
        migrations.AlterField(
            model_name="order",
            name="quantity",
            field=models.BigIntegerField(),
        ),
        migrations.AlterField(
            model_name="order",
            name="placed_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["status"], name="shop_order_status_idx"),
        ),
        migrations.AddField(
            model_name="order",
            name="coupon",
            field=models.ForeignKey(null=True, on_delete=models.SET_NULL, to="shop.coupon"),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(condition=models.Q(total__gte=0), name="total_positive"),
        ),
        migrations.RunSQL("ALTER TABLE shop_order DROP COLUMN IF EXISTS legacy_flag"),
        migrations.DeleteModel(name="Wishlist"),
        # near misses
        migrations.AlterField(
            model_name="order",
            name="total",
            field=models.DecimalField(max_digits=12, decimal_places=2, help_text="incl. VAT"),
        ),
        migrations.AlterField(
            model_name="order",
            name="note",
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(
                max_length=20, choices=[("new", "New"), ("paid", "Paid"), ("cancelled", "Cancelled")]
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="order",
            name="gift",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("order", models.ForeignKey(on_delete=models.CASCADE, to="shop.order")),
            ],
        ),
        migrations.AddIndex(
            model_name="refund",
            index=models.Index(fields=["order"], name="shop_refund_order_idx"),
        ),
    ]
