"""Writing a file so that an interrupted run leaves none behind."""
import os
import os.path as osp
import pickle


def dump_pickle(content, path: str) -> None:
    """Pickle ``content`` to a temporary sibling, then rename it to ``path``.

    Args:
        content: What to pickle.
        path (str): The file to write.
    """
    tmp = f'{path}.tmp-{os.getpid()}'
    try:
        with open(tmp, 'wb') as f:
            pickle.dump(content, f)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
