"""All tables; import models from here."""

from miniback.models.accounts import (
    AUTHORITY_ROLES,
    MU_ROLES,
    ROLES,
    UU_ROLES,
    WECHAT_ROLES,
    Account,
    ApiToken,
    BindCode,
    OrgNode,
)
from miniback.models.elevators import ELEVATOR_STATUSES, ELEVATOR_TYPES, Elevator, ElevatorAssignment
from miniback.models.ledger import (
    GENESIS_HASH,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    LedgerLeaf,
    LedgerState,
    MerkleNode,
)
from miniback.models.types import UTCDateTime, utcnow
from miniback.models.units import UNIT_STATUSES, ChangeLog, MaintenanceUnit, UseUnit

__all__ = [
    "AUTHORITY_ROLES",
    "ELEVATOR_STATUSES",
    "ELEVATOR_TYPES",
    "MU_ROLES",
    "ROLES",
    "UNIT_STATUSES",
    "UU_ROLES",
    "WECHAT_ROLES",
    "Account",
    "ApiToken",
    "BindCode",
    "ChangeLog",
    "Elevator",
    "GENESIS_HASH",
    "LedgerCheckpoint",
    "LedgerEntry",
    "LedgerHead",
    "LedgerLeaf",
    "LedgerState",
    "MerkleNode",
    "ElevatorAssignment",
    "MaintenanceUnit",
    "OrgNode",
    "UTCDateTime",
    "UseUnit",
    "utcnow",
]
