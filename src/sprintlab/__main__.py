"""``python -m sprintlab``: the same as the ``sprintlab`` command."""

from .cli import main

main()
