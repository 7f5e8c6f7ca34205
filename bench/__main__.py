"""`python -m bench NAME [args]` runs `bench/NAME.py`'s `main()`."""

import importlib
import sys

# file names that differ from the command (``import`` is a Python keyword)
ALIASES = {"import": "import_"}

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m bench NAME [args]")
    module = importlib.import_module(f"bench.{ALIASES.get(sys.argv[1], sys.argv[1])}")
    sys.exit(module.main(sys.argv[2:]) if module.main.__code__.co_argcount else module.main())
