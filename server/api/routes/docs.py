"""OpenAPI docs at /docs served from local files (the `swagger-ui-bundle` package), so they work offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def swagger_dir() -> Path | None:
    """Folder of the bundled Swagger UI files, or None when the package is missing."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def install(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from local assets (FastAPI's default pulls it from a CDN)."""
    folder = swagger_dir()
    if folder is None:
        return
    app.mount(ASSETS, StaticFiles(directory=folder), name="docs-assets")
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — docs",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )

    app.include_router(router)
