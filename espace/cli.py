"""Operator commands: flask --app wsgi <command>. Each prints, in French; the rules are in espace/domain/."""
import json
import os
import re
import sys

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

HELP = "Afficher cette aide et quitter."


def register(app):
    for command in (migrate_command, seed_demo_command, seed_load_command, import_legacy_command,
                    stats_command, unlock_command, journal_command, purge_expired_command,
                    rotate_keys_command):
        app.cli.add_command(command)
    mail_cli.register(app)


class Refusal(click.ClickException):
    """What the operator must read, alone: click would print « Error: » before it."""

    def show(self, file=None):
        click.echo(self.format_message(), file=file, err=file is None)


class UsageRefusal(click.UsageError):
    """A command typed wrong, said in French, with the usage line and where to find help."""

    def show(self, file=None):
        lines = [self.ctx.get_usage(), f"Aide : {self.ctx.command_path} --help", ""] if self.ctx else []
        click.echo("\n".join(lines + [self.message]), file=file, err=file is None)


def _usage_in_french(error):
    """click's own messages are English (« Missing argument 'NUMBER'. »): the operators read French."""
    param = getattr(error, "param", None)
    hint = (param.opts[0] if isinstance(param, click.Option) else param.human_readable_name) if param else ""
    if isinstance(error, click.MissingParameter):
        return f"argument manquant : {hint}"
    if isinstance(error, click.BadParameter):
        return f"valeur invalide pour {hint} : {_expected(param.type) if param else 'valeur incorrecte'}"
    if isinstance(error, click.NoSuchOption):
        return f"option inconnue : {legacy_files.printable(error.option_name)}"
    if isinstance(error, click.BadOptionUsage):
        return f"l'option {legacy_files.printable(error.option_name)} demande une valeur"
    extra = re.match(r"Got unexpected extra arguments? \((.*)\)", error.message)
    if extra:
        return f"argument(s) en trop : {legacy_files.printable(extra[1])}"
    return f"commande incorrecte : {legacy_files.printable(error.message)}"


def _expected(kind):
    if isinstance(kind, click.IntRange):
        return f"un nombre entier de {kind.min} à {kind.max} est attendu"
    if isinstance(kind, click.Choice):
        return f"l'une de ces valeurs est attendue : {', '.join(kind.choices)}"
    return "valeur incorrecte"


class FrenchCommand(click.Command):
    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="Utilisation : ")

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            if isinstance(error, UsageRefusal):
                raise
            context = error.ctx or self.context_class(self, info_name=info_name, parent=parent)
            raise UsageRefusal(_usage_in_french(error), context) from error


def command(name):
    """A French operator command: help, usage line and errors in French."""
    def decorate(function):
        return click.command(name, cls=FrenchCommand, options_metavar="[OPTIONS]")(
            click.help_option("--help", help=HELP)(function))
    return decorate


@command("migrate")
@with_appcontext
def migrate_command():
    """Appliquer les migrations de la base de données en attente."""
    with db.connection_context():
        applied = migrate(db.obj)
    click.echo(f"{len(applied)} migration(s) appliquée(s) : {', '.join(applied) or 'aucune'}")


@command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Créer les espaces de démonstration (ceux qui existent déjà sont laissés)."""
    with db.connection_context():
        created = seed_demo(hasher(), encryptor())
    click.echo(f"{created} espace(s) de démonstration créé(s)")


@command("seed-load")
@click.argument("count", metavar="NOMBRE", type=click.IntRange(1, 9_999_999))
@with_appcontext
def seed_load_command(count):
    """Créer NOMBRE espaces à certificat fictifs (numéros 2020100xxxxxxx) pour les tests de charge."""
    if current_app.config["ESPACE_ENV"] == "production":
        raise Refusal("les espaces de test de charge sont refusés en production")
    with db.connection_context():
        created = seed_load(count, hasher())
    click.echo(f"{created} espace(s) de test de charge créé(s)")


class _Counted:
    """A binary file that tells the progress bar how many bytes were read."""

    def __init__(self, file, advance):
        self.file, self.advance = file, advance

    def read(self, size=-1):
        data = self.file.read(size)
        self.advance(len(data))
        return data

    def readline(self, size=-1):
        data = self.file.readline(size)
        self.advance(len(data))
        return data


def _read_through(path, fmt, label):
    """The rows of the file, read as they come, under a progress bar (on stderr)."""
    try:
        file = open(path, "rb")
    except OSError as error:
        raise Refusal(f"fichier illisible : {legacy_files.printable(path)} ({_os_error(error)})")
    size = os.fstat(file.fileno()).st_size
    # Redrawn every thousandth of the file, not at each of a million lines.
    with file, click.progressbar(length=size, label=label, file=sys.stderr, show_eta=True,
                                 update_min_steps=max(1, size // 1000)) as bar:
        yield from legacy_files.rows_of(_Counted(file, bar.update), fmt)


def _os_error(error):
    if isinstance(error, FileNotFoundError):
        return "fichier introuvable"
    if isinstance(error, IsADirectoryError):
        return "c'est un dossier"
    if isinstance(error, PermissionError):
        return "lecture non autorisée"
    return "lecture impossible"


@command("import-legacy")
@click.argument("path", metavar="FICHIER")
@click.option("--format", "fmt", type=click.Choice(legacy_files.FORMATS),
              help="csv ou json ; par défaut, l'extension du fichier")
@click.option("--dry-run", is_flag=True, help="vérifier chaque ligne et compter, sans rien enregistrer")
@with_appcontext
def import_legacy_command(path, fmt, dry_run):
    """Importer des espaces à certificat d'un fichier CSV ou JSON, tout ou rien.

    Chaque ligne est vérifiée d'abord, et toutes les raisons de rejet sont données ;
    les réponses aux questions de confiance sont hachées à l'import.
    """
    check = legacy_files.FileCheck()
    try:
        fmt = legacy_files.format_of(path, fmt)
        rejected = list(check.run(_read_through(path, fmt, "Vérification")))
    except legacy_files.Unreadable as exc:
        raise Refusal(f"fichier illisible : {legacy_files.printable(exc.message)}")
    for row in rejected:
        click.echo(f"ligne {row.line} : {legacy_files.printable(row.reason)}")
    if rejected:
        raise Refusal(f"rien n'a été importé : {len(rejected)} ligne(s) rejetée(s) sur {check.rows}")
    with db.connection_context():
        if dry_run:
            present = legacy_files.already_present(check.numbers)
            click.echo(f"essai à blanc, rien n'a été enregistré : {check.rows - present} espace(s) "
                       f"à importer, {present} déjà présent(s)")
            return
        try:
            created, skipped = import_spaces(
                (row.record for row in _read_through(path, fmt, "Import")), hasher())
        except (Refused, legacy_files.Unreadable) as refusal:  # the file changed since it was checked
            raise Refusal(f"rien n'a été importé : {legacy_files.printable(refusal.message)}")
    click.echo(f"{created} espace(s) importé(s), {skipped} déjà présent(s)")


@command("stats")
@click.option("--json", "as_json", is_flag=True, help="un seul objet JSON, pour la supervision")
@with_appcontext
def stats_command(as_json):
    """Chiffres : espaces par accès, demandes, liens et codes en cours, blocages, tables à purger."""
    with db.connection_context():
        figures = operations.stats(now())
    if as_json:
        click.echo(json.dumps(dict(figures), ensure_ascii=False))
        return
    width = max(len(str(count)) for _, count in figures)
    for label, count in figures:
        click.echo(f"{count:>{width}}  {label}")


@command("unlock")
@click.argument("number", metavar="NUMERO")
@with_appcontext
def unlock_command(number):
    """Lever les blocages de l'espace NUMERO (n° abonné) : questions de confiance, connexion, codes."""
    try:
        with db.connection_context():
            cleared = operations.unlock(number, now())
    except Refused as refusal:
        raise Refusal(refusal.message)
    if cleared:
        click.echo(f"espace débloqué : {', '.join(cleared)}")
    else:
        click.echo("rien à débloquer : aucun blocage ni essai infructueux en cours")


@command("journal")
@click.argument("number", metavar="NUMERO")
@with_appcontext
def journal_command(number):
    """L'« Historique » de l'espace NUMERO (n° abonné), du plus récent au plus ancien, heure de Paris."""
    try:
        with db.connection_context():
            lines = operations.journal(number, now())
    except Refused as refusal:
        raise Refusal(refusal.message)
    for day, time, label, client in lines:
        click.echo(f"{day} {time}  {client or '-':<22}  {label}")
    click.echo(f"{len(lines)} événement(s) sur les 12 derniers mois")


@command("purge-expired")
@with_appcontext
def purge_expired_command():
    """Supprimer ce qui a dépassé sa durée de conservation (docs/rules.md, « Conservation des données »)."""
    with db.connection_context():
        results = operations.purge_expired(now())
    for label, count in results:
        click.echo(f"{count} {label}")


@command("rotate-keys")
@with_appcontext
def rotate_keys_command():
    """Rechiffrer les réponses stockées avec la plus récente des clés d'ENCRYPTION_KEYS."""
    with db.connection_context():
        rotated = operations.rotate_encryption(encryptor())
    click.echo(f"{rotated} réponse(s) chiffrée(s) avec la clé la plus récente")
