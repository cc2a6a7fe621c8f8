"""EP 6 « Mot de passe oublié »."""
