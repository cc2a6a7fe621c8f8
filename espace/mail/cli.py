"""Operator commands of the mail queue: flask --app wsgi send-mail | mail-queue."""
import signal

import click
from flask.cli import with_appcontext

from ..domain.clock import now, to_paris
from ..models import db
from ..domain import mail_queue as queue
from . import sender


def register(app):
    for command in (send_mail_command, mail_queue_command):
        app.cli.add_command(command)


def paris(moment):
    return f"{to_paris(moment):%d/%m/%Y à %Hh%Mmn%Ss}"


@click.command("send-mail")
@click.option("--once", is_flag=True, help="send what is due, then exit")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=1.0, show_default=True,
              help="seconds between two looks at the queue")
@with_appcontext
def send_mail_command(once, interval):
    """Send the queued mail: the sender worker (deploy/systemd/espace-mail.service)."""
    if once:
        with db.connection_context():
            counts = sender.drain()
        click.echo(f"{counts['sent']} message(s) envoyé(s), {counts['retry']} à réessayer, "
                   f"{counts['failed']} en échec définitif")
        return
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):  # systemctl stop: the message being sent is finished
        signal.signal(sig, lambda *_: stop.append(True))
    click.echo(f"envoi du courrier en attente, toutes les {interval:g} s (arrêt : SIGTERM ou Ctrl-C)")
    sender.run_forever(interval, stopping=lambda: bool(stop))
    db.close()
    click.echo("envoi du courrier arrêté")


def describe(job):
    what = ("demande « Mot de passe oublié » (adresse chiffrée)" if job.kind == queue.RESET
            else f"« {job.subject} » à {job.recipient}")
    line = f"  n° {job.id}, mis en file le {paris(job.created_at)}, {what}, {job.attempts} tentative(s)"
    if job.state == queue.PENDING:
        line += f", prochain essai le {paris(job.next_attempt_at)}"
    if job.last_error:
        line += f", dernière erreur : {job.last_error}"
    return line


@click.command("mail-queue")
@click.option("--retry-failed", is_flag=True, help="put the messages failed for good back in the queue")
@with_appcontext
def mail_queue_command(retry_failed):
    """List the mail not sent yet: pending (with their next try) and failed for good."""
    with db.connection_context():
        if retry_failed:
            click.echo(f"{queue.retry_failed(now())} message(s) en échec remis en file")
        jobs = queue.waiting()
    pending = [job for job in jobs if job.state == queue.PENDING]
    failed = [job for job in jobs if job.state == queue.FAILED]
    click.echo(f"{len(pending)} message(s) en attente d'envoi (heure de Paris)")
    for job in pending:
        click.echo(describe(job))
    click.echo(f"{len(failed)} message(s) en échec définitif (non envoyés ; --retry-failed pour réessayer)")
    for job in failed:
        click.echo(describe(job))
