"""``python -m console``."""

from console.cli import main

main(prog_name="python -m console")
