"""Forms of the wizard « Opter pour l'accès sans certificat »."""
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ..domain.activation import TRUST_ANSWER_MAX, TRUST_QUESTIONS
from ..domain.identity import clean_number, is_valid_number
from ..forms import EMAIL_MAX, StepForm, at_most, required, same_as, same_password_as, valid_email, valid_password


def fourteen_digits(form, field):
    if not is_valid_number(clean_number(field.data)):
        raise ValidationError("Le numéro d'abonné doit comporter exactement 14 chiffres.")


class NumberForm(StepForm):
    number = StringField(
        "Numéro d'abonné",
        [required("Saisissez votre numéro d'abonné."), at_most(40, "Le numéro d'abonné"), fourteen_digits],
    )


def _answer(n):
    return StringField(
        f"Réponse n° {n}",
        [required(f"Saisissez la réponse n° {n}."), at_most(TRUST_ANSWER_MAX, f"La réponse n° {n}")],
    )


class AnswersForm(StepForm):
    answer1 = _answer(1)
    answer2 = _answer(2)
    answer3 = _answer(3)

    def answers(self):
        return [self.answer1.data, self.answer2.data, self.answer3.data]

    def forget_answers(self):
        """Trust answers are never sent back to the browser."""
        for field in (self.answer1, self.answer2, self.answer3):
            field.raw_data, field.data = [], ""


class CredentialsForm(StepForm):
    email = EmailField(
        "Adresse électronique",
        [required("Saisissez votre adresse électronique."), at_most(EMAIL_MAX, "L'adresse électronique"), valid_email],
    )
    email_confirm = EmailField(
        "Confirmation de l'adresse électronique",
        [required("Saisissez de nouveau votre adresse électronique."),
         same_as("email", "Les deux adresses électroniques saisies sont différentes.")],
    )
    password = PasswordField("Mot de passe", [required("Saisissez un mot de passe."), valid_password])
    password_confirm = PasswordField(
        "Confirmation du mot de passe",
        [required("Saisissez de nouveau votre mot de passe."),
         same_password_as("password", "Les deux mots de passe saisis sont différents.")],
    )


class QuestionForm(StepForm):
    question = SelectField(
        "Question de confiance",
        # An empty first choice, so that the browser's `required` can catch « nothing chosen ».
        choices=[SelectChoice("", "Choisissez une question")] + [SelectChoice(q) for q in TRUST_QUESTIONS],
        validate_choice=False,
    )
    answer = StringField(
        "Réponse à la question de confiance",
        [required("Saisissez la réponse à la question de confiance."),
         at_most(TRUST_ANSWER_MAX, "La réponse")],
    )

    def validate_question(self, field):
        if field.data not in TRUST_QUESTIONS:
            raise ValidationError("Choisissez une question de confiance dans la liste.")
