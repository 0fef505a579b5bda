"""Helpers for uploaded files."""

import hashlib


def file_sha256(upload) -> str:
    """The SHA-256 of an uploaded file, read in chunks; the file is rewound afterwards."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


# Accepted attachment types: the name's extension and the content's first bytes must agree.
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ACCEPTED_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "ofd": ("application/ofd", (_ZIP,)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (_ZIP,),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    "doc": ("application/msword", (_OLE,)),
    "xls": ("application/vnd.ms-excel", (_OLE,)),
    "wps": ("application/vnd.ms-works", (_OLE,)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}


def check_upload(upload, max_bytes: int, field: str = "file") -> str:
    """The content type of an accepted upload, or a bilingual error naming the rule broken:
    empty, too large, a type not accepted, or content that does not match its name."""
    from .errors import InvalidInput

    name = (upload.name or "").rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not upload.size:
        raise InvalidInput("文件为空", "the file is empty", field=field, code="empty")
    if upload.size > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise InvalidInput(
            f"文件超过 {limit} MB", f"the file is larger than {limit} MB", field=field, code="size"
        )
    if ext not in ACCEPTED_TYPES:
        accepted = "、".join(sorted(ACCEPTED_TYPES))
        raise InvalidInput(
            f"不接受 .{ext or '（无扩展名）'} 文件，可上传：{accepted}",
            f"files of type .{ext or '(none)'} are not accepted; accepted: {accepted}",
            field=field,
            code="type",
        )
    content_type, magics = ACCEPTED_TYPES[ext]
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in magics):
        raise InvalidInput(
            f"文件内容与扩展名 .{ext} 不符",
            f"the file's content does not match its .{ext} name",
            field=field,
            code="content",
        )
    return content_type
