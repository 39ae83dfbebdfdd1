"""Helpers shared by the tests of {% fragment %} and {% fragment_rows %}."""


class CountingToken:
    """A request's CSRF token (a lazy object in a real context) that counts how often it is read."""

    def __init__(self):
        self.reads = 0

    def __str__(self):
        self.reads += 1
        return "jeton"

    def __bool__(self):
        self.reads += 1
        return True

    def __eq__(self, other):
        self.reads += 1
        return other == "jeton"

    __hash__ = object.__hash__
