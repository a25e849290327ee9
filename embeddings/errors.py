"""Errors raised while ingesting and indexing; each message is one readable, actionable line."""

from __future__ import annotations


class WendaError(Exception):
    """Base class: every error the user should see as a one-line message, not a traceback."""


class CorpusError(WendaError):
    """The corpus paths are missing, empty, or hold nothing readable."""


class IndexNotFoundError(WendaError):
    """No index exists at the configured directory."""


class IndexMismatchError(WendaError):
    """The index on disk was built with another encoder or format version."""


class IndexCorruptError(WendaError):
    """Index files are missing or unreadable."""


class IndexLockedError(WendaError):
    """Another process is writing the same index."""


class SettingsError(WendaError):
    """A setting has a wrong value or type, or the config file is missing, invalid or has an unknown key."""


class IndexLocationError(WendaError):
    """The index folder is not a folder or cannot be created or written."""
