"""What a MariaDB Galera cluster requires of the schema, checked on the database connected to.

Galera replicates InnoDB row events only: a table of another engine is not replicated at all (MyISAM is, at
best, experimental), and a table without a primary key cannot have its rows certified or applied reliably on the
other nodes (deletes and updates apply slowly or, with concurrent writers, differently). ``LOCK TABLES`` and
``GET_LOCK`` are not replicated either: they would lock one node only, so miniback uses neither (row locks with
``SELECT … FOR UPDATE`` serialise on the one node HAProxy sends writes to; a conflict with another node surfaces
as 1213 at COMMIT and the transaction is redone, see ``miniback.database.conflicts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, text

_TABLES = text(
    "SELECT t.TABLE_NAME, t.ENGINE,"
    " EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA"
    "  AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY')"
    " FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'"
    " ORDER BY t.TABLE_NAME"
)
_TRIGGERS = text(
    "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY TRIGGER_NAME"
)
_WSREP_ON = text("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")
_WSREP = text("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state_comment')")
_BINLOG = text("SELECT @@GLOBAL.binlog_format")


@dataclass
class GaleraReport:
    tables: int = 0
    problems: list[str] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)
    # The node's own state when it is a Galera node (wsrep_on; empty otherwise): wsrep_ready and
    # wsrep_local_state_comment ("Synced" when it serves current data).
    node: dict[str, str] = field(default_factory=dict)


def check_galera_schema(connection: Connection) -> GaleraReport:
    """Every table InnoDB with a primary key; the triggers present (compare them across the nodes); the node's
    state and, on a Galera node, ``binlog_format=ROW`` (Galera needs row events)."""
    report = GaleraReport()
    for name, engine, has_primary_key in connection.execute(_TABLES):
        report.tables += 1
        if str(engine).lower() != "innodb":
            report.problems.append(
                f"表 {name} 的存储引擎是 {engine}，Galera 只复制 InnoDB / engine {engine}, not InnoDB"
            )
        if not has_primary_key:
            report.problems.append(f"表 {name} 没有主键，Galera 无法可靠复制 / has no PRIMARY KEY")
    report.triggers = list(connection.execute(_TRIGGERS).scalars())
    wsrep_on = connection.execute(_WSREP_ON).first()
    if wsrep_on is not None and str(wsrep_on[1]).upper() == "ON":  # a Galera node (not merely a wsrep-built server)
        report.node = {str(k): str(v) for k, v in connection.execute(_WSREP)}
        binlog = connection.execute(_BINLOG).scalar()
        if str(binlog).upper() != "ROW":
            report.problems.append(f"binlog_format 为 {binlog}，Galera 需要 ROW / Galera needs binlog_format=ROW")
        if report.node.get("wsrep_ready") != "ON":
            report.problems.append(f"节点未就绪 / node not ready: wsrep_ready={report.node.get('wsrep_ready')}")
    return report
