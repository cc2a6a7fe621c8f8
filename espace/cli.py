"""Operator commands: flask --app wsgi <command>."""
import click
from flask import current_app

from .database import migrate
from .domain.activation import expire_stale_requests
from .domain.clock import now
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

    @app.cli.command("purge-expired")
    def purge_expired_command():
        """Mark activation requests past their 48 h as expired."""
        with db.connection_context():
            count = expire_stale_requests(now())
        click.echo(f"{count} demande(s) d'activation expirée(s)")
