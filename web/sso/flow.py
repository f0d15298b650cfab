"""What the single sign-on routes and the OpenID Connect client share, without the client's libraries: the
app imports this whether or not a provider is configured; Authlib and joserfc load only when one is."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any


class SsoUnavailable(Exception):
    """The provider cannot be reached, or its discovery document is unusable."""


class TokenRefused(Exception):
    """The provider's answer is no login: the token request failed, or the ID token did not verify."""


@dataclass(frozen=True)
class Pending:
    """A login on its way through the provider, kept in the session until the callback."""

    state: str
    nonce: str
    verifier: str
    next: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"state": self.state, "nonce": self.nonce, "verifier": self.verifier, "next": self.next}

    @classmethod
    def of(cls, data: object) -> Pending | None:
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("state", "nonce", "verifier")):
            return None
        nxt = data.get("next")
        return cls(data["state"], data["nonce"], data["verifier"], nxt if isinstance(nxt, str) else None)

    def state_is(self, state: str | None) -> bool:
        return state is not None and hmac.compare_digest(self.state.encode(), state.encode("utf-8", "replace"))


@dataclass(frozen=True)
class SignedIn:
    issuer: str
    subject: str
    claims: dict[str, Any]
    id_token: str
