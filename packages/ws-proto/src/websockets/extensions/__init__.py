"""WebSocket extensions (:rfc:`6455#section-9`).

:mod:`websockets.extensions.permessage_deflate` is provided by the
``ws-deflate`` distribution, which installs it into this package.

"""

# ws-deflate installs permessage_deflate.py into this package from another
# distribution: extend __path__ so that it's found in editable installs too,
# where each distribution's sources live in a folder of their own.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from .base import ClientExtensionFactory, Extension, ServerExtensionFactory

__all__ = ["ClientExtensionFactory", "Extension", "ServerExtensionFactory"]
