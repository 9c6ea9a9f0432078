"""Registration of every recon3d module."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every recon3d module so that it is in its registry.

    Tools, tests and apis call this explicitly: a broken module then fails
    with its ImportError instead of "X is not in the registry".

    Args:
        init_default_scope (bool): Also set mmengine's default scope to
            ``'recon3d'``. Defaults to True.
    """
    import recon3d.datasets  # noqa: F401
    import recon3d.engine  # noqa: F401
    import recon3d.evaluation  # noqa: F401
    import recon3d.models  # noqa: F401
    import recon3d.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('recon3d'):
        if current is not None and current.scope_name != 'recon3d':
            warnings.warn(
                f'The current default scope "{current.scope_name}" is not '
                '"recon3d"; register_all_modules() switches it to "recon3d"'
                ' under a new instance name.')
            name = f'recon3d-{datetime.datetime.now()}'
            DefaultScope.get_instance(name, scope_name='recon3d')
        else:
            DefaultScope.get_instance('recon3d', scope_name='recon3d')
