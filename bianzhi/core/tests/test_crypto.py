"""SM4-GCM sealing of sensitive columns: ciphertext in the database, round trip, tampering and
wrong keys refused."""

import base64

import pytest
from django.db import connection

from bianzhi.core import crypto
from bianzhi.personnel import services
from bianzhi.personnel.models import Person

OTHER_KEY = "00112233445566778899aabbccddeeff"
RID = "11010519491231002X"


@pytest.fixture(autouse=True)
def _fresh_keys():
    crypto.reset_keys()
    yield
    crypto.reset_keys()


def _raw(person: Person, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM personnel_person WHERE id = %s", [person.pk])
        return cursor.fetchone()[0]


def _register(**fields) -> Person:
    from django.db import transaction

    with transaction.atomic():
        return services.person_register(actor=None, resident_id=RID, name="张三", **fields)


def test_it_round_trips_and_uses_a_fresh_nonce_each_time():
    sealed = [crypto.encrypt("13800000000") for _ in range(2)]
    assert sealed[0] != sealed[1]
    assert all(s.startswith("sm4g:") for s in sealed)
    assert [crypto.decrypt(s) for s in sealed] == ["13800000000"] * 2
    assert crypto.decrypt(crypto.encrypt("江苏省苏州市吴中区")) == "江苏省苏州市吴中区"


def test_it_refuses_a_tampered_value():
    prefix, kid, body = crypto.encrypt("13800000000").split(":", 2)
    raw = bytearray(base64.b64decode(body))
    raw[14] ^= 0x01  # one bit of the ciphertext
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}:{kid}:{base64.b64encode(bytes(raw)).decode()}")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("sm4g:deadbeef:not base64!")


def test_it_refuses_a_value_sealed_with_another_key(settings):
    sealed = crypto.encrypt("13800000000")
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    crypto.reset_keys()
    with pytest.raises(crypto.DecryptionError, match="no key"):
        crypto.decrypt(sealed)
    # The same key id with different key material fails the tag, not silently.
    forged = sealed.split(":")
    forged[1] = crypto.key_id(bytes.fromhex(OTHER_KEY))
    with pytest.raises(crypto.DecryptionError, match="altered"):
        crypto.decrypt(":".join(forged))


def test_an_old_key_still_opens_after_rotation(settings):
    sealed = crypto.encrypt("旧值")
    settings.FIELD_ENCRYPTION_OLD_KEYS = [settings.FIELD_ENCRYPTION_KEY]
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    crypto.reset_keys()
    assert crypto.decrypt(sealed) == "旧值"
    assert crypto.encrypt("新值").split(":")[1] == crypto.key_id(bytes.fromhex(OTHER_KEY))


def test_bad_keys_fail_loudly(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.FIELD_ENCRYPTION_KEY = "abcd"
    with pytest.raises(ImproperlyConfigured, match="128 bits"):
        crypto.encrypt("x")
    crypto.reset_keys()
    key_file = tmp_path / "key"
    key_file.write_text(OTHER_KEY + "\n")
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_KEY_FILE = "", str(key_file)
    assert crypto.decrypt(crypto.encrypt("x")) == "x"


def test_development_key_is_generated_private(settings, tmp_path):
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_KEY_FILE = "", ""
    settings.VAR_DIR = tmp_path
    assert crypto.decrypt(crypto.encrypt("x")) == "x"
    key_file = tmp_path / "field_encryption_key"
    assert len(bytes.fromhex(key_file.read_text())) == 16
    assert key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_the_database_holds_only_ciphertext():
    person = _register(phone="13800000000", home_address="苏州市吴中区东吴北路1号")
    assert _raw(person, "phone").startswith("sm4g:")
    assert "13800000000" not in _raw(person, "phone")
    assert "吴中区" not in _raw(person, "home_address")
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.phone, fresh.home_address) == ("13800000000", "苏州市吴中区东吴北路1号")


@pytest.mark.django_db
def test_blank_stays_blank_and_journal_never_holds_the_plain_text():
    from bianzhi.core.models import JournalEntry

    person = _register()
    assert _raw(person, "phone") == "" and Person.objects.get(pk=person.pk).phone == ""
    services.person_correct(actor=None, person=person, reason="补录", phone="13900000000")
    assert Person.objects.get(pk=person.pk).phone == "13900000000"
    entry = JournalEntry.objects.filter(action="personnel.person.corrected").get()
    assert "13900000000" not in str(entry.after) and entry.after["phone"] == "(sealed)"


@pytest.mark.django_db
def test_a_tampered_row_is_refused_on_read():
    person = _register(phone="13800000000")
    raw = _raw(person, "phone")
    body = bytearray(base64.b64decode(raw.split(":", 2)[2]))
    body[-1] ^= 0x80
    tampered = ":".join([*raw.split(":", 2)[:2], base64.b64encode(bytes(body)).decode()])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE personnel_person SET phone = %s WHERE id = %s", [tampered, person.pk]
        )
    with pytest.raises(crypto.DecryptionError):
        Person.objects.get(pk=person.pk)


def test_production_needs_a_configured_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_KEY_FILE = "", ""
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="production profile needs"):
        crypto.encrypt("x")
