"""Domain errors: a stable code, the field at fault, and a message in Chinese and English."""


class DomainError(Exception):
    """A rule of the domain refused the operation."""

    code = "domain_error"

    def __init__(
        self,
        message_zh: str,
        message_en: str,
        *,
        field: str | None = None,
        code: str | None = None,
        details: dict | None = None,
    ) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field
        self.details = details or {}
        if code:
            self.code = code

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message_zh,
            "message_en": self.message_en,
            **({"details": self.details} if self.details else {}),
        }


class InvalidInput(DomainError):
    code = "invalid"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class Conflict(DomainError):
    code = "conflict"
