"""OpenAPI docs at /docs (Swagger UI 5, which reads OpenAPI 3.1), served from the files of the
`fastapi-offline` package, so they work with no network. (ReDoc is not served: its page fetches a logo from
a CDN.)"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def swagger_dir() -> Path | None:
    """Folder of the packaged Swagger UI files, or None when `fastapi-offline` is missing."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    folder = Path(fastapi_offline.__file__).resolve().parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def install(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from local assets (FastAPI's default pulls it from a CDN)."""
    folder = swagger_dir()
    if folder is None:
        return
    app.mount(ASSETS, StaticFiles(directory=folder), name="docs-assets")
    router = APIRouter(include_in_schema=False)
    openapi_url = app.openapi_url or "/openapi.json"

    @router.get("/docs")
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — docs",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )

    app.include_router(router)
