"""Suite "metrics": `operations_api.metrics` counting nothing (copied over it in a copy of the layer)."""


def __getattr__(name: str) -> str:
    return name


def count(*args: object, **kwargs: object) -> None:
    return None
