"""A small tool."""


class Greeter:
    """Says hello."""

    def greet(self, name: str = "world") -> str:
        """Return a greeting for name."""
        return "hello " + name

    def _secret(self):
        pass


# Entry point of the tool.
def main(argv):
    return Greeter().greet(argv[0])


# Default greeting target,
# used when none is given.
DEFAULT_NAME = "world"


# Registers the handler.
@staticmethod
def handler():  # noqa: E302
    """The docstring wins over the comment."""


# Cached lookup of a greeter.
# pylint: disable=invalid-name
@staticmethod
def lookup():
    pass

# x = compute(y)
# return x
def untouched():
    pass
