"""Forms of « Activez votre espace / vos services »."""
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import ValidationError

from ..domain.activation import CODE_LENGTH, clean_code
from ..forms import EMAIL_MAX, at_most, required, valid_email


class CodeForm(FlaskForm):
    code = StringField(
        "Saisissez le code d'activation",
        [required("Saisissez le code d'activation reçu par courriel."),
         at_most(40, "Le code d'activation")],
    )
    captcha = StringField(
        "Recopiez les caractères de l'image",
        [required("Recopiez les caractères de l'image, ou écoutez l'extrait sonore."),
         at_most(40, "La saisie")],
    )

    def validate_code(self, field):
        if len(clean_code(field.data)) != CODE_LENGTH:
            raise ValidationError(f"Le code d'activation comporte {CODE_LENGTH} caractères.")


class ConnectionEmailForm(FlaskForm):
    email = EmailField(
        "Saisissez votre adresse électronique de connexion",
        [required("Saisissez votre adresse électronique de connexion."),
         at_most(EMAIL_MAX, "L'adresse électronique"), valid_email],
    )
