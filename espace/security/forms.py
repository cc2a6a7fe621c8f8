"""The forms of « Sécurité de mon espace »: one button each, naming a row by its public id."""
from wtforms import HiddenField

from ..forms import StepForm, required

NOTHING_CHOSEN = "Aucun navigateur ni session n'a été indiqué : rien n'a été modifié."


class ForgetBrowserForm(StepForm):
    """« Oublier ce navigateur »."""

    navigateur = HiddenField(validators=[required(NOTHING_CHOSEN)])


class CloseSessionForm(StepForm):
    """« Fermer » on another session."""

    session = HiddenField(validators=[required(NOTHING_CHOSEN)])


class CloseOthersForm(StepForm):
    """« Me déconnecter de tous les autres appareils »."""


class ExtendForm(StepForm):
    """« Prolonger ma session »; `retour`: the page it was pressed on (without JavaScript)."""

    retour = HiddenField()
