"""The people service: accounts and the organisation, each call one transaction.

``web/`` and ``workflows/`` use it through ``from engine import PeopleService``.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.people import accounts, directory, integrations, lockout, sso
from engine.people import queries as people_queries
from engine.people.accounts import Account
from engine.people.lockout import LockoutPolicy
from engine.people.models import User
from engine.processes import default_hooks
from engine.specs import queries as spec_queries


class PeopleService:
    """Accounts and the organisation (departments, grids) for the interfaces."""

    def __init__(self, db: Database, clock: Clock | None = None, lockout_policy: LockoutPolicy | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.lockout_policy = lockout_policy or LockoutPolicy()

    def authenticate(self, username: str, password: str, *, source: str | None = None) -> Account | None:
        """The account, or None for a wrong username or password; raises :class:`AccountLocked` after
        too many failures for ``username`` (``source``, the caller's address, only goes to the log).

        The attempt is counted before the password is checked (:func:`lockout.begin_attempt`), so that
        simultaneous guesses cannot get more checks than the policy allows; the slow check itself runs
        outside any write transaction, so SQLite's write lock is not held for it."""
        now = self.clock.now()
        with self.db.transaction() as s:
            locks_until = lockout.begin_attempt(s, username, now, self.lockout_policy)
        with self.db.reading() as s:
            account = accounts.authenticate(s, username, password)
            if account is None and locks_until is not None:
                lockout.log_lock(s, username, locks_until, self.lockout_policy, source)
        if account is not None:
            with self.db.transaction() as s:
                lockout.clear_failures(s, username)
        return account

    def session_account(self, user_id: int, session_version: int) -> Account | None:
        """The account of a login session that began at ``session_version``, if that session still holds."""
        with self.db.reading() as s:
            return accounts.session_account(s, user_id, session_version)

    def end_sessions(self, user_id: int) -> None:
        """End every login session of the account (on logout: a copied cookie must not outlive it)."""
        with self.db.transaction() as s:
            accounts.end_sessions_of(s, user_id)

    def accounts(self, under: str | None = None) -> list[Account]:
        """Every account, or those held in the subtree at path ``under``."""
        with self.db.reading() as s:
            return accounts.list_accounts(s, under)

    def display_names(self, usernames: Iterable[str]) -> dict[str, str]:
        """username → display name of the accounts among ``usernames`` (pages name people, not logins)."""
        wanted = {u for u in usernames if u}
        if not wanted:
            return {}
        with self.db.reading() as s:
            return dict(s.execute(select(User.username, User.display_name)
                                  .where(User.username.in_(wanted))).tuples().all())

    def departments(self) -> dict[str, str]:
        """Active departments, code → name."""
        with self.db.reading() as s:
            return people_queries.department_names(s)

    def grids(self) -> dict[str, str]:
        """Grids, code → "community / name"."""
        with self.db.reading() as s:
            return people_queries.grid_names(s)

    def english_names(self) -> people_queries.EnglishNames:
        """The English names admins gave categories, departments, grids and communities (English pages)."""
        with self.db.reading() as s:
            return people_queries.english_names(s)

    def categories(self) -> list[str]:
        """Active issue categories, in the order forms list them."""
        with self.db.reading() as s:
            return directory.active_categories(s)

    # -- administration (engine.people.directory); ``by`` is who did it, for the admin log ----------

    def organisation(self) -> directory.Organisation:
        """Departments, grids and categories, inactive ones included."""
        with self.db.reading() as s:
            return directory.organisation(s)

    def find_account(self, username: str, *, by: str | None = None) -> Account:
        """The account, disabled or not; :class:`NotFound` if there is none or if ``by`` (an admin) does not
        administer it."""
        with self.db.reading() as s:
            return directory.find_account(s, username, by=by)

    def create_account(self, username: str, display_name: str, role: str, password: str, *,
                       department_code: str | None = None, grid_code: str | None = None, by: str) -> Account:
        with self.db.transaction() as s:
            return directory.create_account(s, username, display_name, role, password,
                                            department_code=department_code, grid_code=grid_code, by=by)

    def create_integration(self, username: str, display_name: str, role: str, *, by: str) -> Account:
        """An integration account (no password; it calls its own API with tokens only)."""
        with self.db.transaction() as s:
            return integrations.create_integration_account(s, username, display_name, role, by=by)

    def integrations(self) -> list[integrations.IntegrationAccount]:
        with self.db.reading() as s:
            return integrations.list_integration_accounts(s, now=self.clock.now())

    def update_account(self, username: str, *, display_name: str, role: str, department_code: str | None = None,
                       grid_code: str | None = None, by: str) -> Account:
        with self.db.transaction() as s:
            return directory.update_account(s, username, display_name=display_name, role=role,
                                            department_code=department_code, grid_code=grid_code, by=by)

    def set_account_active(self, username: str, active: bool, *, by: str) -> Account:
        with self.db.transaction() as s:
            return directory.set_account_active(s, username, active, by=by)

    def reset_password(self, username: str, password: str, *, by: str) -> Account:
        """A new password; it also lifts a login lockout (the admin has just heard from the person)."""
        with self.db.transaction() as s:
            account = directory.reset_password(s, username, password, by=by)
            lockout.clear_failures(s, username)
            return account

    def add_department(self, code: str, name: str, *, name_en: str | None = None,
                       by: str) -> directory.DepartmentEntry:
        with self.db.transaction() as s:
            return directory.add_department(s, code, name, name_en=name_en, by=by)

    def rename_department(self, code: str, name: str, *, name_en: str | None = None,
                          by: str) -> directory.DepartmentEntry:
        with self.db.transaction() as s:
            return directory.rename_department(s, code, name, name_en=name_en, by=by)

    def set_department_active(self, code: str, active: bool, *, by: str) -> directory.DepartmentEntry:
        with self.db.transaction() as s:
            return directory.set_department_active(s, code, active, by=by)

    def add_grid(self, code: str, name: str, community: str, *, name_en: str | None = None,
                 community_en: str | None = None, by: str) -> directory.GridEntry:
        with self.db.transaction() as s:
            return directory.add_grid(s, code, name, community, name_en=name_en, community_en=community_en, by=by)

    def update_grid(self, code: str, name: str, community: str, *, name_en: str | None = None,
                    community_en: str | None = None, by: str) -> directory.GridEntry:
        with self.db.transaction() as s:
            return directory.update_grid(s, code, name, community, name_en=name_en, community_en=community_en,
                                         by=by)

    def add_category(self, name: str, *, name_en: str | None = None, by: str) -> directory.CategoryEntry:
        with self.db.transaction() as s:
            return directory.add_category(s, name, name_en=name_en, by=by)

    def name_category_in_english(self, name: str, name_en: str | None, *, by: str) -> directory.CategoryEntry:
        with self.db.transaction() as s:
            return directory.name_category_in_english(s, name, name_en, by=by)

    def report_processes(self) -> dict[str, str]:
        """Key → name of the processes a category may send residents' reports to (published; not a domain's
        own intake, except the civic loop's, which is where every report goes by default)."""
        owners = default_hooks().intake_owners
        with self.db.reading() as s:
            return {v.key: v.name for v in spec_queries.published_processes(s)
                    if owners.get(v.key, "report") == "report"}

    def bind_category(self, name: str, process_key: str | None, *, by: str) -> directory.CategoryEntry:
        """Reports of category ``name`` open cases of ``process_key`` (None or the civic loop: the default)."""
        allowed = set(self.report_processes())
        with self.db.transaction() as s:
            key = None if process_key in (None, "", "civic_loop") else process_key
            return directory.bind_category(s, name, key, allowed=allowed, by=by)

    def set_category_active(self, name: str, active: bool, *, by: str) -> directory.CategoryEntry:
        with self.db.transaction() as s:
            return directory.set_category_active(s, name, active, by=by)

    def move_category(self, name: str, step: int, *, by: str) -> None:
        with self.db.transaction() as s:
            directory.move_category(s, name, step, by=by)

    # -- single sign-on (engine.people.sso) -------------------------------------------------------

    def sso_sign_in(self, issuer: str, subject: str, claims: dict[str, object]) -> Account:
        """The local account of the identity provider's person, its role from the admins' rules; raises
        :class:`engine.people.sso.SsoRefused` (nothing written) when no rule matches or it is disabled."""
        try:
            with self.db.transaction() as s:
                return sso.sign_in(s, issuer=issuer, subject=subject, claims=claims, now=self.clock.now())
        except IntegrityError:
            # the same person's first login twice at once (two tabs): the other one linked them; now they are
            with self.db.transaction() as s:
                return sso.sign_in(s, issuer=issuer, subject=subject, claims=claims, now=self.clock.now())

    def sso_rules(self) -> list[sso.Rule]:
        with self.db.reading() as s:
            return sso.rules(s)

    def add_sso_rule(self, *, position: int | None, claim: str | None, operator: str | None, value: str | None,
                     role: str | None, department_code: str | None, grid_code: str | None, by: str) -> sso.Rule:
        with self.db.transaction() as s:
            return sso.add_rule(s, position=position, claim=claim, operator=operator, value=value, role=role,
                                department_code=department_code, grid_code=grid_code, by=by)

    def delete_sso_rule(self, rule_id: int, *, by: str) -> None:
        with self.db.transaction() as s:
            sso.delete_rule(s, rule_id, by=by)

    def sso_identities(self) -> list[sso.Identity]:
        with self.db.reading() as s:
            return sso.identities(s)
