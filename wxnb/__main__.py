"""python -m wxnb: the same as the wxnb command."""

from wxnb.cli import main

main()
