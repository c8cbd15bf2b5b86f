from django.db import migrations

# The rows were copied to sharing.Share / sharing.ShareAccess by sharing 0002 first.


class Migration(migrations.Migration):

    dependencies = [
        ('selfcheck', '0004_factor_set_versions_and_frozen_results'),
        ('sharing', '0002_from_selfcheck_shares'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='sheetshare', name='one_active_share'),
        migrations.DeleteModel(name='ReportDownload'),
        migrations.DeleteModel(name='SheetShare'),
    ]
