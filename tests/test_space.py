"""« Mon espace professionnel » after sign-in: only for a signed-in holder; « Gérer vos coordonnées »
shows the recap again, with its PDF."""
from conftest import BERNARD_PASSWORD, text


def test_space_requires_login(client):
    for url in ("/espace/", "/espace/coordonnees", "/espace/coordonnees/recapitulatif.pdf"):
        response = client.get(url)
        assert response.status_code == 303 and "/connexion" in response.location


def test_coordinates_show_the_recap_again(walk, client):
    walk.login("toto321@toto.toto", BERNARD_PASSWORD)
    page = text(client.get("/espace/coordonnees"))
    assert "Gérer vos coordonnées" in page and "02 33 47 67 96" in page and "Votre hobby ?" in page
    assert 'href="/espace/coordonnees/recapitulatif.pdf"' in page
    pdf = client.get("/espace/coordonnees/recapitulatif.pdf")
    assert pdf.mimetype == "application/pdf"
