"""What a browser sends when a form is submitted untouched: the fields of a rendered page, as the HTML gives them.

Text-like inputs and hidden fields with their value, checkboxes and radio buttons only when checked, a select's
selected option (or its first), a textarea's text; submit buttons, files and disabled fields are not sent."""

from html.parser import HTMLParser

NOT_SENT = {"submit", "button", "reset", "image", "file"}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: tuple[str, list] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"id": a.get("id", ""), "action": a.get("action") or "", "data": []})
            return
        if not self.forms or not a.get("name") or "disabled" in a:
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        data = self.forms[-1]["data"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in NOT_SENT or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            data.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            self._select = (a["name"], [])
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def _option(self, a):
        name, options = self._select
        options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [v for v, selected in options if selected] or [v for v, _s in options[:1]]
            self.forms[-1]["data"].extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.forms[-1]["data"].append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def rendered_forms(html: str) -> list[dict]:
    """Every form of the page: its id, action and the (name, value) pairs a browser would submit untouched."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def as_post(pairs: list[tuple[str, str]], changes: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The pairs as a dict for Django's test client (repeated names kept), with some fields changed."""
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    for name, value in (changes or {}).items():
        out[name] = [value]
    return out
