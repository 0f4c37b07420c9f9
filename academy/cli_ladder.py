"""The command groups of penalties, career paths and recognition, for academy.cli to add."""

from academy.cli_careers import app as careers_app
from academy.cli_coaching import app as coaching_app
from academy.cli_competitions import app as competitions_app
from academy.cli_violations import app as violations_app

apps = {"violations": violations_app, "careers": careers_app, "competitions": competitions_app,
        "coaching": coaching_app}
