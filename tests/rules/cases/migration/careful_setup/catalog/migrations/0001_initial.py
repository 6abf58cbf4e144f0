from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("sku", models.CharField(max_length=40, unique=True)),
                ("name", models.CharField(max_length=100)),
            ],
        ),
        migrations.AddIndex(model_name="product", index=models.Index(fields=["name"], name="product_name_idx")),
    ]
