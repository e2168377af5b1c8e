"""Article text from an HTML page, with the standard library's ``html.parser``, in time linear in the page.

>>> html_to_text("<html><nav>Home | World</nav><p>Talks in <b>Baku</b>.</p><p>Then Yerevan.</p></html>")
'Talks in Baku.\\n\\nThen Yerevan.'
>>> html_to_text("")
''
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]


# Raw-text elements: their content is not HTML, and never article text; dropped whole.
_RAW = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"})
# Elements whose content is not the story.
_SKIP = frozenset({"nav", "header", "footer", "aside", "template", "svg", "math", "button", "select", "datalist",
                   "object", "embed", "canvas", "audio", "video", "menu", "dialog", "head"})
_PARAGRAPH = frozenset({"p", "div", "section", "article", "main", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5",
                        "h6", "ul", "ol", "dl", "table", "figure", "figcaption", "address", "hr", "body", "html",
                        "details", "summary", "fieldset", "center"})
_LINE = frozenset({"br", "li", "dt", "dd", "tr", "td", "th", "caption", "option", "label", "legend"})
# A start tag: its name, then attributes up to ">" (quoted values of bounded length, no bare "<"),
# so that a failed match stops at the next "<" and scanning a page stays linear in its length.
_START_TAG = re.compile(r"""<([a-zA-Z][a-zA-Z0-9:_.-]*)(?=[\s/>])(?:[^<>"']|"[^"]{0,8192}"|'[^']{0,8192}')*>""")
_END_TAG = re.compile(r"""</\s*([a-zA-Z][a-zA-Z0-9:_.-]*)(?![a-zA-Z0-9:_.-])[^<>]*>""")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _Ahead:
    """``str.find`` for a scan that only moves forward: each needle's last hit is reused."""

    def __init__(self, s: str) -> None:
        self.s = s
        self.hits: dict[str, int] = {}

    def find(self, needle: str, start: int) -> int:
        hit = self.hits.get(needle)
        if hit is None or (hit != -1 and hit < start):
            hit = self.hits[needle] = self.s.find(needle, start)
        return hit


def _simplify_html(html: str) -> str:
    """The page with comments, declarations and raw-text elements removed, every tag reduced
    to ``<name>``/``</name>`` and every stray ``<`` escaped: input ``html.parser`` reads in
    linear time (it is quadratic on some unclosed constructs, and raises on others)."""
    low = _Ahead(html.translate(_ASCII_LOWER))  # same length: ASCII letters only
    ahead = _Ahead(html)
    out: list[str] = []
    pos, n = 0, len(html)
    i = html.find("<")
    while i >= 0:
        out.append(html[pos:i])
        if html.startswith("<!--", i):
            j = ahead.find("-->", i + 4)
            nxt = n if j < 0 else j + 3
        elif html.startswith(("<!", "<?"), i):
            j = ahead.find(">", i + 2)
            nxt = n if j < 0 else j + 1
        elif html.startswith("</", i):
            m = _END_TAG.match(html, i)
            if m:
                out.append(f"</{m.group(1).translate(_ASCII_LOWER)}>")
                nxt = m.end()
            else:
                out.append("&lt;")
                nxt = i + 1
        else:
            m = _START_TAG.match(html, i)
            if m is None:
                out.append("&lt;")
                nxt = i + 1
            else:
                name = m.group(1).translate(_ASCII_LOWER)
                nxt = m.end()
                if name in _RAW:  # drop the element and its content
                    j = low.find(f"</{name}", nxt)
                    k = -1 if j < 0 else ahead.find(">", j)
                    nxt = n if k < 0 else k + 1
                    out.append("<br>")
                else:
                    out.append(f"<{name}>")
        pos = nxt
        i = html.find("<", pos)
    out.append(html[pos:])
    return "".join(out)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.article = 0
        self.open: dict[str, list[bool]] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "body" and self.open.get("head"):  # no </head>: the body ends it
            self.skipping -= sum(self.open.pop("head"))
        if tag in ("article", "main"):
            self.article += 1
        if tag in _SKIP:
            # A page's header and footer are not the story; an article's header holds its headline.
            skip = not (tag in ("header", "footer") and self.article > 0)
            self.open.setdefault(tag, []).append(skip)
            self.skipping += skip
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _LINE:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("article", "main") and self.article:
            self.article -= 1
        if tag in _SKIP and self.open.get(tag):
            self.skipping -= self.open[tag].pop()
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _LINE and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


_BLANKS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """The readable text of an HTML page: paragraphs separated by blank lines.

    Drops scripts, styles, comments, the head, navigation, the page's header and footer (an
    ``<article>``'s own header and footer, with the headline, are kept), asides, buttons,
    SVG and templates. Never recurses, and runs in time linear in the page however deeply
    nested or malformed it is.

    >>> html_to_text("<header>My Site</header><article><h1>Baku talks</h1><p>Leaders met &amp; spoke.</p></article>")
    'Baku talks\\n\\nLeaders met & spoke.'
    >>> html_to_text("<div>" * 1000 + "Yerevan" + "</div>" * 1000)
    'Yerevan'
    >>> html_to_text("a < b and c<d")
    'a < b and c<d'
    """
    if "\x00" in html:
        html = html.replace("\x00", "")
    parser = _Extractor()
    parser.feed(_simplify_html(html))
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
