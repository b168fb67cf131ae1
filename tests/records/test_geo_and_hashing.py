import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from miniback.records.calendar import add_months
from miniback.records.geo import haversine_m, to_gcj02, wgs84_to_gcj02
from signoff.ledger.hashing import canonical_json, content_hash, sha256_hex, verify_canonical


def test_wgs84_to_gcj02_shifts_guangzhou_by_the_known_offset():
    lat, lng = wgs84_to_gcj02(23.1291, 113.2644)
    # GCJ-02 in Guangzhou lies ~0.0027° south and ~0.0054° east of WGS-84 (several hundred metres).
    assert lat == pytest.approx(23.1291 - 0.00268, abs=0.0003)
    assert lng == pytest.approx(113.2644 + 0.00540, abs=0.0003)
    assert 450 < haversine_m(23.1291, 113.2644, lat, lng) < 650


def test_points_outside_china_are_not_shifted():
    assert wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)
    assert to_gcj02(23.0, 113.0, "gcj02") == (23.0, 113.0)


def test_haversine_of_one_degree_of_latitude():
    assert haversine_m(23.0, 113.0, 24.0, 113.0) == pytest.approx(111195, rel=1e-3)


def test_canonical_json_sorts_keys_and_has_no_whitespace():
    text = canonical_json({"b": 1, "a": "电梯", "c": [Decimal("1.50"), date(2026, 1, 31)]})
    assert text == '{"a":"电梯","b":1,"c":["1.50","2026-01-31"]}'


def test_canonical_json_writes_times_in_utc_and_bytes_by_hash():
    moment = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert json.loads(canonical_json({"t": moment, "png": b"abc"})) == {
        "t": "2026-11-25T09:30:00.000000+00:00",
        "png": sha256_hex(b"abc"),
    }


def test_content_hash_is_sha256_of_the_canonical_text():
    text, digest = content_hash({"x": 1})
    assert text == '{"x":1}'
    assert digest == "5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22"
    assert verify_canonical(text, digest)
    assert not verify_canonical('{"x":2}', digest)


def test_canonical_json_refuses_naive_times_and_nan():
    with pytest.raises(ValueError):
        canonical_json({"t": datetime(2026, 1, 1)})
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 15), 12, date(2027, 12, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected
