"""The local file storage: Django's file system storage under ``MEDIA_ROOT``, which also
removes the folders a deletion leaves empty.

Application code reaches files only through ``default_storage`` (save, open, listdir, delete),
never a local path, so the same code runs on an object store (``STORAGE_BACKEND=s3``, see
settings). An object store has no folders; on a disk, a report's or export's folder
(``reports/<practice>/<report>/``) would otherwise stay behind, empty, after its file expired.
"""

import contextlib
import os
from pathlib import Path

from django.core.files.storage import FileSystemStorage


class LocalStorage(FileSystemStorage):
    def delete(self, name: str) -> None:
        super().delete(name)
        root = Path(self.location).resolve()
        folder = Path(self.path(name)).parent
        while folder != root and root in folder.parents:
            with contextlib.suppress(OSError):  # not empty, or gone already
                os.rmdir(folder)
            if folder.exists():
                return
            folder = folder.parent
