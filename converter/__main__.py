"""``python -m converter``: the command line (converter/cli.py)."""

from converter.cli import main

main()
