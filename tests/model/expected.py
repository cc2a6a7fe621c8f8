"""What the model expects of the app, in one place, so a change of the rules is one edit here.

Each entry says what the SPEC asks and the code does on the day the machine was written; when a
rule changes (a mail queue, notifications, pending codes ended by a password change…), change it
here and the machine follows.
"""
from espace.domain import credentials_change, reset, signin, signin_password
from espace.domain.identity import MAX_ANSWER_FAILURES

# The mails each action sends: (subject before « – espace professionnel », recipient role).
# Roles: "login" the space's login address after the action, "old" the one before it,
# "new" the address the action chose (EP 4 request, EP 5 request).
MAILS = {
    "activation_requested": [("Votre code d'activation", "new")],
    "activated": [("Votre espace est activé", "login")],
    "signin_code": [("Votre code de confirmation de connexion", "login")],
    "signin_new_browser": [("Connexion depuis un nouveau navigateur", "login")],
    "signin_throttled": [("Tentatives de connexion infructueuses", "login")],
    "reset_link": [("Choisir un nouveau mot de passe", "login")],
    "password_reset": [("Votre mot de passe a été changé", "login")],
    "password_changed": [("Mot de passe modifié", "login")],
    "email_change_requested": [("Confirmez votre nouvelle adresse électronique", "new"),
                               ("Changement d'adresse électronique demandé", "login")],
    "email_changed": [("Adresse électronique modifiée", "old"), ("Adresse électronique modifiée", "login")],
    "trust_question_changed": [("Question de confiance modifiée", "login")],
    "coordinates_changed": [("Coordonnées modifiées", "login")],
}

# Limits and locks (the domain's own constants: the machine counts against them).
LOGIN_FAILURES = signin_password.MAX_LOGIN_FAILURES       # wrong passwords for an address: then the captcha is asked
PASSWORD_CHECK_FAILURES = credentials_change.MAX_PASSWORD_CHECK_FAILURES  # EP 5 / EP 3: the next check locks
ANSWER_FAILURES = MAX_ANSWER_FAILURES           # trust answers (EP 4) and the EP 6 question, one lock
SIGNIN_CODE_TRIES = signin.MAX_TRIES            # per sign-in code
SIGNIN_CODES_PER_HOUR = signin.MAX_CODES        # per space (the machine's runs last well under an hour)
SIGNIN_RESENDS = signin.MAX_RESENDS             # per pending sign-in, after its first code
RESET_LINKS_PER_HOUR = reset.MAX_LINKS_PER_HOUR  # per space

# What a password change (EP 5) or a reset (EP 6) ends, besides the old password.
ENDS_OTHER_SESSIONS = True          # every other signed-in browser of the space is signed out
ENDS_REMEMBERED_BROWSERS = True     # the code is asked again everywhere but the browser that changed it (EP 5)
ENDS_PENDING_SIGNINS = True         # a browser waiting at the code step starts again
ENDS_RESET_LINKS = True             # any credential change (password, address; question: links only)
ENDS_EMAIL_CHANGE = True            # a pending EP 5 address change dies with a new password or address
ENDS_SIGNIN_CODES = True            # the codes waiting die with a new password or address

# Where each user-facing answer leads (Location of the 303).
HOME, LOGIN, SPACE = "/", "/connexion", "/espace/"
OPTION = ("/opter/numero", "/opter/verification", "/opter/identifiants", "/opter/question", "/opter/validation")
ACTIVATION = ("/activation/", "/activation/identifiants", "/activation/recapitulatif")
SIGNIN_CODE = "/connexion/code"
RESET = ("/mot-de-passe-oublie", "/mot-de-passe-oublie/message-envoye", "/mot-de-passe-oublie/question",
         "/mot-de-passe-oublie/nouveau-mot-de-passe")
EMAIL_CHANGE = ("/espace/adresse-electronique", "/espace/adresse-electronique/confirmation",
                "/espace/adresse-electronique/modifiee")
PASSWORD_CHANGE = "/espace/mot-de-passe"
COORDINATES = "/espace/coordonnees"
