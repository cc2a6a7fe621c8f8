"""Forms of « Connexion à mon espace professionnel »: the password, then the e-mailed code."""
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import ValidationError

from ..domain.signin import CODE_DIGITS, clean_code
from ..forms import StepForm, at_most, required


class LoginForm(StepForm):
    email = EmailField("Adresse électronique", [required("Saisissez votre adresse électronique."),
                                                at_most(100, "L'adresse électronique")])
    password = PasswordField("Mot de passe", [required("Saisissez votre mot de passe."),
                                              at_most(200, "Le mot de passe")])
    # Asked only past the threshold of failures for the address (espace/domain/signin_password.py).
    captcha = StringField("Recopiez les caractères de l'image", [at_most(40, "La saisie")])
    # The page of the space to come back to after sign-in (checked by access.safe_return_path).
    suite = HiddenField()


class ConfirmationForm(StepForm):
    code = StringField("Code de confirmation", [required("Saisissez le code de confirmation reçu par courriel."),
                                                at_most(40, "Le code de confirmation")])
    remember = BooleanField("Se souvenir de ce navigateur")

    def validate_code(self, field):
        code = clean_code(field.data)
        if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
            raise ValidationError(f"Le code de confirmation comporte {CODE_DIGITS} chiffres.")
