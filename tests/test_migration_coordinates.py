"""Migration 0006 splits the one-block addresses into lines, postcode and city, and back down."""
from conftest import BERNARD, CLAUDE, LILA
from playhouse.migrations import Runner

from espace.database import MIGRATIONS_DIR
from espace.models import db

NAME = "0006_coordinates_and_email_change"


def addresses(database):
    rows = database.execute_sql("SELECT subscriber_number, address FROM space").fetchall()
    return dict(rows)


def test_addresses_are_split_by_the_data_step_and_joined_again_going_down(app):
    with app.app_context(), db.connection_context():
        database, param = db.obj, db.obj.param
        runner = Runner(database, MIGRATIONS_DIR)
        assert NAME in runner.down(target=NAME)
        assert "postcode" not in [c.name for c in database.get_columns("space")]
        assert "email_change" not in database.get_tables()
        assert addresses(database)[LILA] == "12, rue de Longchamp\n75016 PARIS"
        for number, address in ((LILA, "12, rue de Longchamp 75016 PARIS FRANCE"),
                                (CLAUDE, "Lieu-dit sans code postal\nDEAUVILLE")):
            database.execute_sql(f"UPDATE space SET address = {param} WHERE subscriber_number = {param}",
                                 (address, number))
        runner.up()
        rows = database.execute_sql("SELECT subscriber_number, address, postcode, city FROM space").fetchall()
        found = {number: (address, postcode, city) for number, address, postcode, city in rows}
        assert found[LILA] == ("12, rue de Longchamp", "75016", "PARIS")
        assert found[CLAUDE] == ("Lieu-dit sans code postal\nDEAUVILLE", "", "")  # kept in the lines
        assert found[BERNARD] == ("", "", "")
        assert "email_change" in database.get_tables()
