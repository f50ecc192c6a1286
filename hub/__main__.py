"""``python -m hub`` runs the command line."""

from hub.cli import main

if __name__ == "__main__":  # not when a helper process imports the main module
    main()
