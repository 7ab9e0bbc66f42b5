"""PPDB online faces: registration, results and re-registration, the public quotas, the staff's rounds."""
