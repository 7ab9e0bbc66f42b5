"""The operators' view at /operator/ (views.py): device map, device pages and their JSON API."""
