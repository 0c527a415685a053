"""PRV-05/06/07: the second version of the privacy notice, naming the rights to request deletion and restriction
and the retention of applicants not admitted. Added only while the first version (0004) is the latest; a
deployment that published its own text keeps it (and publishes an updated one with `publish_notice`)."""

from importlib import import_module

from django.db import migrations

TITLE = "党员个人信息处理告知"
BODY = """本平台由部署单位（党委组织部门）运行，用于党员管理、组织生活、党费收缴、发展党员和党内统计。

一、处理的个人信息：姓名、性别、民族、出生日期、学历、公民身份号码、联系电话、家庭住址、党籍与组织关系信息、参加组织生活、缴纳党费、奖惩和积分等记录。公民身份号码、联系电话、家庭住址加密存储，屏幕和导出默认部分隐藏。政治面貌、民主评议等信息按敏感个人信息管理。

二、处理依据与目的：依据《中国共产党章程》和党内法规履行党员管理职责（《个人信息保护法》第十三条第一款第三项），仅用于上述党务工作，不向无关单位或个人提供，不用于其他目的。

三、保存期限：在党期间持续保存；出党、退党或死亡等离开后，按规定保存一定年限（由部署单位设定），期满后删除可识别个人身份的信息，只保留统计所需的不可识别信息。申请入党而未被接收的，自发展档案办结之日起保存一定年限后同样处理。

四、您的权利：您可以在“我的个人信息”页面查阅本人全部信息、下载副本；发现信息有误可申请更正；可申请删除联系电话、家庭住址和家庭成员等非必需信息（姓名、公民身份号码、入党和组织关系等党组织依规保存的信息除外）；可申请限制处理，同意后您的信息不列入任何导出，任何人不能查看您完整的公民身份号码、联系电话和家庭住址。所在党支部应在 30 日内答复，不予办理的说明理由。对本告知或个人信息处理有疑问，请联系所在党支部或上级党委组织部门。

五、安全措施：访问按党组织范围授权，查看完整个人信息和导出须具备权限并记入审计日志，完整信息的批量导出须经另一人审批。"""


def forwards(apps, schema_editor):
    notice = apps.get_model("security", "PrivacyNotice")
    first = import_module("dangjian.security.migrations.0004_privacy_notice_v1")
    latest = notice.objects.order_by("-version").first()
    if latest is not None and latest.version == 1 and latest.body == first.BODY:
        notice.objects.create(version=2, title=TITLE, body=BODY)


class Migration(migrations.Migration):
    dependencies = [("security", "0006_data_subject_requests")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
