"""Static files go out gzip-compressed to browsers that accept it (plant Wi-Fi is slow); pages never do (BREACH)."""
import gzip
import re

import pytest

from fieldaudit import paths

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def asset_urls(client) -> dict[str, str]:
    """The stylesheet, htmx, the queue script and the icon, as the sign-in page links them."""
    html = client.get("/login").get_data(as_text=True)
    found = {}
    for name, pattern in {"css": r'href="(/assets/css/app\.[0-9a-f]{10}\.css)"',
                          "htmx": r'src="(/assets/vendor/htmx/htmx-[^"]+\.js)"',
                          "queue": r'src="(/assets/js/queue\.[0-9a-f]{10}\.js)"',
                          "svg": r'href="(/assets/img/icon\.[0-9a-f]{10}\.svg)"'}.items():
        found[name] = re.search(pattern, html).group(1)
    return found


def source_of(url: str) -> bytes:
    """The file behind a versioned URL, read from static/."""
    stem, _digest, ext = url.removeprefix("/assets/").rsplit(".", 2)
    return (paths.resource("static") / f"{stem}.{ext}").read_bytes()


@pytest.mark.parametrize("kind", ["css", "htmx", "queue"])
def test_text_assets_are_gzipped_when_the_browser_accepts_it(client, kind):
    url = asset_urls(client)[kind]
    response = client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.data) == source_of(url)
    assert len(response.data) < len(source_of(url)) * 0.6
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    expected = {"css": "text/css", "htmx": "text/javascript", "queue": "text/javascript"}[kind]
    assert response.mimetype == expected


@pytest.mark.parametrize("header", [None, "identity", "gzip;q=0, br"])
def test_assets_are_sent_plain_to_a_client_that_does_not_accept_gzip(client, header):
    url = asset_urls(client)["queue"]
    response = client.get(url, headers={"Accept-Encoding": header} if header else {})
    assert "Content-Encoding" not in response.headers
    assert response.data == source_of(url)
    response.close()


def test_a_file_of_a_few_hundred_bytes_is_not_worth_compressing(client):
    url = asset_urls(client)["svg"]
    assert len(source_of(url)) < 1024
    response = client.get(url, headers=GZIP)
    assert "Content-Encoding" not in response.headers and response.mimetype == "image/svg+xml"
    assert response.data == source_of(url)
    response.close()


def test_images_that_are_already_compressed_are_sent_as_they_are(client):
    html = client.get("/manifest.webmanifest").get_data(as_text=True)
    url = re.search(r'"(/assets/img/icon-192\.[0-9a-f]{10}\.png)"', html).group(1)
    response = client.get(url, headers=GZIP)
    assert "Content-Encoding" not in response.headers
    assert response.data == source_of(url)
    response.close()


def test_a_stale_digest_is_not_found_compressed_or_not(client):
    url = asset_urls(client)["queue"]
    stale = url.replace(url.split(".")[-2], "0000000000")
    assert client.get(stale, headers=GZIP).status_code == 404


def test_pages_are_never_compressed(auth, plant):
    """A page holds the CSRF token beside text users typed: compressing it would open a BREACH side channel."""
    auth.login("root")
    for url in ["/", f"/sites/{plant['a']['id']}", "/account", "/capa/"]:
        response = auth.client.get(url, headers=GZIP)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response.headers, url
        assert b"csrf-token" in response.data, url
