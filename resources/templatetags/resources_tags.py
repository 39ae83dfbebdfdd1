"""Template helpers of the library."""

import re
from urllib.parse import urlsplit, urlunsplit

from django import template
from django.utils.html import format_html

register = template.Library()

# Hosts the public CSP allows in frame-src (comcep.core.middleware.PUBLIC_POLICY).
_FRAME_HOSTS = {"www.youtube-nocookie.com", "player.vimeo.com", "www.dailymotion.com"}
_REWRITE = {"www.youtube.com": "www.youtube-nocookie.com", "youtube.com": "www.youtube-nocookie.com",
            "dailymotion.com": "www.dailymotion.com"}
_SRC_RE = re.compile(r"""<iframe[^>]*\ssrc=["']([^"']+)["']""", re.IGNORECASE)


def _frame_src(embed_html: str) -> str | None:
    match = _SRC_RE.search(embed_html or "")
    if not match:
        return None
    parts = urlsplit(match.group(1).replace("&amp;", "&"))
    host = _REWRITE.get(parts.hostname or "", parts.hostname or "")
    if parts.scheme != "https" or host not in _FRAME_HOSTS:
        return None
    return urlunsplit(("https", host, parts.path, parts.query, ""))


@register.simple_tag
def video_frame(embed, title):
    """Our own <iframe> for an EmbedBlock value: only the providers the CSP allows (YouTube via
    youtube-nocookie), no inline style, an accessible title; a plain link otherwise."""
    url = getattr(embed, "url", "") or ""
    try:
        src = _frame_src(embed.html) if embed else None
    except Exception:  # noqa: BLE001 - provider unreachable or unsupported: fall back to a link
        src = None
    if src:
        return format_html(
            '<iframe src="{}" title="{}" loading="lazy" referrerpolicy="strict-origin-when-cross-origin" '
            'allow="encrypted-media; picture-in-picture; fullscreen" allowfullscreen></iframe>', src, title)
    if url:
        return format_html('<a href="{}" rel="noopener">{}</a>', url, title)
    return ""
