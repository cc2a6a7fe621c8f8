from conftest import LILA


def test_whole_procedure_then_login(walk, client):
    code = walk.option()
    walk.activate(code)
    response = walk.login()
    assert response.status_code == 303
    page = client.get("/espace/").get_data(as_text=True)
    assert LILA in page and "ROSEMONDE CONSEIL SARL" in page
