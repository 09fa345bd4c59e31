"""Logging to a file when LOG_FILE is set (for hosts without journald): the app's messages and
waitress's, one line each, survey paths dropped like everywhere else. WatchedFileHandler reopens
the file after logrotate has moved it, so rotation needs no restart (deploy/ has an example)."""
import logging
from logging.handlers import WatchedFileHandler

from .security import SurveyLogFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def init_app(app):
    path = app.config.get("LOG_FILE")
    if not path:
        return
    from .db import ConfigurationError

    for name in (app.logger.name, "waitress"):
        logger = logging.getLogger(name)
        if any(getattr(h, "baseFilename", None) == str(path) for h in logger.handlers):
            continue
        try:
            handler = WatchedFileHandler(path, encoding="utf-8")
        except OSError as error:
            raise ConfigurationError(f"LOG_FILE {path} cannot be written: {error.strerror}") from None
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(SurveyLogFilter())
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
