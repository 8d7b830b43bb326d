from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agent", "0001_initial"),
        ("service", "0002_handover_tickets_become_requests"),  # the tickets' data moves first
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="address",
            field=models.GenericIPAddressField(
                blank=True,
                help_text="where a visitor's conversation came from: handovers are limited by it",
                null=True,
            ),
        ),
        migrations.DeleteModel(name="HandoverTicket"),
    ]
