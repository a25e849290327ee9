"""`GET /healthz` (the process answers) and `GET /readyz` (the index is loaded)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server.schemas import ErrorOut, Health, Ready

router = APIRouter(tags=["health"])


def _version() -> str:
    try:
        return version("wenda")
    except PackageNotFoundError:
        return "0+unknown"


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: always 200 while the process serves requests."""
    return Health(version=_version())


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": ErrorOut, "description": "Not loaded yet, or loading failed."}},
)
async def readyz(request: Request) -> Ready | JSONResponse:
    """Readiness: 200 with the encoder and index size once loaded, 503 before."""
    state = request.app.state
    if state.pipeline is None:
        detail = (
            f"the index could not be loaded: {state.load_error}"
            if state.load_error
            else "the index is still loading"
        )
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "5"})
    info = state.pipeline.info()
    return Ready(
        encoder=str(info.get("encoder", "")),
        documents=int(info.get("documents", 0)),
        chunks=int(info.get("chunks", 0)),
        index_type=str(info.get("index_type", "")),
        reader=str(info.get("reader", "")),
        retrieval=str(info.get("retrieval", "")),
    )
