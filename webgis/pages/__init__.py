"""The citizens' pages: the homepage map (/peta), its JSON helpers and the layer catalogue (/katalog)."""
