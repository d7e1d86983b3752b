"""Why an element is invisible, from its HTML attributes, inline style and the page's <style> blocks.

Dark-link kits hide their links with a handful of tricks; each is recognised here and reported in
words a person can check. "Strong" tricks (off-screen, zero size, font-size 0, colour equal to the
background, tiny marquee or iframe) have no legitimate use on a link; "weak" ones (display:none,
visibility:hidden) are also how drop-down menus hide, so alone they lower the severity.
A headless browser would compute styles exactly; this static reading covers what kits use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.etree
import lxml.html
from cssselect import SelectorError

from . import page

Declarations = dict[str, str]
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LENGTH = re.compile(r"^\s*(-?\d*\.?\d+)\s*(px|em|rem|pt|%|vw|vh|)?\s*$")
_RELEVANT = frozenset(
    {
        "display",
        "visibility",
        "opacity",
        "position",
        "left",
        "top",
        "right",
        "bottom",
        "margin-left",
        "margin-top",
        "text-indent",
        "width",
        "height",
        "max-height",
        "max-width",
        "overflow",
        "font-size",
        "color",
        "background",
        "background-color",
        "clip",
        "clip-path",
        "transform",
    }
)


@dataclass(frozen=True)
class Hiding:
    reason: str
    strong: bool


def parse_declarations(style: str) -> Declarations:
    decls: Declarations = {}
    for part in _COMMENT.sub("", style or "").split(";"):
        name, sep, value = part.partition(":")
        if sep:
            value = value.replace("!important", "").strip().lower()
            decls[name.strip().lower()] = value
    return decls


def parse_stylesheet(css: str) -> list[tuple[str, Declarations]]:
    """``(selector, declarations)`` for each rule; @media/@supports blocks are read as if they applied.

    A site serves the same <style> block on every check, so parsed sheets are remembered by text.
    """
    return list(_parsed_sheet(css))


@functools.lru_cache(maxsize=512)
def _parsed_sheet(css: str) -> tuple[tuple[str, Declarations], ...]:
    return tuple(_parse_stylesheet(css))


def _parse_stylesheet(css: str) -> list[tuple[str, Declarations]]:
    css = _COMMENT.sub("", css)
    rules: list[tuple[str, Declarations]] = []
    pos = 0
    while True:
        open_at = css.find("{", pos)
        if open_at < 0:
            break
        prelude = css[pos:open_at].strip()
        depth, i = 1, open_at + 1
        while i < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            i += 1
        body = css[open_at + 1 : i - 1]
        pos = i
        if prelude.startswith("@"):
            if prelude.lower().startswith(("@media", "@supports")):
                rules += _parse_stylesheet(body)
            continue
        if ";" in prelude:  # a stray declaration before the rule
            prelude = prelude.rsplit(";", 1)[1].strip()
        decls = {k: v for k, v in parse_declarations(body).items() if k in _RELEVANT}
        if decls:
            rules += [(sel.strip(), decls) for sel in prelude.split(",") if sel.strip()]
    return rules


def page_rules(root: lxml.html.HtmlElement) -> list[tuple[str, Declarations]]:
    rules: list[tuple[str, Declarations]] = []
    for style in root.iter("style"):
        rules += parse_stylesheet(style.text_content())
    return rules


_PSEUDO = re.compile(r":+([a-z-]+)")
_STRUCTURAL = frozenset(
    {"not", "nth-child", "nth-of-type", "first-child", "last-child", "only-child", "empty", "root"}
)


def _at_rest(selector: str) -> bool:
    """False for :hover, :focus, ::before and the like, which do not style the element at rest."""
    names = _PSEUDO.findall(re.sub(r"\[[^\]]*\]", "", selector.lower()))
    return all(name in _STRUCTURAL for name in names)


class StyleMap:
    """Declarations per element: <style> rules in document order, then the inline style."""

    def __init__(self, root: lxml.html.HtmlElement, rules: Iterable[tuple[str, Declarations]]) -> None:
        self._sheet: dict[lxml.html.HtmlElement, Declarations] = {}
        for selector, decls in rules:
            if not _at_rest(selector):
                continue
            try:
                matched = page.select(root, selector)
            except (SelectorError, lxml.etree.XPathError, ValueError):
                continue
            for el in matched:
                self._sheet.setdefault(el, {}).update(decls)
        self._cache: dict[lxml.html.HtmlElement, Declarations] = {}

    def of(self, el: lxml.html.HtmlElement) -> Declarations:
        found = self._cache.get(el)
        if found is None:
            found = dict(self._sheet.get(el, {}))
            found.update(parse_declarations(el.get("style", "")))
            self._cache[el] = found
        return found


def _px(value: str | None) -> float | None:
    if not value:
        return None
    match = _LENGTH.match(value.split()[0] if value.split() else value)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or "px"
    return {"px": number, "em": number * 16, "rem": number * 16, "pt": number * 4 / 3}.get(unit)


def _attr_px(el: lxml.html.HtmlElement, name: str) -> float | None:
    raw = (el.get(name) or "").strip().lower().removesuffix("px")
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def own_hiding(el: lxml.html.HtmlElement, decls: Declarations) -> list[Hiding]:
    """Tricks applied on this element itself."""
    if not decls and el.get("hidden") is None and el.get("width") is None and el.get("height") is None:
        return []  # nothing styled, nothing sized: the common case, answered without the checks below
    tag = el.tag if isinstance(el.tag, str) else ""
    out: list[Hiding] = []
    if decls.get("display") == "none":
        out.append(Hiding("display:none", False))
    if decls.get("visibility") in ("hidden", "collapse"):
        out.append(Hiding("visibility:hidden", False))
    if el.get("hidden") is not None:
        out.append(Hiding("hidden 属性", False))
    opacity = decls.get("opacity")
    try:
        if opacity is not None and float(opacity) <= 0.05:
            out.append(Hiding(f"opacity:{opacity}", True))
    except ValueError:
        pass
    if decls.get("position") in ("absolute", "fixed"):
        for side in ("left", "top", "right", "bottom"):
            offset = _px(decls.get(side))
            if offset is not None and offset <= -100:
                out.append(Hiding(f"移出屏幕 position:{decls['position']}; {side}:{decls[side]}", True))
                break
    for prop, limit in (("margin-left", -500), ("margin-top", -500), ("text-indent", -100)):
        offset = _px(decls.get(prop))
        if offset is not None and offset <= limit:
            out.append(Hiding(f"移出屏幕 {prop}:{decls[prop]}", True))
    width = _px(decls.get("width") or decls.get("max-width"))
    height = _px(decls.get("height") or decls.get("max-height"))
    if width is None:
        width = _attr_px(el, "width")
    if height is None:
        height = _attr_px(el, "height")
    tiny_limit = 5 if tag in ("marquee", "iframe", "frame") else 1
    tiny = [v for v in (width, height) if v is not None and v <= tiny_limit]
    if tiny and (decls.get("overflow") == "hidden" or tag in ("a", "iframe", "frame", "marquee")):
        what = {"marquee": "极小的 marquee", "iframe": "极小的 iframe", "frame": "极小的 frame"}.get(
            tag, "零尺寸"
        )
        out.append(Hiding(f"{what} width:{_fmt(width)} height:{_fmt(height)}", True))
    size = _px(decls.get("font-size"))
    if size is not None and size <= 1:
        out.append(Hiding(f"font-size:{decls['font-size']}", True))
    clip = decls.get("clip", "") + " " + decls.get("clip-path", "")
    if re.search(r"rect\(\s*0[a-z]*[\s,]+0[a-z]*[\s,]+0[a-z]*[\s,]+0|inset\(\s*(50|100)%", clip):
        out.append(Hiding(f"裁剪 {clip.strip()}", True))
    if re.search(r"scale[xy]?\(\s*0(\.0+)?\s*[,)]", decls.get("transform", "")):
        out.append(Hiding(f"transform:{decls['transform']}", True))
    if decls.get("color") == "transparent":
        out.append(Hiding("文字颜色透明", True))
    return out


def _fmt(value: float | None) -> str:
    return "auto" if value is None else f"{value:g}px"


def element_label(el: lxml.html.HtmlElement) -> str:
    label = f"<{el.tag}"
    if el.get("id"):
        label += f"#{el.get('id')}"
    if el.get("class"):
        label += "." + ".".join(el.get("class", "").split()[:2])
    return label + ">"


_NAMED = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "red": (255, 0, 0),
    "green": (0, 128, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "navy": (0, 0, 128),
    "maroon": (128, 0, 0),
    "orange": (255, 165, 0),
    "purple": (128, 0, 128),
    "fuchsia": (255, 0, 255),
    "aqua": (0, 255, 255),
    "lime": (0, 255, 0),
    "olive": (128, 128, 0),
    "teal": (0, 128, 128),
    "whitesmoke": (245, 245, 245),
}


def parse_color(value: str | None) -> tuple[int, int, int] | None:
    """An opaque colour as RGB, or ``None`` (transparent, unknown, or not a colour)."""
    if not value:
        return None
    value = value.strip().lower()
    for token in re.findall(r"#[0-9a-f]{3,8}\b|rgba?\([^)]*\)|[a-z]+", value):
        if token in _NAMED:
            return _NAMED[token]
        if token.startswith("#"):
            hexes = token[1:]
            if len(hexes) in (3, 4):
                hexes = "".join(c * 2 for c in hexes[:3])
            if len(hexes) in (6, 8):
                return (int(hexes[0:2], 16), int(hexes[2:4], 16), int(hexes[4:6], 16))
        if token.startswith("rgb"):
            nums = re.findall(r"[\d.]+%?", token)
            if len(nums) >= 3:
                if len(nums) == 4 and float(nums[3].rstrip("%")) == 0:
                    return None
                return tuple(  # type: ignore[return-value]
                    round(float(n[:-1]) * 2.55) if n.endswith("%") else int(float(n)) for n in nums[:3]
                )
    return None


class Visibility:
    """Why an element cannot be seen, looking at the element and all its ancestors."""

    def __init__(self, root: lxml.html.HtmlElement, rules: Iterable[tuple[str, Declarations]] | None = None):
        self.styles = StyleMap(root, page_rules(root) if rules is None else rules)
        self._own: dict[lxml.html.HtmlElement, list[Hiding]] = {}
        self._inside: dict[lxml.html.HtmlElement, list[Hiding]] = {}
        self._colour: dict[lxml.html.HtmlElement, tuple[tuple[int, int, int] | None, ...]] = {}

    def _own_hiding(self, el: lxml.html.HtmlElement) -> list[Hiding]:
        found = self._own.get(el)
        if found is None:
            found = own_hiding(el, self.styles.of(el))
            self._own[el] = found
        return found

    def reasons(self, el: lxml.html.HtmlElement) -> list[Hiding]:
        out = [Hiding(f"{h.reason}（链接本身）", h.strong) for h in self._own_hiding(el)]
        parent = el.getparent()
        if parent is not None:
            out += self._inherited(parent)
        same = self._same_colour(el)
        if same:
            out.append(same)
        return out

    def _inherited(self, node: lxml.html.HtmlElement) -> list[Hiding]:
        """What hides everything inside ``node``: its own tricks and its ancestors', nearest first.

        Cached per element, so the links of one list share the walk up to the root.
        """
        found = self._inside.get(node)
        if found is None:
            found = []
            if isinstance(node.tag, str):
                where = f"所在 {element_label(node)}"
                found = [Hiding(f"{h.reason}（{where}）", h.strong) for h in self._own_hiding(node)]
            parent = node.getparent()
            if parent is not None:
                found = found + self._inherited(parent) if found else self._inherited(parent)
            self._inside[node] = found
        return found

    def _colours(self, node: lxml.html.HtmlElement) -> tuple[tuple[int, int, int] | None, ...]:
        """(text colour, background) in effect at ``node``: the nearest element that sets each."""
        found = self._colour.get(node)
        if found is None:
            colour = background = None
            if isinstance(node.tag, str):
                decls = self.styles.of(node)
                colour = parse_color(
                    decls.get("color") or (node.get("color") if node.tag == "font" else None)
                )
                background = parse_color(
                    decls.get("background-color") or decls.get("background") or node.get("bgcolor")
                )
            parent = node.getparent()
            if (colour is None or background is None) and parent is not None:
                up_colour, up_background = self._colours(parent)
                colour = up_colour if colour is None else colour
                background = up_background if background is None else background
            found = (colour, background)
            self._colour[node] = found
        return found

    def _same_colour(self, el: lxml.html.HtmlElement) -> Hiding | None:
        colour, background = self._colours(el)
        if colour is not None and colour == background:
            return Hiding(f"文字颜色与背景色相同 rgb{colour}", True)
        if colour == (255, 255, 255) and background is None:
            return Hiding("白色文字且页面未设背景色（默认白底）", False)
        return None
