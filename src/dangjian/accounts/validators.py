"""Password rules beyond Django's own (IA-02): at least N of the four character classes."""

from django.core.exceptions import ValidationError


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() and c.isascii() for c in password),
        any(c.isupper() and c.isascii() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、特殊符号中的至少 {self.min_classes} 类。"


def _roles_of(user) -> set[str]:
    if user is None or user.pk is None:
        return set()
    from dangjian.accounts.models import RoleAssignment

    return set(RoleAssignment.objects.filter(user=user).values_list("role__code", flat=True))


class AdministratorLengthValidator:
    """IA-02 (ASVS 2.1.1): a longer minimum for the administrator roles (default 12 characters for the three
    administrators and the organization-department administrator, `DANGJIAN_PASSWORD_ADMIN_ROLES`).

    It applies to accounts holding such a role when the password is set; a role granted later takes effect at the
    next change (one-time passwords are 19 random characters, and passwords expire after 90 days)."""

    def __init__(self, min_length: int = 12, roles=None):
        self.min_length = min_length
        self.roles = set(roles or ())

    def validate(self, password, user=None):
        if len(password) < self.min_length and _roles_of(user) & self.roles:
            raise ValidationError(
                f"管理员账号的密码至少 {self.min_length} 个字符。", code="password_too_short_for_administrator"
            )

    def get_help_text(self):
        return f"管理员账号的密码至少 {self.min_length} 个字符。"


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def personal_fragments(user) -> list[str]:
    """What a password must not contain (IA-02): the username, and when the account is linked to a roster member
    (`orglife.MemberAccount`), that member's phone number and ID number (decrypted only here, never shown) with
    the usual weak parts of them: the last 6 digits of either and the 8-digit birth date inside the ID number."""
    fragments = []
    username = (getattr(user, "username", "") or "").strip().lower()
    if len(username) >= 3:
        fragments.append(username)
    if user is None or user.pk is None:
        return fragments
    from django.apps import apps

    link = apps.get_model("orglife", "MemberAccount").objects.select_related("member").filter(user=user).first()
    if link is None:
        return fragments
    member = link.member
    phone = _digits(member.get_secret("phone") if member.phone_cipher else "")
    if phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if len(phone) >= 7:
        fragments += [phone, phone[-6:]]
    number = (member.get_secret("id_number") if member.id_number_cipher else "").replace(" ", "").lower()
    if len(number) >= 15:
        fragments += [number, number[-6:]]
        if len(number) == 18:
            fragments.append(number[6:14])
    return fragments


class PersonalDataValidator:
    """IA-02: the password must not contain the username, the linked member's phone or ID number."""

    def validate(self, password, user=None):
        folded = password.lower()
        if any(fragment in folded for fragment in personal_fragments(user)):
            raise ValidationError(
                "密码不能包含账号名、本人的手机号码或身份证号码（含其后 6 位和出生日期）。",
                code="password_contains_personal_data",
            )

    def get_help_text(self):
        return "密码不能包含账号名、本人的手机号码或身份证号码。"
