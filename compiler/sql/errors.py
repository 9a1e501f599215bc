"""Why a pathway cannot become SQL."""


class CannotCompile(ValueError):
    """The pathway cannot be written as one SQL query (the message says why)."""
