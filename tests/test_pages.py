"""Public pages: home, fiches, option page, help, accessibility, errors."""
import pytest


def text(response):
    return response.get_data(as_text=True)


def test_home_has_the_button(client):
    page = text(client.get("/"))
    assert "Votre espace professionnel" in page and 'href="/connexion"' in page


def test_fiches_list_has_ep1_to_ep6(client):
    page = text(client.get("/fiches"))
    assert "Fiches focus sur les téléprocédures" in page
    for n in range(1, 7):
        assert f"Fiche EP{n}" in page
    assert 'href="/fiches/ep4"' in page


@pytest.mark.parametrize("slug", ["ep1", "ep2", "ep3", "ep5", "ep6", "ep-sl"])
def test_other_fiches_are_help_text(client, slug):
    assert client.get(f"/fiches/{slug}").status_code == 200


def test_unknown_fiche_is_a_french_404(client):
    response = client.get("/fiches/ep99")
    assert response.status_code == 404 and "Page introuvable" in text(response)


def test_help_page_gives_hours_and_number(client):
    page = text(client.get("/aide"))
    assert "8h00 à 19h30" in page and "lundi au vendredi" in page and "0809 400 210" in page


def test_every_page_links_the_accessibility_statement(client):
    for url in ("/", "/fiches", "/aide", "/connexion", "/opter/numero", "/activation/"):
        assert 'href="/accessibilite"' in text(client.get(url))
    page = text(client.get("/accessibilite"))
    assert "Déclaration d" in page and "captcha" in page.lower()


def test_wrong_method_is_a_french_405(client):
    response = client.put("/opter/numero")
    assert response.status_code == 405 and "Méthode non autorisée" in text(response)
