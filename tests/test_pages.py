"""Public pages: home, fiches, option page, help, accessibility, errors."""
import re

import pytest

from conftest import plain, text


def test_home_has_the_button(client):
    page = text(client.get("/"))
    assert "Votre espace professionnel" in page and 'href="/connexion"' in page


def test_fiches_list_has_ep1_to_ep6(client):
    page = text(client.get("/fiches"))
    assert "Fiches focus sur les téléprocédures" in page
    for n in range(1, 7):
        assert f"Fiche EP{n}" in page
    assert 'href="/fiches/ep4"' in page


@pytest.mark.parametrize("slug, title", [
    ("ep1", "Conditions générales d'utilisation de l'espace professionnel"),
    ("ep2", "Créer un espace professionnel expert"),
    ("ep-sl", "Créer un espace professionnel simplifié et adhérer aux services"),
])
def test_other_fiches_are_help_text(client, slug, title):
    response = client.get(f"/fiches/{slug}")
    assert response.status_code == 200
    page = plain(response)
    assert f"<h1>Fiche {slug.upper()} : {title}</h1>" in page
    assert "n'est pas proposée en ligne par ce service" in page and 'href="/aide"' in page


@pytest.mark.parametrize("slug, link", [
    ("ep3", 'href="/connexion"'), ("ep5", 'href="/connexion"'), ("ep6", 'href="/mot-de-passe-oublie"'),
])
def test_fiches_of_the_procedures_built_here_lead_to_them(client, slug, link):
    page = plain(client.get(f"/fiches/{slug}"))
    assert link in page and "n'est pas proposée en ligne" not in page


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


PAGES = ["/", "/fiches", "/fiches/ep4", "/fiches/ep1", "/aide", "/accessibilite", "/connexion",
         "/mot-de-passe-oublie", "/opter/numero", "/activation/", "/page-qui-n-existe-pas"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_links_the_icon_and_has_a_description(client, url):
    page = text(client.get(url))
    assert re.search(r'<link rel="icon" href="/static/build/favicon\.[0-9a-f]{12}\.ico"', page)
    description = re.search(r'<meta name="description" content="([^"]*)">', page)
    assert description and len(description.group(1)) > 50


def test_the_icon_is_served_where_it_is_linked_and_where_browsers_look_for_it(client):
    for url in ("/static/favicon.ico", "/favicon.ico"):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_site_map_links_every_page_of_the_space(client):
    """RGAA 12.3: the « Plan du site » leads to each page of the space too (they ask to sign in first)."""
    page = plain(client.get("/plan-du-site"))
    section = page.split("<h2>Mon espace professionnel (après connexion)</h2>")[1]
    for href, name in [("/espace/", "Mon espace professionnel"), ("/espace/coordonnees", "Gérer vos coordonnées"),
                       ("/espace/adresse-electronique", "Changer d'adresse électronique"),
                       ("/espace/mot-de-passe", "Changer de mot de passe"), ("/espace/historique", "Historique"),
                       ("/espace/securite/", "Sécurité de mon espace")]:
        assert f'<a href="{href}">{name}</a>' in section, name
