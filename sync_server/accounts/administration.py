"""What an admin does to accounts: create them (one, or a roster CSV), reset passwords, disable them."""

from __future__ import annotations

import csv
import io
import re
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from studyteddy_desktop.db.models import ClassMembership, SchoolClass, UserProfile
from studyteddy_desktop.services.core.database import Database
from sync_server.accounts.schemas import AccountCreate, AccountPublic, ClassPublic, CreatedAccount, RosterReport
from sync_server.accounts.sessions import account_by_login, revoke_sessions
from sync_server.core.errors import ApiError, not_found
from sync_server.core.security import hash_password, password_problem

ROLES = ("student", "teacher", "admin")
ROSTER_COLUMNS = ("login", "display_name")
MAX_ROSTER_ROWS = 10_000
_LOGIN = re.compile(r"^[A-Za-z0-9._@+-]{3,254}$")


def account_public(account: UserProfile) -> AccountPublic:
    return AccountPublic(id=account.id, login=account.login or "", display_name=account.display_name,
                         role=account.role, disabled=account.disabled_at is not None)


def generated_password() -> str:
    """Four groups a student can type from a printed sheet (about 80 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


class AccountAdministration:
    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, request: AccountCreate) -> CreatedAccount:
        with self.database.unit_of_work() as session:
            return self._create(session, request)

    def _create(self, session: Session, request: AccountCreate) -> CreatedAccount:
        login = request.login.strip()
        if not _LOGIN.match(login):
            raise ApiError(422, "invalid_login", f"“{login}” is not a login: use letters, digits and . _ @ + -.")
        if account_by_login(session, login) is not None:
            raise ApiError(409, "login_taken", f"There is already an account “{login}”.")
        initial = None
        password = request.password
        if password is None:
            password = initial = generated_password()
        elif problem := password_problem(password):
            raise ApiError(422, "weak_password", problem)
        account = UserProfile(login=login, display_name=" ".join(request.display_name.split())[:120],
                              role=request.role, password_hash=hash_password(password), subjects=[], settings={})
        session.add(account)
        session.flush()
        for name in request.classes:
            self._join(session, account.id, name, "teacher" if request.role == "teacher" else "student")
        return CreatedAccount(account=account_public(account), initial_password=initial)

    @staticmethod
    def _join(session: Session, user_id: uuid.UUID, class_name: str, role: str) -> None:
        name = " ".join(class_name.split())[:120]
        if not name:
            return
        school_class = session.scalars(sa.select(SchoolClass).where(SchoolClass.name == name)).first()
        if school_class is None:
            school_class = SchoolClass(name=name)
            session.add(school_class)
            session.flush()
        session.merge(ClassMembership(class_id=school_class.id, user_id=user_id, role_in_class=role))

    def import_roster(self, text: str) -> RosterReport:
        """Accounts from a CSV with columns login, display_name and optional role, classes (";"-separated),
        password. Existing logins are skipped, bad rows reported by line; good rows are all created."""
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        columns = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in ROSTER_COLUMNS if name not in columns]
        if missing:
            raise ApiError(422, "invalid_roster", f"The roster needs the columns {', '.join(ROSTER_COLUMNS)}; "
                                                  f"missing: {', '.join(missing)}.")
        report = RosterReport(created=[], skipped=[], errors=[])
        with self.database.unit_of_work() as session:
            for number, raw in enumerate(reader, start=2):
                if number - 1 > MAX_ROSTER_ROWS:
                    report.errors.append(f"line {number}: the roster has more than {MAX_ROSTER_ROWS} rows; "
                                         f"import the rest in another file")
                    break
                row = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items()
                       if isinstance(value, str)}
                login, role = row.get("login", ""), row.get("role") or "student"
                if account_by_login(session, login) is not None:
                    report.skipped.append(login)
                    continue
                if role not in ROLES:
                    report.errors.append(f"line {number}: role “{role}” is not one of {', '.join(ROLES)}")
                    continue
                try:
                    with session.begin_nested():
                        request = AccountCreate(login=login or "?", display_name=row.get("display_name") or login,
                                                role=role, password=row.get("password") or None,
                                                classes=[c for c in row.get("classes", "").split(";") if c.strip()])
                        report.created.append(self._create(session, request))
                except ApiError as error:
                    report.errors.append(f"line {number}: {error.message}")
                except ValueError as error:
                    report.errors.append(f"line {number}: {str(error).splitlines()[0]}")
        return report

    def get(self, account_id: uuid.UUID) -> AccountPublic:
        with self.database.unit_of_work() as session:
            account = session.get(UserProfile, account_id)
            if account is None or account.login is None:
                raise not_found("That account")
            return account_public(account)

    def list_accounts(self, *, limit: int, offset: int) -> list[AccountPublic]:
        with self.database.unit_of_work() as session:
            accounts = session.scalars(sa.select(UserProfile).where(UserProfile.login.is_not(None))
                                       .order_by(sa.func.lower(UserProfile.login)).limit(limit).offset(offset))
            return [account_public(account) for account in accounts]

    def _account(self, session: Session, account_id: uuid.UUID) -> UserProfile:
        account = session.get(UserProfile, account_id, with_for_update=True)
        if account is None or account.login is None:
            raise not_found("That account")
        return account

    def reset_password(self, account_id: uuid.UUID, new_password: str | None) -> CreatedAccount:
        """Set (or make up) a password and end every session: the student signs in with the new one."""
        if new_password is not None and (problem := password_problem(new_password)):
            raise ApiError(422, "weak_password", problem)
        password = new_password or generated_password()
        with self.database.unit_of_work() as session:
            account = self._account(session, account_id)
            account.password_hash = hash_password(password)
            revoke_sessions(session, account.id, "password reset by an admin")
            return CreatedAccount(account=account_public(account),
                                  initial_password=None if new_password else password)

    def set_disabled(self, account_id: uuid.UUID, disabled: bool) -> AccountPublic:
        with self.database.unit_of_work() as session:
            account = self._account(session, account_id)
            if disabled and account.disabled_at is None:
                account.disabled_at = sa.func.now()
                revoke_sessions(session, account.id, "account disabled")
            elif not disabled:
                account.disabled_at = None
            session.flush()
            session.refresh(account)
            return account_public(account)

    def list_classes(self) -> list[ClassPublic]:
        with self.database.unit_of_work() as session:
            rows = session.execute(sa.select(SchoolClass.id, SchoolClass.name, sa.func.count(ClassMembership.user_id))
                                   .outerjoin(ClassMembership).group_by(SchoolClass.id).order_by(SchoolClass.name))
            return [ClassPublic(id=row[0], name=row[1], members=row[2]) for row in rows]
