"""`GET /api/documents` and `GET /api/documents/{doc_id}` (ids may contain `#` or `/`: URL-encode them)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from server.deps import PipelineDep
from server.schemas import DocumentList, DocumentOut, DocumentSummary, ErrorOut

router = APIRouter(tags=["documents"])


def _text(value: object) -> str | None:
    """A document field as text (indexes built before ingest checked types may hold a number)."""
    return None if value is None else str(value)


@router.get("/documents", response_model=DocumentList)
async def list_documents(pipe: PipelineDep) -> DocumentList:
    """Every indexed article: id, title, source file and length."""
    docs = [
        DocumentSummary(
            doc_id=d.doc_id, title=d.title, source=d.source, length=len(d.text), url=_text(d.url), date=_text(d.date)
        )
        for d in pipe.documents
    ]
    return DocumentList(count=len(docs), documents=docs)


@router.get(
    "/documents/{doc_id:path}",
    response_model=DocumentOut,
    responses={404: {"model": ErrorOut, "description": "No document with this id."}},
)
async def get_document(doc_id: str, pipe: PipelineDep) -> DocumentOut:
    """One article's normalised text: a citation's `start`/`end` index into `text`."""
    doc = pipe.document(doc_id)
    if doc is None:
        raise HTTPException(404, f"no document with id {doc_id!r}; GET /api/documents lists them")
    return DocumentOut(
        doc_id=doc.doc_id,
        title=doc.title,
        source=doc.source,
        length=len(doc.text),
        url=_text(doc.url),
        date=_text(doc.date),
        text=doc.text,
    )
