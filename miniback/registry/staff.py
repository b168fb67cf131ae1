"""The maintenance unit's hierarchy (分级设置) and its people; use-unit safety managers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from miniback.errors import Conflict, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, MaintenanceRecord, MaintenanceUnit, OrgNode
from miniback.projections.public_history import refresh_public_technicians
from miniback.registry.change_log import apply_changes

MAX_DEPTH = 8


DUPLICATE_NAME = "同一上级节点下已有同名的组织节点"


def _require_unique_name(maintenance_unit_id: int, parent_id: int | None, name: str, node_id: int | None) -> None:
    """Siblings have distinct names (the unique key ``uq_org_node_sibling_name`` backs this check up)."""
    same = db.select(OrgNode.id).where(
        OrgNode.maintenance_unit_id == maintenance_unit_id,
        OrgNode.parent_id.is_(None) if parent_id is None else OrgNode.parent_id == parent_id,
        OrgNode.name == name,
    )
    if node_id is not None:
        same = same.where(OrgNode.id != node_id)
    if db.session.execute(same.limit(1)).first():
        raise Conflict(DUPLICATE_NAME, fields={"name": "已存在"}, code="duplicate_org_node")


def _flush_named() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:
        # Another request took the name between the check and this write.
        raise Conflict(DUPLICATE_NAME, fields={"name": "已存在"}, code="duplicate_org_node") from exc


def create_org_node(maintenance_unit_id: int, parent: OrgNode | None, name: str) -> OrgNode:
    if parent is not None and parent.path.count("/") - 1 >= MAX_DEPTH:
        raise ValidationFailed(fields={"parent_id": f"层级不能超过 {MAX_DEPTH} 级"})
    parent_id = parent.id if parent else None
    _require_unique_name(maintenance_unit_id, parent_id, name, None)
    node = OrgNode(maintenance_unit_id=maintenance_unit_id, parent_id=parent_id, name=name)
    db.session.add(node)
    _flush_named()
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    db.session.flush()
    return node


def _depth(path: str) -> int:
    return path.count("/") - 1


def _lock_hierarchy(maintenance_unit_id: int) -> None:
    """Serialise changes to one unit's tree (the unit's row lock), so two moves cannot build a cycle together."""
    db.session.execute(db.select(MaintenanceUnit.id).where(MaintenanceUnit.id == maintenance_unit_id).with_for_update())


def _reload(node: OrgNode) -> None:
    db.session.execute(
        db.select(OrgNode).where(OrgNode.id == node.id).with_for_update().execution_options(populate_existing=True)
    )


def rename_org_node(node: OrgNode, name: str) -> None:
    _require_unique_name(node.maintenance_unit_id, node.parent_id, name, node.id)
    node.name = name
    _flush_named()


def move_org_node(node: OrgNode, parent: OrgNode | None) -> None:
    """Put ``node`` (with its whole subtree) under ``parent`` of the same unit, or at the top level (None).

    Supervisors' scopes follow: a subtree is read by its path prefix, rewritten here for every node below.
    """
    _lock_hierarchy(node.maintenance_unit_id)
    # Read again under the lock (a locking read sees the latest commit, not the transaction's snapshot).
    _reload(node)
    if parent is not None:
        _reload(parent)
        if parent.maintenance_unit_id != node.maintenance_unit_id:
            raise NotFound("找不到该组织节点", fields={"parent_id": "不存在"})
        if in_subtree(parent, node):
            raise Conflict(
                "不能把组织节点移到它自己或它的下级节点之下",
                fields={"parent_id": "不能是本节点或其下级节点"},
                code="org_node_cycle",
            )
    if node.parent_id == (parent.id if parent else None):
        return
    old_prefix = node.path
    new_prefix = f"{parent.path if parent else '/'}{node.id}/"
    subtree = list(
        db.session.execute(
            db.select(OrgNode)
            .where(OrgNode.path.startswith(old_prefix, autoescape=True))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )
    deepest = max(_depth(each.path) for each in subtree)
    if deepest - _depth(old_prefix) + _depth(new_prefix) > MAX_DEPTH:
        raise ValidationFailed(fields={"parent_id": f"层级不能超过 {MAX_DEPTH} 级"})
    _require_unique_name(node.maintenance_unit_id, parent.id if parent else None, node.name, node.id)
    node.parent_id = parent.id if parent else None
    for each in subtree:
        each.path = new_prefix + each.path[len(old_prefix) :]
    _flush_named()


ORG_NODE_IN_USE = "该组织节点下仍有下级节点或人员，无法删除"


def delete_org_node(node: OrgNode) -> None:
    """Delete an empty node: no child nodes, no staff (active or not), no maintenance record made under it."""
    _lock_hierarchy(node.maintenance_unit_id)
    child = db.select(OrgNode.id).where(OrgNode.parent_id == node.id).limit(1)
    staff = db.select(Account.id).where(Account.org_node_id == node.id).limit(1)
    if db.session.execute(child).first() or db.session.execute(staff).first():
        raise Conflict(ORG_NODE_IN_USE, code="org_node_in_use")
    record = db.select(MaintenanceRecord.id).where(MaintenanceRecord.org_node_id == node.id).limit(1)
    if db.session.execute(record).first():
        raise Conflict("该组织节点下已有维保记录，无法删除（记录须保留）", code="org_node_in_use")
    db.session.delete(node)
    try:
        db.session.flush()
    except IntegrityError as exc:
        # A person was put under the node while it was being deleted: the foreign key refused the delete.
        raise Conflict(ORG_NODE_IN_USE, code="org_node_in_use") from exc


def subtree_node_ids(node: OrgNode) -> Any:
    """A subquery of the ids of ``node`` and every node below it."""
    return db.select(OrgNode.id).where(OrgNode.path.startswith(node.path, autoescape=True))


def in_subtree(node: OrgNode, ancestor: OrgNode) -> bool:
    return node.path.startswith(ancestor.path)


def create_staff(actor: Account, data: dict[str, Any], node: OrgNode | None) -> Account:
    """A supervisor or technician of the actor's maintenance unit, or a safety manager of its use unit."""
    if (
        data.get("mobile")
        and db.session.execute(
            db.select(Account.id).where(
                Account.mobile == data["mobile"],
                Account.active.is_(True),
                Account.maintenance_unit_id == actor.maintenance_unit_id,
                Account.use_unit_id == actor.use_unit_id,
            )
        ).first()
    ):
        raise Conflict("本单位已有使用该手机号的在职人员", fields={"mobile": "已存在"}, code="duplicate_staff")
    account = Account(
        role=data["role"],
        name=data["name"],
        mobile=data.get("mobile"),
        certificate_no=data.get("certificate_no"),
        maintenance_unit_id=actor.maintenance_unit_id,
        use_unit_id=actor.use_unit_id,
        org_node_id=node.id if node else None,
    )
    db.session.add(account)
    db.session.flush()
    return account


def update_staff(actor: Account, account: Account, changes: dict[str, Any]) -> list[str]:
    changed = apply_changes(account, "account", changes, actor)
    if "name" in changed:
        # Residents see technicians' (masked) names on the public pages of the elevators they maintained.
        refresh_public_technicians(account.id)
    return changed


def move_staff(actor: Account, account: Account, node: OrgNode) -> None:
    apply_changes(account, "account", {"org_node_id": node.id}, actor)


def node_of_unit(node_id: int | None, maintenance_unit_id: int | None) -> OrgNode | None:
    if node_id is None:
        return None
    node = db.session.get(OrgNode, node_id)
    if node is None or node.maintenance_unit_id != maintenance_unit_id:
        raise NotFound("找不到该组织节点", fields={"org_node_id": "不存在"})
    return node
