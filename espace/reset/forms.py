"""Forms of « Mot de passe oublié »."""
from wtforms import EmailField, PasswordField, StringField

from ..domain.activation import TRUST_ANSWER_MAX
from ..forms import EMAIL_MAX, StepForm, at_most, required, same_password_as, valid_email, valid_password


class RequestForm(StepForm):
    email = EmailField(
        "Adresse électronique de connexion",
        [required("Saisissez l'adresse électronique avec laquelle vous vous connectez."),
         at_most(EMAIL_MAX, "L'adresse électronique"), valid_email],
    )
    captcha = StringField(
        "Recopiez les caractères de l'image",
        [required("Recopiez les caractères de l'image, ou écoutez l'extrait sonore."),
         at_most(40, "La saisie")],
    )


class AnswerForm(StepForm):
    answer = StringField(
        "Réponse à la question de confiance",
        [required("Saisissez la réponse à votre question de confiance."),
         at_most(TRUST_ANSWER_MAX, "La réponse")],
    )


class PasswordForm(StepForm):
    password = PasswordField("Nouveau mot de passe", [required("Saisissez un nouveau mot de passe."), valid_password])
    password_confirm = PasswordField(
        "Confirmation du nouveau mot de passe",
        [required("Saisissez de nouveau votre nouveau mot de passe."),
         same_password_as("password", "Les deux mots de passe saisis sont différents.")],
    )
