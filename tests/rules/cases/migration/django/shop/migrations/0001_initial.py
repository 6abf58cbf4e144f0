from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254)),
                ("fax", models.CharField(max_length=30, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("number", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=20)),
                ("note", models.CharField(max_length=200, null=True)),
                ("total", models.DecimalField(max_digits=10, decimal_places=2)),
                ("quantity", models.IntegerField()),
                ("placed_at", models.DateTimeField(null=True)),
                ("customer", models.ForeignKey(on_delete=models.CASCADE, to="shop.customer")),
            ],
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["number"], name="shop_order_number_idx"),
        ),
    ]
