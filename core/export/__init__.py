"""Writing the cleaned clip (with the source audio) and the mattes."""

from core.export.clip_writer import export_clip
from core.export.matte_writer import export_mattes
from core.export.settings import ExportSettings

__all__ = ["ExportSettings", "export_clip", "export_mattes"]
