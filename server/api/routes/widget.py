"""The embeddable widget's files and the demo page: `/`, `/widget.js`, `/widget.css`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

router = APIRouter(include_in_schema=False)

_NO_CACHE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


@router.get("/")
async def demo_page() -> FileResponse:
    """A demo page that embeds the widget."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=_NO_CACHE)


@router.get("/widget.js")
async def widget_js() -> FileResponse:
    """The widget script: `<script src="http://HOST/widget.js" data-endpoint="http://HOST">`."""
    return FileResponse(
        STATIC_DIR / "widget.js", media_type="text/javascript; charset=utf-8", headers=_NO_CACHE
    )


@router.get("/widget.css")
async def widget_css() -> FileResponse:
    """The widget style sheet, loaded by widget.js into its shadow root."""
    return FileResponse(STATIC_DIR / "widget.css", media_type="text/css; charset=utf-8", headers=_NO_CACHE)
