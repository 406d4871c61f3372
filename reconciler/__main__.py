"""``python -m reconciler`` runs the cjrec command line."""

from reconciler.cli.main import run

if __name__ == "__main__":
    run()
