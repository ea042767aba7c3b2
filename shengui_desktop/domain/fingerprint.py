"""An office's key fingerprint: what two people read to each other on the phone.

Pure hashing of the two public keys, shared by sync (certificates) and services (set-up).
"""

from __future__ import annotations

import base64
import hashlib


def fingerprint(sign_public_key_b64: str, age_recipient: str) -> str:
    """8 groups of 4 upper-case hex digits over SHA-256(signing key bytes + age recipient)."""
    digest = hashlib.sha256(base64.b64decode(sign_public_key_b64) + age_recipient.encode()).hexdigest()
    return " ".join(digest[i:i + 4].upper() for i in range(0, 32, 4))
