"""IA-02: parametrised over AUTH_PASSWORD_VALIDATORS (spec test column): every configured validator refuses what it
is there for and accepts a good password; lengths, personal data, the offline common-password list."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError

from dangjian.accounts import actions
from dangjian.accounts.models import User

GOOD = "Qv7#mLp2!zRw9x"  # 14 characters, four classes, on no list

# validator class name → (a password it must refuse, for which account: None, "plain" or "admin")
REFUSES = {
    "UserAttributeSimilarityValidator": ("Zhangwei_01", "plain"),  # close to the username zhangwei01
    "MinimumLengthValidator": ("Ab#4567", None),
    "CommonPasswordValidator": ("Password123", None),  # compared case-insensitively
    "CharacterClassValidator": ("abcdefghijkl", None),
    "AdministratorLengthValidator": ("Ab#45678901", "admin"),
    "PersonalDataValidator": ("xx-zhangwei01-Q7", "plain"),
}

CONFIGURED = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]


def test_every_required_validator_is_configured():
    assert set(REFUSES) == set(CONFIGURED)


@pytest.fixture
def accounts(orgs):
    from dangjian.accounts.models import Role, RoleAssignment

    plain = User.objects.create_user(username="zhangwei01", password=GOOD)
    admin = User.objects.create_user(username="secadmin9", password=GOOD)
    RoleAssignment.objects.create(
        user=admin, role=Role.objects.get(code="security_admin"), org=orgs["county"], separation="security"
    )
    return {None: None, "plain": plain, "admin": admin}


@pytest.mark.parametrize("name", CONFIGURED)
def test_each_configured_validator_refuses_its_case_and_accepts_a_good_password(name, accounts):
    (validator,) = [v for v in get_default_password_validators() if type(v).__name__ == name]
    password, who = REFUSES[name]
    user = accounts[who]
    with pytest.raises(ValidationError) as caught:
        validator.validate(password, user)
    assert all(any("\u4e00" <= c <= "\u9fff" for c in m) or "password" in m.lower() for m in caught.value.messages)
    validator.validate(GOOD, user)  # does not raise
    validate_password(GOOD, user)  # nor does the whole chain


def test_administrators_need_twelve_characters_others_eight(accounts):
    eleven = "Ab#45678XyZ"
    validate_password(eleven, accounts["plain"])
    with pytest.raises(ValidationError, match="至少 12 个字符"):
        validate_password(eleven, accounts["admin"])
    validate_password(eleven + "q", accounts["admin"])


def test_the_administrator_length_is_a_setting(accounts, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "dangjian.accounts.validators.AdministratorLengthValidator",
            "OPTIONS": {"min_length": 16, "roles": ["security_admin"]},
        }
    ]
    with pytest.raises(ValidationError, match="至少 16 个字符"):
        validate_password(GOOD, accounts["admin"])
    validate_password(GOOD, accounts["plain"])


@pytest.mark.parametrize("length", [64, 100, 128])
def test_long_passwords_are_accepted_and_never_truncated(accounts, length):
    user = accounts["admin"]
    password = ("Qv7#mLp2!zRw9x" * 10)[:length]
    validate_password(password, user)
    actions.change_password(user, password, actor=user)
    user.refresh_from_db()
    assert user.check_password(password)
    assert not user.check_password(password[:-1] + ("a" if password[-1] != "a" else "b"))
    if length > 64:
        assert not user.check_password(password[:64])  # no truncation at 64 (nor at bcrypt's 72)


def test_the_common_password_list_is_offline_and_large():
    validator = CommonPasswordValidator()
    assert len(validator.passwords) >= 3000  # spec: at least the top 3,000; Django ships 20,000
    for common in ("password", "123456", "qwerty123", "iloveyou"):
        with pytest.raises(ValidationError):
            validator.validate(common)


def test_the_linked_members_phone_and_id_number_are_refused(people, orgs):
    from dangjian.orglife.models import MemberAccount

    member = people["zhang"]
    user = User.objects.create_user(username="zs1970", password=GOOD)
    MemberAccount.objects.create(user=user, member=member)
    phone = member.get_secret("phone")
    number = member.get_secret("id_number")
    for password in (
        f"Aa#{phone}",
        f"Qq!{phone[-6:]}x",
        f"{number}#Aa",
        f"Zz#{number[-6:].lower()}q",
        f"Born#{number[6:14]}",
    ):
        with pytest.raises(ValidationError, match="手机号码或身份证号码"):
            validate_password(password, user)
    validate_password(GOOD, user)
    # Another account, not linked to this member, may use those digits.
    other = User.objects.create_user(username="other01", password=GOOD)
    validate_password(f"Aa#{phone}", other)


def test_the_password_change_page_shows_the_rule(client_as, personas, people):
    from django.urls import reverse

    from dangjian.demo.personas import DEMO_PASSWORD
    from dangjian.orglife.models import MemberAccount

    MemberAccount.objects.create(user=personas["party_member"], member=people["zhang"])
    client = client_as("party_member")
    phone = people["zhang"].get_secret("phone")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": f"Mm#{phone}", "new_password2": f"Mm#{phone}"},
    )
    assert response.status_code == 400  # the form again, with the reason
    assert "手机号码或身份证号码" in response.content.decode()
