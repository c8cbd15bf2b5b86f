"""Demo data of this area for `manage.py load_demo` (idempotent)."""


def load_demo(*, stdout) -> None:
    return None
