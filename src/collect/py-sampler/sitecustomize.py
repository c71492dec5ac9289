"""sitecustomize: autoprof's zero-source-change hook into every Python process of a run.

autoprof prepends this folder to PYTHONPATH, so the interpreter imports this module at
start-up (site.py does that for `sitecustomize`), before the target's main module. Because
PYTHONPATH is inherited, child interpreters (subprocess, multiprocessing 'spawn') load it too.

It must never change what the target sees or break it:
- sys.argv is untouched (we do not wrap the command), so `-m mod`, `-c code` and scripts work.
- this folder is removed from sys.path again, so the target's sys.path looks as without us.
- an existing sitecustomize further down sys.path (Debian ships one, virtualenvs may too)
  would be shadowed by this file, so we find it and run it ourselves.
- any failure here is reported on stderr once and swallowed.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _without_here(paths):
    return [p for p in paths if os.path.abspath(p or os.curdir) != _HERE]


def _start_autoprof():
    try:
        import autoprof_sampler

        autoprof_sampler.start_from_env()
    except Exception as exc:  # never break the target because profiling failed
        sys.stderr.write("autoprof: python profiling disabled: %r\n" % (exc,))


def _chain_next_sitecustomize():
    # Import machinery caches our module under this name; run the next one under it too,
    # so `import sitecustomize` elsewhere still finds a module with the other file's names.
    try:
        import importlib.machinery
        import importlib.util

        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", _without_here(sys.path))
        if spec is None or spec.loader is None:
            return
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        globals().update({k: v for k, v in vars(module).items() if not k.startswith("__")})
    except Exception as exc:
        sys.stderr.write("autoprof: the target's own sitecustomize failed: %r\n" % (exc,))


_start_autoprof()
sys.path[:] = _without_here(sys.path)
# autoprof_sampler was imported from this folder; keep it imported but do not leave the
# folder on sys.path where the target could import other files from it by accident.
_chain_next_sitecustomize()
