"""Personal data as the law expects (issue 19): the data catalogue, per-case encryption, crypto-shredding.

* :mod:`.catalogue` — every personal field with its class (一般 / 敏感 / 核心).
* :mod:`.keys` — ``encrypt_field(session, case, value)`` / ``decrypt_field(session, case, token)`` under
  the case's data key, wrapped by the master key of :mod:`.masterkey` (outside the database).
* :mod:`.shredding` — deleting a case's data key (retention, a resident's request) with its event.
"""
from __future__ import annotations
