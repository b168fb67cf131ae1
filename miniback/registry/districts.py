"""Guangzhou's districts (广州市辖区), the unit of regulator scope."""

from typing import Literal, get_args

District = Literal[
    "越秀区",
    "海珠区",
    "荔湾区",
    "天河区",
    "白云区",
    "黄埔区",
    "番禺区",
    "花都区",
    "南沙区",
    "从化区",
    "增城区",
]
GUANGZHOU_DISTRICTS: tuple[District, ...] = get_args(District)
