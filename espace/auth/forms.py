"""The login form of « Connexion à mon espace professionnel »."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField

from ..forms import at_most, required


class LoginForm(FlaskForm):
    email = EmailField("Adresse électronique", [required("Saisissez votre adresse électronique."),
                                                at_most(100, "L'adresse électronique")])
    password = PasswordField("Mot de passe", [required("Saisissez votre mot de passe."),
                                              at_most(200, "Le mot de passe")])
