"""WeChat's message signatures and safe-mode encryption, from the published scheme.

Written on ``cryptography`` rather than taken from wechatpy. Measured: what the platform needs
of the protocol is this module (95 lines: SHA-1 signatures, AES-256-CBC with PKCS#7 to 32 bytes,
the random/length/appid framing) and ``client.py`` (about 200: the shared token and five calls).
wechatpy 1.8.18 is 101 modules and 16,207 lines over five more dependencies (requests, six,
xmltodict, optionaldict, python-dateutil), last released in 2021, and its decrypt trusts the
padding byte and the length field it reads; its client keeps the token per process unless given
a storage. Ours is smaller to own. wechatpy stays in the test dependencies as a second
implementation: the tests encrypt and decrypt with it, so both ends are checked against someone
else's reading of the scheme.

The scheme: ``key = b64decode(EncodingAESKey + "=")`` (32 bytes), ``iv = key[:16]``; the
plaintext is 16 random bytes, the message's length as 4 bytes big-endian, the message, the
appid; PKCS#7 padded to a multiple of 32 bytes; AES-256-CBC; base64. The signature of a message
is the SHA-1 of the token, the timestamp, the nonce (and the ciphertext) sorted and joined.

>>> key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
>>> box = encrypt(key, "wx123", "<xml>hi</xml>")
>>> decrypt(key, box)
('<xml>hi</xml>', 'wx123')
>>> signature("token", "1409659813", "1372623149")
'74ec3ddbfdaa9e34666e94a046804051e80c7749'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class WeChatCryptoError(Exception):
    """A signature that does not match, or a ciphertext that is not WeChat's."""


def signature(*parts: str) -> str:
    """SHA-1 over the parts sorted and joined: WeChat's ``signature`` (token, timestamp, nonce)
    and ``msg_signature`` (the same and the ciphertext)."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_matches(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(signature(*parts), (expected or "").lower())


def aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise WeChatCryptoError("EncodingAESKey is not base64") from None
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise WeChatCryptoError("EncodingAESKey must be 43 characters (32 bytes)")
    return key


def encrypt(encoding_aes_key: str, app_id: str, text: str, *, random_prefix: bytes | None = None) -> str:
    key = aes_key(encoding_aes_key)
    body = text.encode()
    plain = (random_prefix or os.urandom(16)) + struct.pack(">I", len(body)) + body + app_id.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encoding_aes_key: str, ciphertext: str) -> tuple[str, str]:
    """(the message, the appid it was encrypted for). Raises ``WeChatCryptoError`` on anything
    that is not a well-formed box: the caller compares the appid."""
    key = aes_key(encoding_aes_key)
    try:
        raw = base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError):
        raise WeChatCryptoError("ciphertext is not base64") from None
    if not raw or len(raw) % 16:
        raise WeChatCryptoError("ciphertext is not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise WeChatCryptoError("bad padding")
    content = plain[16:-pad]
    if len(content) < 4:
        raise WeChatCryptoError("too short")
    (length,) = struct.unpack(">I", content[:4])
    if length > len(content) - 4:
        raise WeChatCryptoError("length beyond the message")
    try:
        return content[4 : 4 + length].decode(), content[4 + length :].decode()
    except UnicodeDecodeError:
        raise WeChatCryptoError("not UTF-8") from None
