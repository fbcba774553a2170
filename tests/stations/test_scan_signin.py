"""A signed-out scan lands on a sign-in page that says which station was scanned (its code from the URL only:
a signed-out person has no role anywhere, so the station's name is not disclosed) and that it returns there."""


def test_signed_out_scan_names_the_scanned_code_but_not_the_station(client, plant):
    location = client.get("/w/A-01").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "Sign in to open station <strong class=\"station-code\">A-01</strong>" in page
    assert "You go straight to it after signing in." in page
    assert "Station A1" not in page


def test_a_plain_sign_in_says_nothing_about_stations(client, plant):
    page = client.get("/login").get_data(as_text=True)
    assert "open station" not in page and "go back to the page" not in page
    other = client.get("/login?next=/documents/").get_data(as_text=True)
    assert "open station" not in other and "go back to the page you asked for" in other


def test_a_scanned_code_is_escaped(client, plant):
    page = client.get("/login?next=/w/%3Cb%3EX").get_data(as_text=True)
    assert "<b>X" not in page.replace("&lt;B&gt;X", "")
