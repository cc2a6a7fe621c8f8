"""Forms of EP 5 « Changer d'adresse électronique ou de mot de passe »."""
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import ValidationError

from ..domain.activation import CODE_LENGTH, clean_code
from ..forms import EMAIL_MAX, StepForm, at_most, required, same_as, same_password_as, valid_email, valid_password


def current_password_field():
    return PasswordField("Mot de passe actuel", [required("Saisissez votre mot de passe actuel."),
                                                 at_most(200, "Le mot de passe")])


class EmailChangeForm(StepForm):
    email = EmailField(
        "Nouvelle adresse électronique",
        [required("Saisissez la nouvelle adresse électronique."), at_most(EMAIL_MAX, "L'adresse électronique"),
         valid_email],
    )
    email_confirm = EmailField(
        "Confirmation de la nouvelle adresse électronique",
        [required("Saisissez de nouveau la nouvelle adresse électronique."),
         same_as("email", "Les deux adresses électroniques saisies sont différentes.")],
    )
    current_password = current_password_field()


class EmailConfirmForm(StepForm):
    code = StringField(
        "Code de changement d'adresse",
        [required("Saisissez le code de changement d'adresse reçu à la nouvelle adresse."),
         at_most(40, "Le code de changement d'adresse")],
    )

    def validate_code(self, field):
        if len(clean_code(field.data)) != CODE_LENGTH:
            raise ValidationError(f"Le code de changement d'adresse comporte {CODE_LENGTH} caractères.")


class PasswordChangeForm(StepForm):
    current_password = current_password_field()
    password = PasswordField("Nouveau mot de passe", [required("Saisissez le nouveau mot de passe."), valid_password])
    password_confirm = PasswordField(
        "Confirmation du nouveau mot de passe",
        [required("Saisissez de nouveau le nouveau mot de passe."),
         same_password_as("password", "Les deux mots de passe saisis sont différents.")],
    )
