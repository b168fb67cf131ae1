"""The database itself refuses to change submitted content (triggers created by migration 0002)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from miniback.extensions import db
from miniback.models import SignatureImage


def _stored_signature() -> SignatureImage:
    image = SignatureImage(sha256="a" * 64, content=b"\x89PNG", width=1, height=1, size_bytes=4)
    db.session.add(image)
    db.session.commit()
    return image


def test_database_refuses_update_of_signature_image(app):
    _stored_signature()
    with pytest.raises(OperationalError) as raised:
        db.session.execute(text("UPDATE signature_image SET width = 2"))
    assert raised.value.orig.args[0] == 1644
    db.session.rollback()


def test_database_refuses_delete_of_signature_image(app):
    _stored_signature()
    with pytest.raises(OperationalError) as raised:
        db.session.execute(text("DELETE FROM signature_image"))
    assert raised.value.orig.args[0] == 1644
    db.session.rollback()
    assert db.session.execute(text("SELECT COUNT(*) FROM signature_image")).scalar_one() == 1
