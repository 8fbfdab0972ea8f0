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
