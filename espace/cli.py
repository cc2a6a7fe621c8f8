"""Operator commands: flask --app wsgi <command>."""
import json

import click
from flask import current_app

from .database import migrate
from .domain.activation import expire_stale_requests
from .domain.clock import now
from .domain.errors import Refused
from .domain.legacy import import_spaces
from .domain.seed import seed_demo
from .models import db


def register(app):
    @app.cli.command("migrate")
    def migrate_command():
        """Apply pending database migrations."""
        with db.connection_context():
            applied = migrate(db.obj)
        click.echo(f"{len(applied)} migration(s) appliquée(s) : {', '.join(applied) or 'aucune'}")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo spaces of SPEC.md (idempotent)."""
        with db.connection_context():
            created = seed_demo(current_app.extensions["espace.hasher"],
                                current_app.extensions["espace.encryptor"])
        click.echo(f"{created} espace(s) de démonstration créé(s)")

    @app.cli.command("import-legacy")
    @click.argument("path", type=click.File("r", encoding="utf-8"))
    def import_legacy_command(path):
        """Import certificate spaces from a JSON list (answers in clear, hashed on import)."""
        try:
            records = json.load(path)
            with db.connection_context():
                created, skipped = import_spaces(records, current_app.extensions["espace.hasher"])
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise click.ClickException(f"fichier illisible : {exc}")
        except Refused as refusal:
            raise click.ClickException(f"rien n'a été importé : {refusal.message}")
        click.echo(f"{created} espace(s) importé(s), {skipped} déjà présent(s)")

    @app.cli.command("purge-expired")
    def purge_expired_command():
        """Mark activation requests past their 48 h as expired."""
        with db.connection_context():
            count = expire_stale_requests(now())
        click.echo(f"{count} demande(s) d'activation expirée(s)")
