"""Forms of EP 3 « Modifier les coordonnées »."""
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ..domain import coordinates
from ..domain.activation import TRUST_ANSWER_MAX, TRUST_QUESTIONS
from ..forms import StepForm, at_most, required


def checked_by(problem):
    """A validator from a domain rule that returns the French message, or None."""
    def check(form, field):
        message = problem(field.data)
        if message:
            raise ValidationError(message)

    return check


class CoordinatesForm(StepForm):
    phone = StringField("Téléphone", [at_most(coordinates.PHONE_INPUT_MAX, "Le numéro de téléphone"),
                                      checked_by(coordinates.phone_problem)])
    address = TextAreaField("Adresse (numéro, voie, complément)",
                            [at_most(400, "L'adresse"), checked_by(coordinates.lines_problem)])
    postcode = StringField("Code postal", [at_most(20, "Le code postal"), checked_by(coordinates.postcode_problem)])
    city = StringField("Ville", [at_most(100, "La ville"), checked_by(coordinates.city_problem)])


class TrustQuestionForm(StepForm):
    # A required <select> starts with an empty choice (HTML), as at EP 4 step 4; the current question stays selected.
    question = SelectField("Nouvelle question de confiance",
                           choices=[SelectChoice("", "Choisissez une question")] + [SelectChoice(q) for q in TRUST_QUESTIONS],
                           validate_choice=False)
    answer = StringField(
        "Réponse à la question de confiance",
        [required("Saisissez la réponse à la question de confiance."), at_most(TRUST_ANSWER_MAX, "La réponse")],
    )
    current_password = PasswordField("Mot de passe actuel", [required("Saisissez votre mot de passe actuel."),
                                                              at_most(200, "Le mot de passe")])

    def validate_question(self, field):
        if field.data not in TRUST_QUESTIONS:
            raise ValidationError("Choisissez une question de confiance dans la liste.")
