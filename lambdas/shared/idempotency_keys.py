"""A clear error for an event without its idempotency key.

Powertools' idempotency raises ``IdempotencyKeyError("No data found to create a hashed
idempotency_key")`` when the key's field is missing, which names neither the field nor the
fix. Handlers wrap their ``@idempotent`` with ``naming_a_missing_key`` so the caller reads a
``ValidationError`` naming the field, as for any other bad request field.
"""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyKeyError

from shared.errors import ValidationError

Handler = TypeVar("Handler", bound=Callable[..., Any])


def naming_a_missing_key(field: str) -> Callable[[Handler], Handler]:
    """Turn a missing idempotency key into ``ValidationError(field, ...)``. Put it above
    ``@idempotent``."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def named(*args: Any, **kwargs: Any) -> Any:
            try:
                return handler(*args, **kwargs)
            except IdempotencyKeyError as error:
                raise ValidationError(field, "required: it is the idempotency key") from error

        return named  # type: ignore[return-value]

    return decorate
