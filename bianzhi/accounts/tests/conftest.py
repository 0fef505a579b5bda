"""Fixtures of the login tests: real TOTP codes from a device's key."""

from binascii import unhexlify

import pytest
from django_otp.oath import TOTP, totp

from bianzhi.accounts import otp


def code_for(device, offset_steps: int = 0) -> str:
    """The device's TOTP code now (or `offset_steps` periods away), as the app shows it."""
    return f"{totp(device.bin_key, step=device.step, drift=offset_steps):06d}"


@pytest.fixture
def enrolled(users):
    """The province clerk with a confirmed TOTP device; returns (user, device, recovery codes)."""
    user = users["province"]
    key = otp.new_key()
    codes = otp.otp_enroll(user=user, key=key, code=f"{TOTP(unhexlify(key)).token():06d}")
    return user, otp.confirmed_totp(user), codes
