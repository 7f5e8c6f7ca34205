"""Qt item models fed plain data (dataclasses, tuples), never live ORM objects."""
