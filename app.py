"""WSGI entry point: `flask --app app run`, or `waitress-serve app:app` in production."""
from peergroups import create_app

app = create_app()
