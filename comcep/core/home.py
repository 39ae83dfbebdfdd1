"""What the home page shows besides its editorial text. Apps add sections by
registering a provider: ``register(name, callable(request) -> value)``."""

_providers: dict = {}


def register(name, provider):
    _providers[name] = provider


def sections(request) -> dict:
    return {name: provider(request) for name, provider in _providers.items()}
