"""Helpers for uploaded files."""

import hashlib


def file_sha256(upload) -> str:
    """The SHA-256 of an uploaded file, read in chunks; the file is rewound afterwards."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
