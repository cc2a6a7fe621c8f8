"""The assistance the site and every notification point to (chapter 6 of the fiche)."""
PHONE = "0809 400 210"
PHONE_URI = "tel:+33809400210"
HOURS = "de 8h00 à 19h30 du lundi au vendredi"
