"""Settings of the whole platform: read once from the environment, importing nothing of the project.

Every package may import this one (layers, geodata, services, devices, webgis,
notebooks); it imports none of them.
"""

from config.settings import Settings, database_url, get_settings, notebook_output_dir

__all__ = ["Settings", "database_url", "get_settings", "notebook_output_dir"]
