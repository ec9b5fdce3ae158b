"""Errors that carry the file, the key and the fix, so the CLI can print one line."""


class Seq2TrackError(Exception):
    """Base class: a user-facing problem with an input file or a config value."""

    def __init__(self, what: str, problem: str, fix: str = "") -> None:
        self.what, self.problem, self.fix = what, problem, fix
        message = f"{what}: {problem}"
        if fix:
            message += f" (fix: {fix})"
        super().__init__(message)


class InputFileError(Seq2TrackError):
    """A file is missing, unreadable or malformed."""


class ConfigError(Seq2TrackError):
    """A configuration value is wrong."""


class DownloadError(Seq2TrackError):
    """A source could not be fetched or failed verification."""
