"""The faces of declared services (services/engine): citizen pages, JSON API, staff desk."""
