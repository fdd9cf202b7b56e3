"""Device secrets become encrypted columns (schema only; the rows are
encrypted by 0003 and the format is enforced by 0004), the 1001 hardware
fingerprint and key creation time, and the pending 1002/1014 commands."""

import django.core.validators
import django.db.models.deletion
import greenloop.monitoring.secrets
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='DeviceCommand',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('1002', '设置数采仪入网编码(1002)'), ('1014', '下发新密钥(1014)')], max_length=4, verbose_name='命令')),
                ('status', models.CharField(choices=[('PENDING', '待下发'), ('SENT', '已下发'), ('ACKNOWLEDGED', '设备已应答'), ('DONE', '已完成'), ('FAILED', '失败'), ('CANCELLED', '已撤销')], default='PENDING', max_length=12, verbose_name='状态')),
                ('qn', models.CharField(max_length=20, verbose_name='请求编码(QN)')),
                ('new_mn', models.CharField(blank=True, max_length=64, verbose_name='新入网编码(MN)')),
                ('logger_id', models.CharField(blank=True, max_length=64, verbose_name='数采仪编号')),
                ('new_sm4_key', greenloop.monitoring.secrets.EncryptedCharField(blank=True, max_length=255, plain_max_length=32, verbose_name='新密钥')),
                ('sk_created_at', models.DateTimeField(blank=True, null=True, verbose_name='新密钥生成时间')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('created_by', models.CharField(blank=True, max_length=150, verbose_name='发起人')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='下发时间')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='下发次数')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='请求应答时间')),
                ('qn_rtn', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='请求应答(QnRtn)')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('exe_rtn', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='执行结果(ExeRtn)')),
                ('detail', models.CharField(blank=True, max_length=200, verbose_name='说明')),
            ],
            options={
                'verbose_name': '设备命令',
                'verbose_name_plural': '设备命令',
            },
        ),
        migrations.RemoveConstraint(
            model_name='device',
            name='monitoring_device_sm4_key_hex',
        ),
        migrations.AddField(
            model_name='device',
            name='hardware',
            field=models.JSONField(blank=True, default=dict, verbose_name='硬件标识'),
        ),
        migrations.AddField(
            model_name='device',
            name='sm4_key_created_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='密钥生成时间'),
        ),
        migrations.AlterField(
            model_name='device',
            name='password',
            field=greenloop.monitoring.secrets.EncryptedCharField(max_length=255, plain_max_length=64, verbose_name='访问密码(PW)'),
        ),
        migrations.AlterField(
            model_name='device',
            name='sm4_key',
            field=greenloop.monitoring.secrets.EncryptedCharField(blank=True, max_length=255, plain_max_length=32, validators=[django.core.validators.RegexValidator('^[0-9A-Fa-f]{32}$', 'SM4密钥为32位十六进制数字。')], verbose_name='SM4密钥(十六进制)'),
        ),
        migrations.AddField(
            model_name='devicecommand',
            name='device',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commands', to='monitoring.device', verbose_name='监测设备'),
        ),
        migrations.AddIndex(
            model_name='devicecommand',
            index=models.Index(fields=['status', 'device'], name='monitoring_command_open'),
        ),
        migrations.AddConstraint(
            model_name='devicecommand',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['PENDING', 'SENT', 'ACKNOWLEDGED'])), fields=('device', 'kind'), name='monitoring_command_one_open'),
        ),
        migrations.AddConstraint(
            model_name='devicecommand',
            constraint=models.CheckConstraint(condition=models.Q(('new_sm4_key', ''), ('new_sm4_key__startswith', 'gl1$'), _connector='OR'), name='monitoring_command_key_encrypted'),
        ),
    ]
