"""Reading the pickled array files of the official releases, safely.

ModelNet's ``.dat`` FPS pickles and the few-shot ``.pkl`` folds are
pickles of lists, tuples and dicts of numpy arrays and numbers. A pickle
can name any importable callable and so run code when loaded; these
files never need that, so :func:`load_array_pickle` allows exactly the
numpy names that rebuild arrays, dtypes and scalars, and refuses any
other, naming the file.
"""
import pickle
from typing import Any

#: (module, name) pairs a pickle of numpy arrays refers to (numpy 1.x
#: writes ``numpy.core``, numpy 2.x ``numpy._core``).
ALLOWED_GLOBALS = frozenset(
    (module, name)
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray')
    for name in ('_reconstruct', 'scalar')) | {('numpy', 'ndarray'),
                                               ('numpy', 'dtype')}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED_GLOBALS`."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(
                f'it refers to {module}.{name}, which an array file never '
                'needs (a pickle naming other objects can run code)')
        return super().find_class(module, name)


def load_array_pickle(path: str, hint: str = '') -> Any:
    """Unpickle a file of numpy arrays, lists, tuples, dicts and numbers.

    Args:
        path (str): The file (the caller checks that it exists).
        hint (str): Appended to the message (e.g. how to rebuild it).

    Returns:
        The unpickled content.

    Raises:
        ValueError: Naming the file, if it cannot be unpickled (truncated,
            not a pickle) or refers to anything but numpy's array types.
    """
    try:
        with open(path, 'rb') as f:
            return _ArrayUnpickler(f).load()
    except Exception as err:  # any unpickling failure: name the file
        raise ValueError(
            f'{path}: cannot unpickle ({type(err).__name__}: '
            f'{err}); the file may be truncated or not an array file'
            f'{hint}') from err
