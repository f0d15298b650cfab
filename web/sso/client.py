"""The OpenID Connect relying party: Authlib's OAuth 2 parameters (the authorization code request with PKCE
S256, the token request; sent with httpx) and joserfc, Authlib's JOSE library, for the ID token's signature
and claims. (Authlib's own httpx client is deprecated in favour of httpx2, which is not installed here.)

Everything about the provider comes from its discovery document (``<issuer>/.well-known/openid-configuration``),
fetched when first needed and kept; its keys are fetched again once when a token names a key not yet seen
(the provider rotated them). The ID token must be signed by one of those keys with an asymmetric algorithm,
issued by the configured issuer for this client, not expired (by the app's clock), and carry the nonce of the
login it answers.
"""
from __future__ import annotations

import threading
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import quote
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from engine.clock import Clock
from web.sso.flow import Pending, SignedIn, SsoUnavailable, TokenRefused

#: Signature algorithms accepted on ID tokens: asymmetric only ("none" and HMAC with the client secret never).
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
#: Seconds of clock difference tolerated between the provider and this server.
LEEWAY = 60


class OidcClient:
    def __init__(self, issuer: str, client_id: str, client_secret: str, clock: Clock, *,
                 scope: str = "openid profile", timeout: float = 10.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.scope, self.timeout, self.clock = scope, timeout, clock
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    # -- the provider's documents -------------------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=self.timeout)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoUnavailable(f"{url}: {exc}") from exc
        if not isinstance(data, dict):
            raise SsoUnavailable(f"{url}: not a JSON object")
        return data

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                data = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
                if data.get("issuer") != self.issuer:  # OpenID Connect Discovery §4.3
                    raise SsoUnavailable(f"discovery names issuer {data.get('issuer')!r}, not {self.issuer!r}")
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(data.get(key), str):
                        raise SsoUnavailable(f"discovery document has no {key}")
                self._metadata = data
            return self._metadata

    def _key_set(self, refresh: bool = False) -> KeySet:
        with self._lock:
            keys = self._keys
        if keys is None or refresh:
            data = self._get_json(self.metadata()["jwks_uri"])
            try:
                keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise SsoUnavailable(f"the provider's keys: {exc}") from exc
            with self._lock:
                self._keys = keys
        return keys

    # -- the flow ------------------------------------------------------------------------------------

    def begin(self, redirect_uri: str, next_page: str | None) -> tuple[str, Pending]:
        """The provider's login address and what the callback must find again (state, nonce, PKCE verifier)."""
        pending = Pending(generate_token(32), generate_token(32), generate_token(64), next_page)
        url = prepare_grant_uri(self.metadata()["authorization_endpoint"], self.client_id, "code",
                                redirect_uri=redirect_uri, scope=self.scope, state=pending.state, nonce=pending.nonce,
                                code_challenge=create_s256_code_challenge(pending.verifier),
                                code_challenge_method="S256")
        return url, pending

    def finish(self, code: str, pending: Pending, redirect_uri: str) -> SignedIn:
        """Exchange the code (with the PKCE verifier) and verify the ID token; the userinfo endpoint's claims,
        when the provider has one, complete the token's."""
        metadata = self.metadata()
        body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_uri,
                                     code_verifier=pending.verifier)
        try:
            # client_secret_basic: id and secret form-encoded, then Basic (RFC 6749 §2.3.1)
            response = httpx.post(metadata["token_endpoint"], content=body, timeout=self.timeout,
                                  auth=(quote(self.client_id, safe=b""), quote(self.client_secret, safe=b"")),
                                  headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "Accept": "application/json"})
            token = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TokenRefused(f"token request: {exc}") from exc
        if response.status_code != 200 or not isinstance(token, dict):
            error = token.get("error") if isinstance(token, dict) else None
            raise TokenRefused(f"token request: {response.status_code} {error}")
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise TokenRefused("the token response has no ID token")
        claims = self.verify(id_token, pending.nonce)
        userinfo = self._userinfo(metadata, token.get("access_token"), claims["sub"])
        return SignedIn(self.issuer, claims["sub"], {**userinfo, **claims}, id_token)

    def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once signature, ``iss``, ``aud`` (and ``azp``), ``exp``, ``iat`` and ``nonce``
        hold; :class:`TokenRefused` otherwise."""
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=ALGORITHMS)
            except (JoseError, ValueError, KeyError):
                # perhaps signed with a key the provider added since: its keys once more, then no
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                now=int(self.clock.now().timestamp()), leeway=LEEWAY,
                iss={"essential": True, "value": self.issuer}, sub={"essential": True},
                aud={"essential": True, "value": self.client_id}, exp={"essential": True},
                iat={"essential": True}, nonce={"essential": True, "value": nonce})
            registry.validate(token.claims)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise TokenRefused(f"ID token: {exc}") from exc
        claims = dict(token.claims)
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.client_id:
            raise TokenRefused("ID token: several audiences and azp is not this client")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise TokenRefused("ID token: no subject")
        return claims

    def _userinfo(self, metadata: dict[str, Any], access_token: object, subject: str) -> dict[str, Any]:
        endpoint = metadata.get("userinfo_endpoint")
        if not isinstance(endpoint, str) or not isinstance(access_token, str):
            return {}
        try:
            response = httpx.get(endpoint, headers={"Authorization": f"Bearer {access_token}"}, timeout=self.timeout)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError):
            return {}  # the ID token's claims alone then decide
        # OpenID Connect Core §5.3.2: another subject's answer is not used.
        return data if isinstance(data, dict) and data.get("sub") == subject else {}

    def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """The provider's RP-initiated logout for this login, if it offers one (else None)."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except SsoUnavailable:
            return None
        if not isinstance(endpoint, str):
            return None
        params = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token:
            params["id_token_hint"] = id_token
        return str(httpx.URL(endpoint, params=params))
