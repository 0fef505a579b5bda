"""Writes of documents (文件): every registry change cites one."""

import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from .errors import Conflict, InvalidInput
from .files import file_sha256
from .journal import journal_record
from .models import Document

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def _check_fields(issuer: str, title: str, issued_on: datetime.date | None) -> None:
    if not issuer.strip():
        raise InvalidInput("发文机关不能为空", "issuing body is required", field="document_issuer")
    if not title.strip():
        raise InvalidInput("文件标题不能为空", "document title is required", field="document_title")
    if issued_on is None:
        raise InvalidInput("成文日期不能为空", "date of issue is required", field="document_date")


@transaction.atomic
def document_register(
    *,
    actor,
    issuer: str,
    number: str,
    issued_on: datetime.date,
    title: str,
    file: UploadedFile | None = None,
    classification: int = 0,
) -> Document:
    """Record a document, or return the same one already recorded; the 文号 is unique per issuer."""
    issuer, number, title = issuer.strip(), number.strip(), title.strip()
    _check_fields(issuer, title, issued_on)
    if number:
        existing = Document.objects.filter(issuer=issuer, number=number).first()
        if existing is not None:
            if existing.title == title and existing.issued_on == issued_on:
                return existing
            raise Conflict(
                f"{issuer}的文号“{number}”已用于另一份文件《{existing.title}》",
                f"document number {number!r} of {issuer} is already used by another document",
                field="document_number",
            )
    document = Document(
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        title=title,
        classification=classification,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if file is not None:
        if file.size and file.size > MAX_DOCUMENT_BYTES:
            raise InvalidInput("文件超过 50 MB", "file is larger than 50 MB", field="document_file")
        document.sha256 = file_sha256(file)
        document.size = file.size
        document.file = file
    document.save()
    journal_record(
        obj=document,
        action="core.document.registered",
        actor=actor,
        after={
            "issuer": issuer,
            "number": number,
            "title": title,
            "issued_on": issued_on.isoformat(),
            "sha256": document.sha256,
        },
        document=document,
        effective_date=issued_on,
    )
    return document
