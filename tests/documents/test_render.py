"""Document Markdown: malicious HTML and links come out inert; ordinary formatting survives."""
from html.parser import HTMLParser

import pytest

from fieldaudit.documents.render import safe_link, to_html

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](file:///etc/passwd)",
    "<javascript:alert(1)>",
    "![x](data:image/svg+xml;base64,PHN2Zy8+)",
    "![x](https://tracker.example/pixel.png)",
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1))',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    "[x](//evil.example/phish)",
]


class Tags(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attrs = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs


@pytest.mark.parametrize("payload", PAYLOADS)
def test_malicious_markdown_is_inert(payload):
    html = str(to_html(f"Before\n\n{payload}\n\nAfter"))
    parsed = Tags(html)
    assert not set(parsed.tags) & {"script", "img", "iframe", "style", "object", "embed", "svg"}
    assert not [name for name, _ in parsed.attrs if name.startswith("on") or name in ("style", "src")]
    hrefs = [value for name, value in parsed.attrs if name == "href"]
    for href in hrefs:
        assert href.startswith(("https://", "http://", "mailto:", "/", "#")) or ":" not in href.split("/")[0]
        assert not href.startswith("//")
    assert "Before" in html and "After" in html


def test_ordinary_formatting_survives():
    html = str(to_html("## Method\n1. **Check** the [calibration](/documents/code/SOP-QA-010)\n\n"
                       "| a | b |\n|---|---|\n| 1 | 2 |\n\n[site](https://example.com) <mailto:qa@example.com>"))
    assert "<h2>Method</h2>" in html and "<strong>Check</strong>" in html
    assert '<a href="/documents/code/SOP-QA-010">calibration</a>' in html
    assert "<table>" in html and '<a href="https://example.com">site</a>' in html
    assert 'href="mailto:qa@example.com"' in html


@pytest.mark.parametrize("url, ok", [("https://a.b/c", True), ("HTTP://A.B", True), ("mailto:x@y.z", True),
                                     ("/w/ASM-01", True), ("#step-3", True), ("../sop", True),
                                     ("javascript:x", False), ("data:x", False), ("vbscript:x", False),
                                     ("java%09script:x", False), ("//evil", False), ("\\\\evil\\x", False),
                                     ("java\tscript:x", False)])
def test_link_validator(url, ok):
    assert safe_link(url) is ok
