"""Safe Markdown for document content: no raw HTML, no images, and links only to web, mail or this app."""
import re

from markupsafe import Markup
from markdown_it import MarkdownIt

_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})


def safe_link(url: str) -> bool:
    """Allow http(s), mailto and relative links; refuse javascript:, data:, vbscript:, file: and the rest."""
    if any(ord(ch) < 32 for ch in url):
        return False
    match = _SCHEME.match(url)
    if match is not None:
        return match.group(1).lower() in ALLOWED_SCHEMES
    # No scheme: a path or an anchor on this site. A colon before the first '/' could still read as a scheme to
    # some browser once decoded, and "//host" is another site; refuse both.
    head = re.split(r"[/?#]", url.strip(), maxsplit=1)[0]
    return ":" not in head and not url.lstrip().startswith(("//", "\\\\"))


def _parser() -> MarkdownIt:
    """CommonMark with tables; raw HTML is shown as text, images are off (remote images break offline use)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable(["image"])
    md.validateLink = safe_link  # markdown-it checks every link and autolink through this hook
    return md


_md = _parser()


def to_html(text: str) -> Markup:
    """Markdown to HTML that is safe to put in a page (only after the parser has escaped and filtered it)."""
    return Markup(_md.render(text or ""))
