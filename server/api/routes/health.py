"""`GET /healthz` (the process answers) and `GET /readyz` (the index is loaded)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Request, Response
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


@router.head("/healthz", include_in_schema=False)
async def healthz_head() -> Response:
    """Liveness for `HEAD` probes: 200, no body."""
    return Response(status_code=200)


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
        encoder=info.encoder,
        documents=info.documents,
        chunks=info.chunks,
        index_type=info.index_type,
        reader=info.reader,
        retrieval=info.retrieval,
    )


@router.head("/readyz", include_in_schema=False)
async def readyz_head(request: Request) -> Response:
    """Readiness for `HEAD` probes: 200 once loaded, else 503; no body."""
    if request.app.state.pipeline is None:
        return Response(status_code=503, headers={"Retry-After": "5"})
    return Response(status_code=200)
