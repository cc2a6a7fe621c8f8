"""Operator commands: flask --app wsgi <command>. Each prints; the rules are in espace/domain/."""
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from .database import migrate
from .domain import legacy_files, operations
from .domain.clock import now
from .domain.errors import Refused
from .domain.legacy import import_spaces
from .domain.seed import seed_demo, seed_load
from .extensions import encryptor, hasher
from .mail import cli as mail_cli
from .models import db


def register(app):
    for command in (migrate_command, seed_demo_command, seed_load_command, import_legacy_command,
                    stats_command, unlock_command, journal_command, purge_expired_command,
                    rotate_keys_command):
        app.cli.add_command(command)
    mail_cli.register(app)


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Apply pending database migrations."""
    with db.connection_context():
        applied = migrate(db.obj)
    click.echo(f"{len(applied)} migration(s) appliquée(s) : {', '.join(applied) or 'aucune'}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create the demo spaces of SPEC.md (idempotent)."""
    with db.connection_context():
        created = seed_demo(hasher(), encryptor())
    click.echo(f"{created} espace(s) de démonstration créé(s)")


@click.command("seed-load")
@click.argument("count", type=click.IntRange(1, 9_999_999))
@with_appcontext
def seed_load_command(count):
    """Create COUNT synthetic certificate spaces (numbers 2020100xxxxxxx) for load tests."""
    if current_app.config["ESPACE_ENV"] == "production":
        raise click.ClickException("les espaces de test de charge sont refusés en production")
    with db.connection_context():
        created = seed_load(count, hasher())
    click.echo(f"{created} espace(s) de test de charge créé(s)")


@click.command("import-legacy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(legacy_files.FORMATS),
              help="csv or json; by default the file's extension")
@click.option("--dry-run", is_flag=True, help="check every row and count, write nothing")
@with_appcontext
def import_legacy_command(path, fmt, dry_run):
    """Import certificate spaces from CSV or JSON (answers hashed on import), all or nothing."""
    try:
        with open(path, "rb") as file:
            rows = legacy_files.read_rows(file.read(), legacy_files.format_of(path, fmt))
    except legacy_files.Unreadable as exc:
        raise click.ClickException(f"fichier illisible : {exc.message}")
    rejected = legacy_files.rejected_rows(rows)
    for row in rejected:
        click.echo(f"ligne {row.line} : {row.reason}")
    if rejected:
        raise click.ClickException(
            f"rien n'a été importé : {len(rejected)} ligne(s) rejetée(s) sur {len(rows)}")
    with db.connection_context():
        if dry_run:
            present = legacy_files.already_present(rows)
            click.echo(f"essai à blanc, rien n'a été enregistré : {len(rows) - present} espace(s) "
                       f"à importer, {present} déjà présent(s)")
            return
        try:
            created, skipped = import_spaces([row.record for row in rows], hasher())
        except Refused as refusal:
            raise click.ClickException(f"rien n'a été importé : {refusal.message}")
    click.echo(f"{created} espace(s) importé(s), {skipped} déjà présent(s)")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="one JSON object, for monitoring")
@with_appcontext
def stats_command(as_json):
    """Figures: spaces by access, pending requests, expired codes, locked spaces."""
    with db.connection_context():
        figures = operations.stats(now())
    if as_json:
        click.echo(json.dumps(dict(figures), ensure_ascii=False))
        return
    width = max(len(str(count)) for _, count in figures)
    for label, count in figures:
        click.echo(f"{count:>{width}}  {label}")


@click.command("unlock")
@click.argument("number")
@with_appcontext
def unlock_command(number):
    """Clear the trust-answer and sign-in locks of the space NUMBER (n° abonné)."""
    try:
        with db.connection_context():
            cleared = operations.unlock(number, now())
    except Refused as refusal:
        raise click.ClickException(refusal.message)
    if cleared:
        click.echo(f"espace débloqué : {', '.join(cleared)}")
    else:
        click.echo("rien à débloquer : aucun blocage ni essai infructueux en cours")


@click.command("journal")
@click.argument("number")
@with_appcontext
def journal_command(number):
    """The « Historique » of the space NUMBER (n° abonné), newest first, Paris time."""
    try:
        with db.connection_context():
            lines = operations.journal(number, now())
    except Refused as refusal:
        raise click.ClickException(refusal.message)
    for day, time, label, client in lines:
        click.echo(f"{day} {time}  {client or '-':<22}  {label}")
    click.echo(f"{len(lines)} événement(s) sur les 12 derniers mois")


@click.command("purge-expired")
@with_appcontext
def purge_expired_command():
    """Expire activation requests past 48 h, forget history older than a year, and so on."""
    with db.connection_context():
        results = operations.purge_expired(now())
    for label, count in results:
        click.echo(f"{count} {label}")


@click.command("rotate-keys")
@with_appcontext
def rotate_keys_command():
    """Re-encrypt stored trust answers with the newest of ENCRYPTION_KEYS."""
    with db.connection_context():
        rotated = operations.rotate_encryption(encryptor())
    click.echo(f"{rotated} réponse(s) chiffrée(s) avec la clé la plus récente")
