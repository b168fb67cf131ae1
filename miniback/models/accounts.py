"""Accounts, the maintenance unit's org tree, log-in tokens and one-time bind codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Computed, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniback.extensions import Model
from miniback.models.types import UTCDateTime, utcnow

MU_ROLES = ("mu_admin", "mu_supervisor", "technician")
UU_ROLES = ("uu_admin", "uu_manager")
AUTHORITY_ROLES = ("platform_operator", "regulator", "inspector")
ROLES = AUTHORITY_ROLES + MU_ROLES + UU_ROLES
WECHAT_ROLES = ("mu_supervisor", "technician", "uu_manager")


class OrgNode(Model):
    """A node of a maintenance unit's hierarchy (company → branch → team, any depth).

    ``path`` is the materialised path of ids (``/1/4/9/``) so a subtree is one indexed prefix query.
    """

    __tablename__ = "org_node"
    # One name per parent. A unique key treats NULLs as distinct, so top-level nodes (no parent) are keyed by
    # ``parent_key``, the parent's id or 0, computed by the database itself.
    __table_args__ = (UniqueConstraint("maintenance_unit_id", "parent_key", "name", name="uq_org_node_sibling_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    maintenance_unit_id: Mapped[int] = mapped_column(ForeignKey("maintenance_unit.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    # Never NULL, but declared nullable: MariaDB refuses NOT NULL on a generated column. Stored, not virtual: the
    # row itself holds the key the unique index is built from, and row checksums read it like any column.
    parent_key: Mapped[int] = mapped_column(Computed("coalesce(parent_id, 0)", persisted=True), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Account(Model):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    mobile: Mapped[str | None] = mapped_column(String(20))
    certificate_no: Mapped[str | None] = mapped_column(String(50))
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # WeChat's session_key stays here, server-side only; it is never serialised to any client.
    wechat_session_key: Mapped[str | None] = mapped_column(String(64))
    maintenance_unit_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_unit.id"), index=True)
    org_node_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"), index=True)
    use_unit_id: Mapped[int | None] = mapped_column(ForeignKey("use_unit.id"), index=True)
    district: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    org_node: Mapped[OrgNode | None] = relationship()

    @property
    def wechat_bound(self) -> bool:
        """Whether a WeChat account is bound (the openid itself is never shown)."""
        return self.openid is not None


TOKEN_KINDS = ("bearer", "console")
# What a session row keeps of the browser that opened it (shown on the account's session list).
USER_AGENT_MAX = 255


class ApiToken(Model):
    """A log-in token; only its SHA-256 is stored, so a database leak yields no usable token.

    ``bearer``: sent in the ``Authorization`` header (mini-program, platforms). ``console``: the web console's
    session, carried in an HttpOnly cookie; it also ends after ``CONSOLE_IDLE_SECONDS`` without use.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="bearer", server_default="bearer")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Moved forward at most once a minute (see ``miniback.auth.tokens``), not on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX))
    ip: Mapped[str | None] = mapped_column(String(45))  # the longest IPv6 text form


class BindCode(Model):
    """A one-time, expiring code an admin hands to a person to bind their WeChat to an account."""

    __tablename__ = "bind_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PasswordReset(Model):
    """A one-time, expiring password-reset link issued by an admin; only the token's SHA-256 is stored.

    The rows stay as the audit of who issued a reset for whom and when it was used (or voided by a newer one).
    """

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
