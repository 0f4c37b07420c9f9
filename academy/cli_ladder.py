"""The command groups of penalties, career paths and recognition, for academy.cli to add."""

from academy.cli_violations import app as violations_app

apps = {"violations": violations_app}
