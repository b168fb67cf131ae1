"""The platform schemas: registration and details, keys, status, history, conformance, figures, the units'
authorisations and the public list of connected platforms."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from miniback.api.schemas.fields import CreditCode, Out, Page, Paragraphs500, Phone, Text50, Text100, Text500
from miniback.api.validation import Schema
from miniback.models import PlatformKey

PlatformCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9-]{3,23}$"),
    Field(description="平台代码：3–23 位小写字母、数字或连字符；其上传的记录来源为 platform:<代码>，登记后不可修改"),
]
Email = Annotated[str, StringConstraints(max_length=100, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
CallbackUrl = Annotated[Text500, Field(description="回调地址：生产环境须为 https，且不能指向内网、本机或保留地址")]
# A PEM block spans lines: not a one-line text field.
PublicKeyPem = Annotated[
    str,
    StringConstraints(min_length=1, max_length=5000),
    Field(
        description="PEM 格式公钥（-----BEGIN PUBLIC KEY-----）：Ed25519，或 RSA 2048–4096 位（SHA-256，PKCS#1 v1.5）"
    ),
]
PlatformStatus = Literal["testing", "connected", "suspended", "revoked"]


class PlatformRegistration(Schema):
    code: PlatformCode
    name: Text100
    company_name: Text100
    company_credit_code: CreditCode
    contact_name: Text50
    contact_phone: Phone
    contact_email: Email | None = None
    callback_url: CallbackUrl | None = None
    public_key_pem: PublicKeyPem | None = None


class PlatformUpdate(Schema):
    """Only the fields sent change; ``contact_email`` and ``callback_url`` may be set to null to clear them."""

    name: Text100 | None = None
    company_name: Text100 | None = None
    company_credit_code: CreditCode | None = None
    contact_name: Text50 | None = None
    contact_phone: Phone | None = None
    contact_email: Email | None = None
    callback_url: CallbackUrl | None = None


class PlatformQuery(Page):
    status: PlatformStatus | None = None
    q: Text50 | None = Field(None, description="按平台代码、名称或运营公司查找")


class KeyIn(Schema):
    public_key_pem: PublicKeyPem


class StatusIn(Schema):
    status: Literal["connected", "suspended", "revoked"] = Field(
        description="connected：上线（须对接测试全部通过）或恢复；suspended：暂停；revoked：撤销（不可恢复）"
    )
    reason: Paragraphs500 | None = Field(None, description="原因；暂停、撤销时必填")


class PlatformKeyOut(Out):
    key_id: str
    algorithm: str
    fingerprint: str
    public_key_pem: str
    created_at: datetime
    retired_at: datetime | None
    active: bool


def key_out(key: PlatformKey) -> PlatformKeyOut:
    """A key as every route shows it (the operator's, the unit admin's and the platform's own)."""
    return PlatformKeyOut(
        key_id=key.key_id,
        algorithm=key.algorithm,
        fingerprint=key.fingerprint,
        public_key_pem=key.public_key_pem,
        created_at=key.created_at,
        retired_at=key.retired_at,
        active=key.retired_at is None,
    )


class PlatformOut(Out):
    id: int
    code: str
    name: str
    company_name: str
    company_credit_code: str
    contact_name: str
    contact_phone: str
    contact_email: str | None
    callback_url: str | None
    status: PlatformStatus
    status_reason: str | None
    status_changed_at: datetime
    connected_at: datetime | None
    created_at: datetime
    sandbox: bool
    keys: list[PlatformKeyOut]
    authorised_units: int


class PlatformListItemOut(Out):
    id: int
    code: str
    name: str
    company_name: str
    company_credit_code: str
    status: PlatformStatus
    connected_at: datetime | None
    created_at: datetime
    authorised: bool | None = Field(description="单位管理员：本单位是否已授权该平台；平台运营方为 null")


class PlatformEventOut(Out):
    id: int
    kind: Literal[
        "registered", "updated", "key_added", "key_retired", "connected", "suspended", "reinstated", "revoked"
    ]
    from_status: PlatformStatus | None
    to_status: PlatformStatus | None
    reason: str | None
    changes: dict[str, Any] | None
    actor_id: int | None
    actor_name: str | None = Field(description="操作人；平台自己轮换密钥时为 null（见 key_id）")
    key_id: str | None = Field(description="平台自己操作时所用的签名密钥")
    occurred_at: datetime


class ScenarioOut(Out):
    code: Literal[
        "single_upload", "batch_with_invalid", "idempotent_retry", "conflict_409", "delay_notice", "callback_acked"
    ]
    title: str
    passed: bool
    at: datetime | None = Field(description="首次通过的时间")
    detail: str


class ConformanceOut(Out):
    all_passed: bool
    scenarios: list[ScenarioOut]


class FiguresQuery(Schema):
    date_from: date | None = Field(None, description="开始日期（北京时间），默认结束日期前 29 天")
    date_to: date | None = Field(None, description="结束日期（北京时间），默认今天；一次最多 92 天")


class FlagRatesOut(Out):
    distance: float | None
    duration: float | None
    overlap: float | None
    any: float | None


class DayFiguresOut(Out):
    day: date
    uploads: int = Field(description="当天上传成功（新建）的维保记录数")
    delay_notices: int
    duplicates: int = Field(description="重复提交（幂等返回已有记录）的条目数")
    rejected: int
    rejections: dict[str, int] = Field(description="被拒绝的条目或请求数，按错误码")
    late_upload_share: float | None = Field(description="逾期上传的记录占比（0–1）；当天无上传为 null")
    flag_rates: FlagRatesOut = Field(description="带各异常标记的记录占比（any：任一标记）")
    callbacks_delivered: int
    callback_failures: int = Field(description="当天未获 2xx 的回调投递尝试次数")
    callbacks_failed: int = Field(description="当天产生、最终投递失败的回调数")


class FiguresOut(Out):
    date_from: date
    date_to: date
    days: list[DayFiguresOut]


class AuthorisationIn(Schema):
    platform_client_id: int


class AuthorisationRevokeIn(Schema):
    reason: Paragraphs500 | None = None


class AuthorisationOut(Out):
    id: int
    platform_client_id: int
    platform_code: str
    platform_name: str
    platform_status: PlatformStatus
    maintenance_unit_id: int
    granted_by_id: int
    granted_by_name: str | None = Field(description="授权人姓名")
    granted_at: datetime
    revoked_by_id: int | None
    revoked_by_name: str | None = Field(description="撤销人姓名")
    revoked_at: datetime | None
    revoke_reason: str | None
    live: bool


class PublicPlatformOut(Out):
    code: str
    name: str
    company_name: str
    company_credit_code: str
    connected_since: date = Field(description="完成对接（上线）的日期，北京时间")


class PublicPlatformListOut(Out):
    items: list[PublicPlatformOut]
    total: int
