"""models.Prepared: the hot queries, their SQL built once, give exactly what peewee's own query gives
(issue 16, item 12) — on SQLite here, on PostgreSQL in the scale pass."""
from datetime import datetime

import pytest
from conftest import BERNARD, CLAUDE, LILA

from espace.domain import security
from espace.models import Dossier, LegacyTrustAnswer, OpenSession, Prepared, Service, Space, db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def data(rows):
    return [(type(row).__name__, row.__data__) for row in rows]


def test_a_row_by_its_key_is_peewees_own(dbc):
    for number in (LILA, CLAUDE, BERNARD):
        space = Space.by_number(number)
        assert data([Space.find(space.id)]) == data([Space.get_or_none(Space.id == space.id)])
        assert Space.get_by_id(space.id).__data__ == Space.select().where(Space.id == space.id).get().__data__
    assert Space.find(10**9) is None
    with pytest.raises(Space.DoesNotExist):
        Space.get_by_id(10**9)
    assert isinstance(Space.find(Space.by_number(BERNARD).id).registered_at, datetime)


def test_a_space_by_number_or_login_address_is_peewees_own(dbc):
    for space in Space.select():
        assert Space.by_number(space.subscriber_number).__data__ == space.__data__
        if space.login_email:
            assert Space.by_login_email(space.login_email).__data__ == space.__data__
    assert Space.by_number("20990010000000") is None and Space.by_login_email("personne@example.fr") is None
    # No address is not « the spaces without an address » (peewee's `== None` is IS NULL).
    assert Space.select().where(Space.login_email.is_null()).count() > 0
    assert Space.by_login_email(None) is None


def test_a_session_with_its_space_is_peewees_own_join(dbc):
    bernard, lila = Space.by_number(BERNARD), Space.by_number(LILA)
    public_id = security.open_session(bernard.id, datetime(2030, 1, 15, 9), FIREFOX, "203.0.113.7")
    ours = security.check_session(bernard.id, public_id, datetime(2030, 1, 15, 9, 0, 1))
    theirs = (OpenSession.select(OpenSession, Space).join(Space)
              .where((OpenSession.public_id == public_id) & (OpenSession.space == bernard.id)).get())
    assert "space" in ours.__rel__  # the space came with the row: no second query
    assert ours.__data__ == theirs.__data__ and ours.space.__data__ == theirs.space.__data__
    with pytest.raises(security.SessionEnded):  # another space's id finds nothing
        security.check_session(lila.id, public_id, datetime(2030, 1, 15, 9, 0, 2))


def test_a_space_lists_are_peewees_own_in_order(dbc):
    bernard, lila = Space.by_number(BERNARD), Space.by_number(LILA)
    Dossier.create(space=bernard, siren="100000000", name="Premier")  # created last, listed first
    Service.create(space=bernard, name="A premier service")
    for space in (bernard, lila):
        assert data(space.dossiers_in_order()) == data(space.dossiers.order_by(Dossier.siren))
        assert data(space.services_in_order()) == data(space.services.order_by(Service.name))
        assert data(space.legacy_answers_in_order()) == data(space.legacy_answers.order_by(LegacyTrustAnswer.position))
    assert [d.siren for d in bernard.dossiers_in_order()][0] == "100000000"
    assert len(lila.legacy_answers_in_order()) == 3 and lila.legacy_answers_in_order()[0].position == 1


def test_a_value_of_its_own_is_refused(dbc):
    limited = Prepared(lambda param: Space.select().where(Space.id == param).limit(1))
    with pytest.raises(ValueError, match="values of its own"):
        limited(1)


def test_the_sql_is_kept_per_kind_of_database_not_per_database(dbc, tmp_path):
    """Its quoting and parameter style are the database class's: a database of another class gets
    its own SQL, and opening more databases of a class (as a test run does) keeps nothing more."""
    from peewee import SqliteDatabase

    by_number = Prepared(lambda param: Space.select().where(Space.subscriber_number == param))
    assert [s.subscriber_number for s in by_number(LILA)] == [LILA]
    current = db.obj
    try:
        for n in range(3):
            other = SqliteDatabase(str(tmp_path / f"other{n}.sqlite3"))
            db.initialize(other)
            other.create_tables([Space])
            assert by_number(LILA) == []
            other.close()
    finally:
        db.initialize(current)
    assert set(by_number._compiled) == {type(current), SqliteDatabase}  # one each, however many opened
    assert [s.subscriber_number for s in by_number(LILA)] == [LILA]
