"""python -m wxnb: the same as the wxnb command."""

from wxnb.cli import main

if __name__ == "__main__":  # not when a worker process re-imports the main module
    main()
