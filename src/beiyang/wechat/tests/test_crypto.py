"""Our safe-mode crypto against wechatpy's, a second reading of WeChat's published scheme:
each decrypts what the other encrypts, and both sign alike."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import check_signature

from beiyang.wechat import crypto
from beiyang.wechat.tests.fake_wechat import APP_ID, ENCODING_AES_KEY, TOKEN

XML = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Content><![CDATA[算力券最多补多少?]]></Content></xml>"


def theirs() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, ENCODING_AES_KEY, APP_ID)


def test_wechatpy_opens_what_we_encrypt_and_sign():
    ciphertext = crypto.encrypt(ENCODING_AES_KEY, APP_ID, XML)
    signed = crypto.signature(TOKEN, "1700000000", "nonce", ciphertext)
    envelope = f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
    assert theirs().decrypt_message(envelope, signed, "1700000000", "nonce") == XML


def test_we_open_what_wechatpy_encrypts_and_signs():
    from xml.etree import ElementTree

    envelope = ElementTree.fromstring(theirs().encrypt_message(XML, "nonce", "1700000000"))
    ciphertext = envelope.findtext("Encrypt")
    assert crypto.signature_matches(
        envelope.findtext("MsgSignature"), TOKEN, "1700000000", "nonce", ciphertext
    )
    assert crypto.decrypt(ENCODING_AES_KEY, ciphertext) == (XML, APP_ID)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=300), nonce=st.text("abcdefghij0123456789", min_size=1, max_size=16))
def test_both_agree_on_any_message(text, nonce):
    ours = crypto.encrypt(ENCODING_AES_KEY, APP_ID, text)
    assert theirs().decrypt_message(
        f"<xml><Encrypt>{ours}</Encrypt></xml>", crypto.signature(TOKEN, "1", nonce, ours), "1", nonce
    ) == (text or "")
    check_signature(TOKEN, crypto.signature(TOKEN, "1", nonce), "1", nonce)  # raises when they differ


def test_padding_is_to_32_bytes():
    key = crypto.aes_key(ENCODING_AES_KEY)
    for size in (0, 1, 15, 16, 31, 32, 100):
        raw = base64.b64decode(crypto.encrypt(ENCODING_AES_KEY, APP_ID, "x" * size))
        assert len(raw) % 32 == 0
        assert len(raw) >= 16 + 4 + size + len(APP_ID)
    assert len(key) == 32


@pytest.mark.parametrize(
    "ciphertext",
    [
        "not base64!",
        base64.b64encode(b"short").decode(),
        base64.b64encode(bytes(32)).decode(),  # zero padding byte after decryption is garbage
    ],
)
def test_what_is_not_a_box_is_refused(ciphertext):
    with pytest.raises(crypto.WeChatCryptoError):
        crypto.decrypt(ENCODING_AES_KEY, ciphertext)


def test_a_tampered_last_block_is_refused():
    # A fixed prefix: the last block's garbage is then the same every run.
    box = crypto.encrypt(ENCODING_AES_KEY, APP_ID, XML, random_prefix=b"0123456789abcdef")
    ciphertext = bytearray(base64.b64decode(box))
    ciphertext[-1] ^= 1  # the last block: the padding no longer checks
    with pytest.raises(crypto.WeChatCryptoError):
        crypto.decrypt(ENCODING_AES_KEY, base64.b64encode(bytes(ciphertext)).decode())


def test_a_key_of_the_wrong_size_is_refused():
    with pytest.raises(crypto.WeChatCryptoError):
        crypto.aes_key(ENCODING_AES_KEY[:-1])
