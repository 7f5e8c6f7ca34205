"""`python -m bench NAME [args]` runs `bench/NAME.py`'s `main()`."""

import importlib
import sys

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m bench NAME [args]")
    module = importlib.import_module(f"bench.{sys.argv[1]}")
    sys.exit(module.main(sys.argv[2:]) if module.main.__code__.co_argcount else module.main())
