"""PRV-06: correction requests become data-subject requests (correction, deletion, restriction); the existing
rows are kept (renamed table, kind "correction"); restrictions of processing get their own table. AU-05: a
security alert kind for failed audit writes. PRV-07: why a person was anonymized (left / applicant)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ('members', '0005_import_created_runs_fewer_indexes'),
        ('security', '0005_anonymization'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("CorrectionRequest", "DataSubjectRequest"),
        migrations.AlterModelOptions(
            name='datasubjectrequest',
            options={'ordering': ['-submitted_on', '-pk'], 'verbose_name': '个人信息主体申请', 'verbose_name_plural': '个人信息主体申请'},
        ),
        migrations.AddField(
            model_name='datasubjectrequest',
            name='kind',
            field=models.CharField(choices=[('correction', '更正'), ('deletion', '删除'), ('restriction', '限制处理')], default='correction', max_length=16, verbose_name='申请事项'),
        ),
        migrations.AddField(
            model_name='datasubjectrequest',
            name='parts',
            field=models.JSONField(blank=True, default=list, verbose_name='申请删除的信息项'),
        ),
        migrations.AlterField(
            model_name='datasubjectrequest',
            name='explanation',
            field=models.CharField(blank=True, max_length=500, verbose_name='说明/理由'),
        ),
        migrations.AlterField(
            model_name='datasubjectrequest',
            name='item',
            field=models.CharField(max_length=100, verbose_name='涉及的信息'),
        ),
        migrations.AlterField(
            model_name='datasubjectrequest',
            name='proposed',
            field=models.CharField(blank=True, max_length=300, verbose_name='应更正为'),
        ),
        migrations.AlterField(
            model_name='datasubjectrequest',
            name='reasons',
            field=models.CharField(blank=True, max_length=500, verbose_name='答复意见/不予办理的理由'),
        ),
        migrations.AlterField(
            model_name='datasubjectrequest',
            name='status',
            field=models.CharField(choices=[('open', '待处理'), ('accepted', '已同意'), ('refused', '不予办理')], default='open', max_length=16, verbose_name='状态'),
        ),
        migrations.CreateModel(
            name='ProcessingRestriction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('since', models.DateField(verbose_name='限制处理起始日期')),
                ('lifted_on', models.DateField(blank=True, null=True, verbose_name='解除日期')),
                ('lift_reason', models.CharField(blank=True, max_length=500, verbose_name='解除理由')),
                ('lifted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='members.member')),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='security.datasubjectrequest')),
            ],
            options={
                'verbose_name': '个人信息限制处理',
                'verbose_name_plural': '个人信息限制处理',
                'constraints': [models.UniqueConstraint(condition=models.Q(('lifted_on__isnull', True)), fields=('member',), name='security_one_active_restriction')],
            },
        ),
        migrations.AlterField(
            model_name='securityalert',
            name='kind',
            field=models.CharField(choices=[('audit_chain', '审计链校验失败'), ('backup', '备份失败'), ('audit_write', '审计记录写入失败'), ('other', '其他')], max_length=32, verbose_name='类型'),
        ),
        migrations.AddField(
            model_name='anonymization',
            name='reason',
            field=models.CharField(choices=[('left', '离开满保存年限'), ('applicant', '未被接收的申请人')], default='left', max_length=16, verbose_name='依据'),
        ),
    ]
