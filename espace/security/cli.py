"""`flask --app wsgi sessions NUMERO`: the assistance lists and ends a space's sessions and browsers.

Thin over espace/domain/security.py: the domain function of each action tells the holder's
« Historique » and mailbox (its event), as when they act themselves.
"""
import click
from flask.cli import with_appcontext

from ..domain import history, operations, security
from ..domain.clock import now
from ..domain.errors import Refused
from ..models import db


def register(app):
    app.cli.add_command(sessions_command)


def _when(moment):
    day, time = history.local_date_time(moment)
    return f"{day} {time}"


def _line(row, first, last):
    label = security.agent_label(row.browser, row.system)
    return (f"  {row.public_id}  {label:<32}  {row.client or '-':<22}  "
            f"{first} {_when(row.created_at)}, {last} {_when(row.last_used_at)}")


def _fail(message):
    click.echo(message, err=True)
    click.get_current_context().exit(1)


@click.command("sessions", help="Sessions ouvertes et navigateurs mémorisés de l'espace NUMERO "
                                "(n° abonné) ; --fermer ID ou --tout pour y mettre fin.")
@click.argument("number", metavar="NUMERO")
@click.option("--fermer", "target", metavar="ID",
              help="ferme la session ou oublie le navigateur mémorisé ID (première colonne de la liste)")
@click.option("--tout", "everything", is_flag=True,
              help="ferme toutes les sessions et oublie tous les navigateurs mémorisés de l'espace")
@with_appcontext
def sessions_command(number, target, everything):
    if target and everything:
        _fail("Choisissez --fermer ID ou --tout, pas les deux.")
    moment = now()
    try:
        with db.connection_context():
            space = operations.space_of(number)
            if everything:
                told = security.assistance_ends_everything(space.id, moment)
            elif target:
                told = security.assistance_ends(space.id, target, moment)
            else:
                _list(space, moment)
                return
    except Refused as refusal:
        _fail(refusal.message)
    click.echo(told)


def _list(space, moment):
    sessions = security.open_sessions(space.id, moment)
    browsers = security.remembered_browsers(space.id, moment)
    click.echo(f"Sessions ouvertes ({len(sessions)}) :")
    for row in sessions:
        click.echo(_line(row, "ouverte le", "dernière activité le"))
    click.echo(f"Navigateurs mémorisés ({len(browsers)}) :")
    for row in browsers:
        click.echo(_line(row, "mémorisé le", "dernière utilisation le"))
