"""The notification e-mails: for each event of a space that the holder is told about, its
subject, what happened and what to do if it was not them.

`advice`: « password » — someone may know the password: « Mot de passe oublié » and the
assistance; « assistance » — the password is not in question (activation, a reset from the
mailbox, a notice to an address that no longer signs in): the assistance only; « attempts » —
wrong passwords were typed: nothing was opened.
"""
from dataclasses import dataclass

from ..domain.security import AFTER_PASSWORD_CHANGE, AFTER_PASSWORD_RESET


@dataclass(frozen=True)
class Notice:
    subject: str
    what: str
    advice: str = "password"
    to_old_address: bool = False  # sent to the address the change replaced, too


NOTICES = {
    "activated": Notice(
        "Votre espace est activé",
        "L'accès à votre espace professionnel par adresse électronique et mot de passe est activé. "
        "Connectez-vous désormais avec cette adresse électronique et votre mot de passe.",
        advice="assistance"),
    "signin_new_browser": Notice(
        "Connexion depuis un nouveau navigateur",
        "Une connexion à votre espace professionnel a été confirmée avec le code envoyé par courriel, "
        "depuis un navigateur qui ne s'était jamais connecté à cet espace."),
    "signin_throttled": Notice(
        "Tentatives de connexion infructueuses",
        "Plusieurs mots de passe incorrects ont été saisis pour vous connecter à votre espace "
        "professionnel. Par sécurité, la connexion avec cette adresse demande désormais, pour un temps, "
        "de recopier aussi les caractères d'une image ; les navigateurs que vous avez mémorisés ne sont "
        "pas concernés.",
        advice="attempts"),
    "password_changed": Notice(
        "Mot de passe modifié",
        "Le mot de passe de votre espace professionnel a été modifié. " + AFTER_PASSWORD_CHANGE),
    "password_reset": Notice(
        "Votre mot de passe a été changé",
        "Le mot de passe de votre espace professionnel a été changé avec la procédure « Mot de passe "
        "oublié ». " + AFTER_PASSWORD_RESET,
        advice="assistance"),
    "email_change_requested": Notice(
        "Changement d'adresse électronique demandé",
        "Le remplacement de l'adresse électronique de connexion de votre espace par {email} a été demandé. "
        "Il ne prendra effet qu'une fois confirmé avec le code envoyé à cette adresse."),
    "email_changed": Notice(
        "Adresse électronique modifiée",
        "L'adresse électronique de connexion de votre espace est désormais {email}.",
        to_old_address=True),
    "browser_forgotten": Notice("Navigateur oublié", "{what}"),
    "session_closed": Notice("Session fermée", "{what}"),
    "other_sessions_closed": Notice("Déconnexion de tous les autres appareils", "{what}"),
    # The assistance acted at the holder's request: if it was not asked, the assistance answers.
    **{kind: Notice("Action de l'assistance sur votre espace", "{what}", advice="assistance")
       for kind in ("session_closed_by_assistance", "browser_forgotten_by_assistance",
                    "all_sessions_closed_by_assistance")},
    "coordinates_changed": Notice(
        "Coordonnées modifiées",
        "Le téléphone ou l'adresse professionnelle de votre espace ont été modifiés."),
    "trust_question_changed": Notice(
        "Question de confiance modifiée",
        "La question de confiance de votre espace professionnel et sa réponse ont été modifiées."),
}
