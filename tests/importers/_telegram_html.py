"""Pages as Telegram Desktop's HTML writer lays them out (block tags on their own indented lines, text
escaped with newlines as <br>), built from short message descriptions for the telegram-html tests.

The markup follows ``export_output_html.cpp`` (pushTag/popTag, pushMessage, pushServiceMessage, the
media blocks); names, texts and files are invented.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path


def esc(text: str) -> str:
    return html.escape(text, quote=True).replace("&#x27;", "&apos;").replace("\n", "<br>")


class Writer:
    """Telegram's HtmlContext: a block tag is written as "\\n" + indent + tag + "\\n"."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.tags: list[tuple[str, bool]] = []

    def push(self, tag: str, block: bool = True, **attrs: str) -> None:
        inner = "".join(f' {k.rstrip("_")}="{esc(v)}"' for k, v in attrs.items())
        indent = " " * len(self.tags)
        self.out.append(("\n" + indent if block else "") + f"<{tag}{inner}>" + ("\n" if block else ""))
        self.tags.append((tag, block))

    def empty(self, tag: str, **attrs: str) -> None:
        inner = "".join(f' {k.rstrip("_")}="{esc(v)}"' for k, v in attrs.items())
        self.out.append("\n" + " " * len(self.tags) + f"<{tag}{inner}/>\n")

    def div(self, cls: str, **attrs: str) -> None:
        self.push("div", class_=cls, **attrs)

    def pop(self) -> None:
        tag, block = self.tags.pop()
        indent = " " * len(self.tags)
        self.out.append(("\n" + indent if block else "") + f"</{tag}>" + ("\n" if block else ""))

    def raw(self, text: str) -> None:
        self.out.append(text)

    def leaf(self, cls: str, text: str, **attrs: str) -> None:
        self.div(cls, **attrs)
        self.raw(text)
        self.pop()


@dataclass
class Msg:
    """A default message; ``name`` None makes it ``joined`` (no userpic, no from_name)."""

    id: int
    title: str  # the date div's title, e.g. "01.03.2024 10:00:00 UTC+03:00"
    name: str | None
    text_html: str = ""
    reply_to: int | None = None
    reply_page: str = ""
    reply_other_chat: bool = False
    forwarded: str | None = None  # the origin's name; "" for a joined forward (no from_name)
    forwarded_title: str = "28.02.2024 09:00:00"
    media: str = ""  # ready-made media markup (see the helpers below)
    signature: str = ""
    edited_html: str = ""


@dataclass
class Service:
    id: int
    text_html: str


@dataclass
class Page:
    chat: str
    items: list[Msg | Service | str] = field(default_factory=list)  # a str is a day separator
    base: str = ""  # "../../" for an account export's chats/chat_NNN/ page
    previous: str = ""
    next: str = ""


def page_html(page: Page) -> str:
    w = Writer()
    w.raw("<!DOCTYPE html>")
    w.push("html")
    w.push("head")
    w.empty("meta", charset="utf-8")
    w.push("title", block=False)
    w.raw("Exported Data")
    w.pop()
    w.empty("meta", name="viewport", content="width=device-width, initial-scale=1.0")
    w.empty("link", href=f"{page.base}css/style.css", rel="stylesheet")
    w.push("script", src=f"{page.base}js/script.js", type="text/javascript")
    w.pop()
    w.pop()
    w.push("body", onload="CheckLocation();")
    w.div("page_wrap")
    w.div("page_header")
    if page.base:
        w.push(
            "a",
            class_="content block_link",
            href=f"{page.base}lists/chats.html",
            onclick="return GoBack(this)",
        )
    else:
        w.div("content")
    w.leaf("text bold", esc(page.chat + " "))
    w.pop()
    w.pop()
    w.div("page_body chat_page")
    w.div("history")
    if page.previous:
        w.push("a", class_="pagination block_link", href=page.previous)
        w.raw("Previous messages")
        w.pop()
    separator = 0
    for item in page.items:
        if isinstance(item, str):
            separator -= 1
            w.div("message service", id=f"message{separator}")
            w.leaf("body details", esc(item))
            w.pop()
        elif isinstance(item, Service):
            w.div("message service", id=f"message{item.id}")
            w.leaf("body details", item.text_html)
            w.pop()
        else:
            message(w, item)
    if page.next:
        w.push("a", class_="pagination block_link", href=page.next)
        w.raw("Next messages")
        w.pop()
    while w.tags:
        w.pop()
    return "".join(w.out)


def message(w: Writer, m: Msg) -> None:
    w.div("message default clearfix" + ("" if m.name is not None else " joined"), id=f"message{m.id}")
    if m.name is not None:
        w.div("pull_left userpic_wrap")
        w.div("userpic userpic2", style="width: 42px; height: 42px")
        w.div("initials", style="line-height: 42px")
        w.raw(esc(m.name[:1]))
        w.pop()
        w.pop()
        w.pop()
    w.div("body")
    w.leaf("pull_right date details", m.title[11:16], title=m.title)
    if m.edited_html:
        w.raw(m.edited_html)
    if m.name is not None:
        w.leaf("from_name", esc(m.name + " "))
    if m.forwarded is not None:
        if m.forwarded:
            w.div("pull_left forwarded userpic_wrap")
            w.div("userpic userpic5", style="width: 42px; height: 42px")
            w.leaf("initials", esc(m.forwarded[:1]), style="line-height: 42px")
            w.pop()
            w.pop()
        w.div("forwarded body")
        if m.forwarded:
            w.div("from_name")
            w.raw(esc(m.forwarded))
            w.push("span", block=False, class_="date details", title=m.forwarded_title)
            w.raw(" " + m.forwarded_title)
            w.pop()
            w.pop()
    if m.reply_to is not None or m.reply_other_chat:
        w.div("reply_to details")
        if m.reply_other_chat:
            w.raw("In reply to a message in another chat")
        else:
            href = f"{m.reply_page}#go_to_message{m.reply_to}"
            click = "" if m.reply_page else f' onclick="return GoToMessage({m.reply_to})"'
            w.raw(f'In reply to <a href="{href}"{click}>this message</a>')
        w.pop()
    if m.media:
        w.raw(m.media)
    if m.text_html:
        w.leaf("text", m.text_html)
    if m.signature:
        w.leaf("signature details", esc(m.signature))
    if m.forwarded is not None:
        w.pop()
    w.pop()
    w.pop()


def _block(build: object) -> str:
    w = Writer()
    w.tags = [("div", True)] * 4  # the depth media sit at inside a message body
    build(w)  # type: ignore[operator]
    return "".join(w.out)


def photo(href: str, thumb: str) -> str:
    def build(w: Writer) -> None:
        w.div("media_wrap clearfix")
        w.push("a", class_="photo_wrap clearfix pull_left", href=href)
        w.empty("img", class_="photo", src=thumb, style="width: 260px; height: 195px")
        w.pop()
        w.pop()

    return _block(build)


def sticker(href: str, thumb: str) -> str:
    def build(w: Writer) -> None:
        w.div("media_wrap clearfix")
        w.push("a", class_="sticker_wrap clearfix pull_left", href=href)
        w.empty("img", class_="sticker", src=thumb, style="width: 192px; height: 192px")
        w.pop()
        w.pop()

    return _block(build)


def generic(classes: str, title: str, status: str, href: str = "", description: str = "") -> str:
    """pushGenericMedia: a block link when the file was exported, a plain div (with why not) when not."""

    def build(w: Writer) -> None:
        w.div("media_wrap clearfix")
        if href:
            w.push("a", class_=f"media clearfix pull_left block_link {classes}", href=href)
        else:
            w.div(f"media clearfix pull_left {classes}")
        w.leaf("fill pull_left", "")
        w.div("body")
        w.leaf("title bold", esc(title))
        if description:
            w.leaf("description", esc(description))
        w.leaf("status details", esc(status))
        w.pop()
        w.pop()
        w.pop()

    return _block(build)


def poll(question: str, answers: list[tuple[str, int]]) -> str:
    def build(w: Writer) -> None:
        w.div("media_wrap clearfix")
        w.div("media_poll")
        w.leaf("question bold", esc(question))
        w.leaf("details", "Anonymous poll")
        for text, votes in answers:
            detail = f' <span class="details">{votes} votes</span>' if votes else ""
            w.leaf("answer", "- " + esc(text) + detail)
        w.leaf("total details\t", f"{sum(v for _, v in answers)} votes")
        w.pop()
        w.pop()

    return _block(build)


def write_page(path: Path, page: Page) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page_html(page), encoding="utf-8")
    return path
