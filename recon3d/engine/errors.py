"""Errors that stop a run with a one-line explanation.

Each names what is wrong and how to fix it; ``tools/train.py`` and
``tools/test.py`` print the message and exit with status 1 instead of a
traceback.
"""
import pickle

__all__ = [
    'RunError', 'CheckpointFileError', 'UnsafePickleError',
    'CheckpointMismatchError', 'ResumeError', 'NumClassesError',
    'NonFiniteError', 'ConfigKeyError'
]


class RunError(Exception):
    """Base of the errors below."""


class CheckpointFileError(RunError, ValueError):
    """A checkpoint file is empty, truncated or not a torch file."""


class UnsafePickleError(RunError, pickle.UnpicklingError):
    """A file refers to Python objects a safe load does not allow."""


class CheckpointMismatchError(RunError, ValueError):
    """A checkpoint's weights do not fit the model (strict loading)."""


class ResumeError(RunError, FileNotFoundError):
    """``resume`` was asked for but there is no checkpoint to resume."""


class NumClassesError(RunError, ValueError):
    """The model's number of outputs does not match the dataset's classes.
    """


class NonFiniteError(RunError, ArithmeticError):
    """A loss, gradient norm or weight became NaN or infinite."""


class ConfigKeyError(RunError, KeyError):
    """A top-level config key looks like a misspelling."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])
